import Foundation

/// Where librdkafka's blocking calls run when an async caller makes them: flush,
/// commit, committed offsets, watermark and metadata queries, seek, consumer close.
/// Each waits for the broker (up to its timeout, during an outage for long), so it runs
/// on a dispatch queue of its own, never on Swift's cooperative pool (two threads on a
/// two-core machine: two such calls there would stall every task). The consumer's and
/// producer's poll loops have their own threads (``ServiceThread``).
package enum BlockingCalls {
    private static let queue = DispatchQueue(label: "driftwatch.kafka.blocking-calls", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` on the blocking-call queue without waiting for it.
    package static func execute(_ body: @escaping @Sendable () -> Void) { queue.async(execute: body) }

    /// Runs `body` on the blocking-call queue and resumes the caller with its result.
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
