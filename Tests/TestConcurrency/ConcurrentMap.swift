import Foundation

/// `transform(0) … transform(count - 1)`, run on as many threads as the machine has cores,
/// returned in index order.
///
/// The suite runs one test at a time (`swift test --no-parallel`: the Kafka tests' rebalances
/// must answer within seconds), so a test whose CPU-bound parts are independent replays may
/// spread them over CI's two cores itself. Keep `#expect` on the test's own thread: issues
/// recorded from `transform` would not be attributed to the test.
package func concurrentMap<T: Sendable>(count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
    let results = IndexedResults<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { results.set(transform($0), at: $0) }
    return results.values
}

/// Slots written once each, from any thread.
private final class IndexedResults<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ value: T, at index: Int) { lock.withLock { slots[index] = value } }

    var values: [T] { lock.withLock { slots.map { $0! } } }
}

/// Runs `background` on another thread while `foreground` runs on this one, and returns
/// both results once both have finished (also when `foreground` throws). `#expect` belongs
/// in `foreground`, as in ``concurrentMap(count:_:)``.
package func whileRunning<Background: Sendable, Foreground>(
    inBackground background: @escaping @Sendable () -> Background, _ foreground: () throws -> Foreground
) rethrows -> (background: Background, foreground: Foreground) {
    let result = IndexedResults<Background>(count: 1)
    let finished = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        result.set(background(), at: 0)
        finished.signal()
    }
    let foregroundResult: Foreground
    do {
        foregroundResult = try foreground()
    } catch {
        finished.wait()
        throw error
    }
    finished.wait()
    return (result.values[0], foregroundResult)
}
