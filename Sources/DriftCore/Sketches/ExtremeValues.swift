/// The `capacity` smallest and `capacity` largest values of a stream, kept exactly.
///
/// Quantile sketches compress the tails, yet tail integrals `E[(X − e)+]` (the
/// Wasserstein distance's outer bins) are dominated by the few most extreme values,
/// especially for heavy-tailed data. Two bounded binary heaps keep those values, so a
/// tail beyond an edge is known exactly whenever it holds at most `capacity` values.
/// Update: O(1) for values inside the kept range, O(log capacity) otherwise; memory
/// 2·capacity doubles.
public struct ExtremeValues: Sendable {
    public let capacity: Int
    /// Min-heap of the largest values (root: the smallest of them).
    private var largest: [Double] = []
    /// Min-heap of the negated smallest values (root: minus the largest of them).
    private var negatedSmallest: [Double] = []
    public private(set) var count = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        count += 1
        Self.offer(value, to: &largest, capacity: capacity)
        Self.offer(-value, to: &negatedSmallest, capacity: capacity)
    }

    /// The values strictly above `edge`, ascending, or nil when some of them were not
    /// kept. Values not kept are at most the smallest kept one, so the answer is
    /// complete when that is `<= edge` (or nothing was dropped).
    public func values(above edge: Double) -> [Double]? {
        guard count <= capacity || (largest.first.map { $0 <= edge } ?? true) else { return nil }
        return largest.filter { $0 > edge }.sorted()
    }

    /// The values at or below `edge`, ascending, or nil when some were not kept (values
    /// not kept are at least the largest kept one, so it must exceed `edge`).
    public func values(atOrBelow edge: Double) -> [Double]? {
        guard count <= capacity || (negatedSmallest.first.map { -$0 > edge } ?? true) else { return nil }
        return negatedSmallest.map { -$0 }.filter { $0 <= edge }.sorted()
    }

    private static func offer(_ value: Double, to heap: inout [Double], capacity: Int) {
        if heap.count < capacity {
            heap.append(value)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child] < heap[parent] else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if value > heap[0] {
            heap[0] = value
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count, heap[left] < heap[smallest] { smallest = left }
                if right < heap.count, heap[right] < heap[smallest] { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }
}
