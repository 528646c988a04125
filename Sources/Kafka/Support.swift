import Foundation

/// A value guarded by a lock. The Kafka layer shares small state (counters, flags)
/// between librdkafka's callback threads and callers; an `NSLock` keeps that sound
/// without requiring the `Synchronization` module's newer platform versions.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// A dedicated OS thread running a loop. librdkafka's poll calls block for their
/// timeout, so they must not run on Swift's cooperative pool (2 threads here).
final class ServiceThread: @unchecked Sendable {
    private let stopRequested = Locked(false)
    private let exited = DispatchSemaphore(value: 0)

    /// Runs `iteration` in a loop until `stop()` is called or it returns `false`.
    /// The closure is released when the loop ends, so what it captures (a client
    /// handle) is not kept alive by the finished thread.
    init(name: String, iteration: @escaping @Sendable () -> Bool) {
        let body = Locked<(@Sendable () -> Bool)?>(iteration)
        let thread = Thread { [stopRequested, exited] in
            if let iteration = body.current {
                while !stopRequested.current, iteration() {}
            }
            body.withLock { $0 = nil }
            exited.signal()
        }
        thread.name = name
        thread.start()
    }

    var isStopRequested: Bool { stopRequested.current }

    /// Asks the loop to end and waits until its current iteration has finished.
    /// Idempotent; must not be called from the thread itself.
    func stop() {
        let first = stopRequested.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { exited.wait() }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (for rates, gauges and JSON).
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Milliseconds for librdkafka's `int timeout_ms` parameters, clamped to `Int32`.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}

extension String {
    /// Text librdkafka wrote into a fixed-size, NUL-terminated `errstr` buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
