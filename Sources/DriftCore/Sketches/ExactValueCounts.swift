/// Exact counts of a numeric stream's distinct values, while there are few of them.
///
/// Discrete features (integer codes, counts, ratings, flags, rounded amounts) are where
/// a quantile sketch fails worst: once a ``KLLSketch`` compacts, a value holding 10 % of
/// the data is no longer a 10 % step of the CDF but a few weighted items, and a
/// current window that moves mass *between* two reference values is invisible (the
/// Kolmogorov–Smirnov statistic of integers 0–9 with one value's mass moved to x.5 fell
/// from 0.100 to 0.0002 at 5,000 reference rows). Kept beside the sketch, this map gives
/// the reference profile the exact distribution — every distinct value and its count —
/// whatever the number of rows, as long as there are at most `capacity` distinct values.
///
/// Overflow: the first value beyond `capacity` distinct ones drops the map for good
/// (`isOverflowed`, memory freed) and the profile falls back to the sketch. Memory:
/// at most `capacity` entries (~32 bytes each in a Swift dictionary: 32 KiB at the
/// default 1,000). Update: one hash lookup, O(1) expected. `-0.0` and `0.0` are one value.
public struct ExactValueCounts: Sendable, Equatable {
    /// Distinct values counted by default before falling back to the sketch.
    public static let defaultCapacity = 1000

    public let capacity: Int
    private var counts: [Double: Int] = [:]
    /// True once more than `capacity` distinct values arrived: the counts are gone.
    public private(set) var isOverflowed = false

    public init(capacity: Int = ExactValueCounts.defaultCapacity) {
        self.capacity = max(0, capacity)
    }

    /// Counts a finite value (others are ignored: callers count them apart).
    public mutating func update(_ value: Double) {
        guard !isOverflowed, value.isFinite else { return }
        if let index = counts.index(forKey: value) {
            counts.values[index] += 1
        } else if counts.count < capacity {
            counts[value] = 1
        } else {
            counts = [:]
            isOverflowed = true
        }
    }

    /// The distinct values ascending with their counts; nil once overflowed.
    public var sortedCounts: SortedValueCounts? {
        guard !isOverflowed else { return nil }
        let pairs = counts.sorted { $0.key < $1.key }
        return SortedValueCounts(values: pairs.map(\.key), counts: pairs.map(\.value))
    }
}

/// Distinct values in ascending order with their counts, answering numpy quantiles exactly.
public struct SortedValueCounts: Sendable, Equatable {
    public let values: [Double]
    public let counts: [Int]
    /// `cumulativeCounts[i]`: number of values ≤ values[i].
    public let cumulativeCounts: [Int]

    public init(values: [Double], counts: [Int]) {
        precondition(values.count == counts.count)
        self.values = values
        self.counts = counts
        var total = 0
        cumulativeCounts = counts.map { count in
            total += count
            return total
        }
    }

    /// Number of values counted (with multiplicity).
    public var totalCount: Int { cumulativeCounts.last ?? 0 }

    /// The i-th smallest value counted (from 0): O(log distinct values).
    public func orderStatistic(_ index: Int) -> Double {
        var low = 0
        var high = cumulativeCounts.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeCounts[middle] > index { high = middle } else { low = middle + 1 }
        }
        return values[low]
    }

    /// `numpy.quantile` of the counted values (``LinearQuantile``), bit for bit; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        totalCount > 0 ? LinearQuantile.quantile(count: totalCount, q, orderStatistic: orderStatistic) : nil
    }
}
