import Foundation

/// Where librdkafka's blocking calls run when an async caller makes them: flush,
/// commit, committed offsets, watermark and metadata queries, seek, consumer close.
/// Each waits for the broker (up to its timeout, during an outage for long), so it runs
/// off Swift's cooperative pool (two threads on a two-core machine: two such calls there
/// would stall every task). The consumer's and producer's poll loops have their own
/// threads (``ServiceThread``).
///
/// An awaited call (`run`) gets a thread of its own, not a dispatch queue's
/// worker: libdispatch on Linux keeps a pool's workers to about twice the cores, so a few
/// calls blocked through a broker outage (a commit waiting for the coordinator, a full
/// producer queue waiting for room) would hold back every other call behind them — the
/// health check's metadata request among them, which then reports a broker that is down
/// as reachable. Awaited calls are few at a time (each caller waits for its own), so a
/// thread each is cheap; fire-and-forget work (``execute(_:)``) stays on the queue.
package enum BlockingCalls {
    private static let queue = DispatchQueue(label: "driftwatch.kafka.blocking-calls", qos: .userInitiated, attributes: .concurrent)

    /// Runs `body` on the blocking-call queue without waiting for it.
    package static func execute(_ body: @escaping @Sendable () -> Void) { queue.async(execute: body) }

    /// Runs `body` on a thread of its own and resumes the caller with its result.
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            onOwnThread { continuation.resume(with: Result { try body() }) }
        }
    }

    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            onOwnThread { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on a thread of its own without waiting for it (for a caller that waits
    /// in its own way, e.g. with a deadline).
    package static func onOwnThread(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "driftwatch.kafka.blocking-call"
        thread.start()
    }
}
