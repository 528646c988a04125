import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Service

/// A real HTTP receiver for the retraining webhook tests (a Hummingbird app on a loopback
/// port): records every request and answers the first `failFirst` with `failStatus`, then 200.
final class WebhookReceiver: Sendable {
    struct Request: Sendable {
        var path: String
        /// By lower-case name.
        var headers: [String: String]
        var body: String

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
    }

    let failFirst: Int
    let failStatus: HTTPResponse.Status
    private let received = Protected<[Request]>([])

    init(failFirst: Int = 0, failStatus: HTTPResponse.Status = .serviceUnavailable) {
        self.failFirst = failFirst
        self.failStatus = failStatus
    }

    var requests: [Request] { received.current }

    /// Runs the receiver for the duration of `body`, which gets its base URL.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/**") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }) { first, _ in first }
            let count = self.received.withLock { received in
                received.append(Request(path: request.uri.path, headers: headers, body: String(buffer: bytes)))
                return received.count
            }
            return Response(status: count <= self.failFirst ? self.failStatus : .ok)
        }
        try await Application(router: router, logger: ServiceTestSupport.quietLogger).test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)")
        }
    }
}
