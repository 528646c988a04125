import AsyncHTTPClient
import Logging
import NIOCore

/// One HTTP POST with retries and exponential back-off, shared by the Alertmanager client
/// and the retraining webhook: network errors, 408, 429 and 5xx answers are retried;
/// another 4xx answer is final (the receiver refused the request itself).
struct HTTPDelivery: Sendable {
    var attempts: Int
    var initialBackoff: Duration
    var requestTimeout: Duration

    enum Outcome: Sendable, Equatable {
        /// A 2xx answer, or a status the caller counts as done (`accepting`).
        case delivered
        /// Refused (a 4xx that is not retried), or failed after every attempt.
        case failed
    }

    /// Posts `body`; `onError(attempt, description)` sees each failed attempt (for logs and counts).
    func post(url: String, headers: [(String, String)], body: [UInt8], accepting: Set<Int> = [],
              onError: (Int, String) -> Void) async -> Outcome {
        var backoff = initialBackoff
        for attempt in 1...max(1, attempts) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await HTTPClient.shared.execute(
                    request, timeout: .milliseconds(Int64(requestTimeout.seconds * 1000)))
                let answer = try await response.body.collect(upTo: 64 << 10)
                let status = Int(response.status.code)
                if (200..<300).contains(status) || accepting.contains(status) { return .delivered }
                onError(attempt, "status \(status): \(String(buffer: answer))")
                if (400..<500).contains(status), status != 408, status != 429 { return .failed }
            } catch {
                onError(attempt, "\(error)")
            }
            guard attempt < attempts, (try? await Task.sleep(for: backoff)) != nil else { return .failed }
            backoff *= 2
        }
        return .failed
    }
}
