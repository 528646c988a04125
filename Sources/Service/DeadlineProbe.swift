import Dispatch
import Kafka

/// A blocking check (a librdkafka call that waits for the broker) run on a thread of its
/// own with a deadline, as a Kubernetes probe has a timeout: the caller gets the check's
/// answer if it comes in time, and `nil` otherwise — a check that hangs is a failed check,
/// not a stale success.
///
/// At most one check runs at a time: while the previous one is still blocked, `run` starts
/// none and answers `nil` at once, so a call hung for the whole of an outage holds one
/// thread, not one per interval.
package final class DeadlineProbe<Value: Sendable>: Sendable {
    private let running = Protected(false)

    package init() {}

    /// `body`'s result when it returns within `deadline`; `nil` when it does not, or when
    /// the previous call's `body` is still running.
    package func run(within deadline: Duration, _ body: @escaping @Sendable () -> Value) async -> Value? {
        let started = running.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else { return nil }
        // Both answers come from outside the cooperative pool (the check's own thread, a
        // dispatch timer), so a busy pool delays neither one more than the other.
        let waiting = Protected<CheckedContinuation<Value?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            waiting.withLock { $0 = continuation }
            let (seconds, attoseconds) = deadline.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
                waiting.withLock { $0.take() }?.resume(returning: nil)
            }
            BlockingCalls.onOwnThread { [running] in
                let value = body()
                running.withLock { $0 = false }
                waiting.withLock { $0.take() }?.resume(returning: value)
            }
        }
    }
}
