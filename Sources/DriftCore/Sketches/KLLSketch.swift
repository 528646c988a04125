import RealModule

/// KLL quantile sketch for a stream of doubles.
///
/// After Karnin, Lang & Liberty (2016), "Optimal Quantile Approximation in Streams",
/// in the form of Apache DataSketches' `KllDoublesSketch`: a stack of levels where an
/// item at level h stands for 2^h input values. Level 0 is an unsorted buffer; when a
/// level reaches its capacity it is sorted and *compacted*: one of the two
/// interleaved halves (chosen by a fair coin) moves up a level with double weight,
/// the other is discarded (an odd item out stays behind). Capacities shrink
/// geometrically downwards, `max(m, ⌈k·(2/3)^(H−1−h)⌉)` with m = 8, so the sketch
/// holds about 3k items whatever the stream length.
///
/// Accuracy: while nothing has been compacted (`isExact`, n below level 0's capacity,
/// k while there is one level) every query is exact. Afterwards the normalised rank
/// error of a query is at most ``normalizedRankErrorBound(k:)`` = 2.296 / k^0.9723 with
/// 99 % confidence — DataSketches' empirical bound for `KllDoublesSketch`
/// (`getNormalizedRankError(k, false)`): 1.33 % at k = 200, 0.071 % at k = 4096.
/// Update: amortised O(1) (O(log k) for the occasional sort); memory O(k).
/// The coin is a seeded SplitMix64, so a sketch is reproducible run to run.
public struct KLLSketch: Sendable {
    public static let defaultK = 4096
    /// Smallest level capacity (DataSketches' m).
    static let minimumLevelCapacity = 8

    public let k: Int
    /// Items per level; level 0 unsorted, the others sorted ascending.
    private var levels: [[Double]]
    private var capacities: [Int]
    private var randomState: UInt64
    /// Values seen (the total weight of the retained items).
    public private(set) var count: Int = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity
    /// True until the first compaction: then every query answers exactly.
    public private(set) var isExact = true

    /// - Parameter k: accuracy parameter, at least 8; the error shrinks roughly as 1/k.
    public init(k: Int = KLLSketch.defaultK, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        self.k = max(k, Self.minimumLevelCapacity)
        levels = [[]]
        capacities = []
        randomState = seed
        capacities = Self.capacities(k: self.k, levelCount: 1)
        levels[0].reserveCapacity(capacities[0])
    }

    /// DataSketches' normalised rank error at 99 % confidence for a single query.
    public static func normalizedRankErrorBound(k: Int) -> Double {
        2.296 / Double.pow(Double(k), 0.9723)
    }

    /// Adds a value; NaN and infinities are ignored (callers count them separately).
    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        count += 1
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
        levels[0].append(value)
        if levels[0].count >= capacities[0] { compress() }
    }

    /// Items retained (the sketch's memory is about 8 bytes per item).
    public var retainedCount: Int { levels.reduce(0) { $0 + $1.count } }

    private static func capacities(k: Int, levelCount: Int) -> [Int] {
        (0..<levelCount).map { level in
            let depth = Double(levelCount - 1 - level)
            return Swift.max(minimumLevelCapacity, Int((Double(k) * Double.pow(2.0 / 3.0, depth)).rounded(.up)))
        }
    }

    /// Compacts upwards from level 0 while levels are at capacity.
    private mutating func compress() {
        var level = 0
        while level < levels.count, levels[level].count >= capacities[level] {
            if level + 1 == levels.count {
                levels.append([])
                capacities = Self.capacities(k: k, levelCount: levels.count)
            }
            compact(level)
            level += 1
        }
    }

    private mutating func compact(_ level: Int) {
        var items = levels[level]
        levels[level].removeAll(keepingCapacity: true)
        if level == 0 { items.sort() }
        var start = 0
        if items.count % 2 == 1 {
            levels[level].append(items[0])  // the odd item out stays at this level
            start = 1
        }
        let offset = Int(nextRandomBit())
        let promoted = Swift.stride(from: start + offset, to: items.count, by: 2).map { items[$0] }
        levels[level + 1] = Self.mergeSorted(levels[level + 1], promoted)
        isExact = false
    }

    private static func mergeSorted(_ left: [Double], _ right: [Double]) -> [Double] {
        var merged: [Double] = []
        merged.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count, j < right.count {
            if left[i] <= right[j] { merged.append(left[i]); i += 1 } else { merged.append(right[j]); j += 1 }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return merged
    }

    /// SplitMix64 (Steele, Lea & Flood 2014): one fair bit per compaction.
    private mutating func nextRandomBit() -> UInt64 {
        randomState &+= 0x9E37_79B9_7F4A_7C15
        var z = randomState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) >> 63
    }

    /// The retained items sorted with their weights, for answering many queries.
    public func sortedView() -> KLLSortedView {
        var weighted: [(item: Double, weight: Double)] = []
        weighted.reserveCapacity(retainedCount)
        for (level, items) in levels.enumerated() {
            let weight = Double(1 << level)
            for item in items { weighted.append((item, weight)) }
        }
        weighted.sort { $0.item < $1.item }
        return KLLSortedView(items: weighted.map(\.item), weights: weighted.map(\.weight), isExact: isExact)
    }
}

/// Sorted retained items of a ``KLLSketch`` with their weights and cumulative weights.
public struct KLLSortedView: Sendable {
    public let items: [Double]
    /// Weight of each item: the number of input values it stands for.
    public let weights: [Double]
    /// `cumulativeWeights[i]`: total weight of items[0...i].
    public let cumulativeWeights: [Double]
    public let isExact: Bool

    init(items: [Double], weights: [Double], isExact: Bool) {
        self.items = items
        self.weights = weights
        self.isExact = isExact
        var total = 0.0
        cumulativeWeights = weights.map { weight in
            total += weight
            return total
        }
    }

    /// Total weight: the number of values the sketch has seen.
    public var totalWeight: Double { cumulativeWeights.last ?? 0 }

    /// Number of retained items `<= value`.
    func itemsAtOrBelow(_ value: Double) -> Int {
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Estimated number of values `<= value` (exact while the sketch is exact).
    public func weight(atOrBelow value: Double) -> Double {
        let index = itemsAtOrBelow(value)
        return index == 0 ? 0 : cumulativeWeights[index - 1]
    }

    /// Normalised rank: estimated fraction of values `<= value`.
    public func rank(of value: Double) -> Double {
        totalWeight > 0 ? weight(atOrBelow: value) / totalWeight : 0
    }

    /// The q-quantile, nil when empty. Exact sketches use numpy's default definition
    /// (linear interpolation between order statistics, ``LinearQuantile``); estimating
    /// ones return the smallest item whose cumulative weight reaches q·n.
    public func quantile(_ q: Double) -> Double? {
        guard !items.isEmpty else { return nil }
        if isExact { return LinearQuantile.quantile(sorted: items, q) }
        let target = Swift.min(Swift.max(q, 0), 1) * totalWeight
        var low = 0
        var high = items.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] < target { low = middle + 1 } else { high = middle }
        }
        return items[low]
    }
}
