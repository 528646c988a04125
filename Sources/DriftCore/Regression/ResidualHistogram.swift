import RealModule

/// A regression model's residuals (label − prediction) over a window, summarised so that
/// their distribution can be compared with a reference's (residual drift): the residuals
/// counted in logarithmic buckets of relative width about 2 %, on either side of zero.
///
/// Sources: the bucketing of DDSketch (Masson, Rim & Lee, "DDSketch: a fast and
/// fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019): a residual
/// r ≠ 0 falls in bucket ⌈log_γ |r|⌉ on its sign's side, γ = (1 + α) / (1 − α) with
/// α = ``relativeAccuracy`` (1 %), so every value of a bucket is within α of its centre;
/// 0 has a bucket of its own. The buckets need no reference (a window's residuals are
/// counted before the reference's labels arrive) and cover every scale alike (cents or
/// millions). The statistics against a reference histogram:
/// - ``kolmogorovSmirnov(against:)``: scipy's `ks_2samp` statistic, max |F − F_ref|,
///   taken at the bucket bounds: exact but where values of both samples share a bucket,
///   where it can be low by at most that bucket's mass.
/// - ``populationStabilityIndex(against:bins:)``: ``PopulationStabilityIndex`` (proportions
///   floored at 1e-4) over the reference's deciles as the monitor's drift statistics use
///   them (bins closed on the right, numpy's linear quantiles), each quantile taken as the
///   upper bound of the bucket holding the reference value below it.
///
/// Bounded: at most `maximumBuckets` (2,048: ±8 decades at 1 %) buckets; residuals of
/// further buckets are counted in ``overflowCount`` and left out (admitted in key order
/// on merge, so which get in never depends on hash order). NaN and ±∞ are counted in
/// ``nonFiniteCount``. Memory: about 24 bytes per occupied bucket (at most the residuals
/// recorded). Update: one logarithm and one dictionary update. Merge: O(the other's
/// buckets · log) (sorted), exact (counts add). Statistics: O(B log B) over the B occupied buckets.
public struct ResidualHistogram: Equatable, Sendable {
    /// α: a bucket's values are within this relative distance of its centre.
    public static let relativeAccuracy = 0.01
    public static let defaultMaximumBuckets = 2048
    /// log γ, γ = (1 + α) / (1 − α).
    private static let logGamma = Double.log((1 + relativeAccuracy) / (1 - relativeAccuracy))
    /// Added to ⌈log_γ |r|⌉ (at least −37,400 for the smallest subnormal) so a key's sign is its residual's.
    private static let keyOffset = 40_000.0

    public let maximumBuckets: Int
    /// Residual count per bucket key: 0 for a zero residual, ± (⌈log_γ |r|⌉ + offset) otherwise,
    /// so keys order as their residuals.
    public private(set) var buckets: [Int32: UInt64] = [:]
    /// Residuals in the buckets.
    public private(set) var count: UInt64 = 0
    /// Residuals of buckets beyond `maximumBuckets`, left out.
    public private(set) var overflowCount: UInt64 = 0
    /// NaN or infinite residuals, left out.
    public private(set) var nonFiniteCount: UInt64 = 0

    public init(maximumBuckets: Int = defaultMaximumBuckets) {
        self.maximumBuckets = max(maximumBuckets, 1)
    }

    /// The bucket key of a finite residual.
    public static func key(_ residual: Double) -> Int32 {
        guard residual != 0 else { return 0 }
        let magnitude = (Double.log(residual.magnitude) / logGamma).rounded(.up) + keyOffset
        return Int32(residual < 0 ? -magnitude : magnitude)
    }

    /// The centre of a bucket: within ``relativeAccuracy`` of every residual in it (0 for the zero bucket).
    public static func centre(ofKey key: Int32) -> Double {
        guard key != 0 else { return 0 }
        let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        let upper = Double.exp((Double(abs(key)) - keyOffset) * logGamma)
        let centre = 2 * upper / (gamma + 1)
        return key < 0 ? -centre : centre
    }

    /// Records one residual (label − prediction).
    public mutating func record(_ residual: Double) {
        guard residual.isFinite else {
            nonFiniteCount += 1
            return
        }
        add(1, to: Self.key(residual))
    }

    /// Adds `other`'s residuals (another pane of the same window).
    public mutating func merge(_ other: ResidualHistogram) {
        for key in other.buckets.keys.sorted() { add(other.buckets[key]!, to: key) }
        overflowCount += other.overflowCount
        nonFiniteCount += other.nonFiniteCount
    }

    private mutating func add(_ residuals: UInt64, to key: Int32) {
        if let index = buckets.index(forKey: key) {
            buckets.values[index] += residuals
        } else if buckets.count < maximumBuckets {
            buckets[key] = residuals
        } else {
            overflowCount += residuals
            return
        }
        count += residuals
    }

    /// Buckets in residual order.
    private var sorted: [(key: Int32, count: UInt64)] {
        buckets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: Against a reference

    /// The two-sample Kolmogorov–Smirnov statistic at the bucket bounds; nil when either is empty.
    public func kolmogorovSmirnov(against reference: ResidualHistogram) -> Double? {
        guard count > 0, reference.count > 0 else { return nil }
        var keys = Set(buckets.keys)
        keys.formUnion(reference.buckets.keys)
        var own = 0.0, theirs = 0.0, statistic = 0.0
        for key in keys.sorted() {
            own += Double(buckets[key] ?? 0) / Double(count)
            theirs += Double(reference.buckets[key] ?? 0) / Double(reference.count)
            statistic = max(statistic, abs(own - theirs))
        }
        return statistic
    }

    /// PSI over `bins` equal-mass bins of the reference (its deciles by default), bounded
    /// by the buckets holding the reference's quantiles; nil when either is empty.
    public func populationStabilityIndex(against reference: ResidualHistogram, bins: Int = 10) -> Double? {
        guard count > 0, reference.count > 0, bins >= 1 else { return nil }
        // numpy's linear quantile q lies between the sorted reference values at positions
        // ⌊q(n − 1)⌋ and one above: the bin ends with the bucket of the lower one.
        let referenceBuckets = reference.sorted
        let n = reference.count
        var edges: [Int32] = []
        var cumulative: UInt64 = 0
        var position = referenceBuckets.startIndex
        for bin in 1..<bins {
            let below = UInt64((Double(bin) / Double(bins) * Double(n - 1)).rounded(.down))
            while cumulative + referenceBuckets[position].count <= below {
                cumulative += referenceBuckets[position].count
                position += 1
            }
            if edges.last != referenceBuckets[position].key { edges.append(referenceBuckets[position].key) }
        }
        func proportions(_ histogram: ResidualHistogram) -> [Double] {
            var counts = [UInt64](repeating: 0, count: edges.count + 1)
            for (key, residuals) in histogram.buckets {
                // Bins closed on the right: the first edge at or above the key.
                var low = 0, high = edges.count
                while low < high {
                    let middle = (low + high) / 2
                    if edges[middle] < key { low = middle + 1 } else { high = middle }
                }
                counts[low] += residuals
            }
            return counts.map { Double($0) / Double(histogram.count) }
        }
        return PopulationStabilityIndex.compute(reference: proportions(reference), current: proportions(self))
    }
}

extension ResidualHistogram: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(maximumBuckets)
        writer.writeVarint(overflowCount)
        writer.writeVarint(nonFiniteCount)
        writer.writeCount(buckets.count)
        for (key, residuals) in sorted {
            writer.write(Int64(key))
            writer.writeVarint(residuals)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        self.init(maximumBuckets: try reader.readCount(maximum: 1 << 20))
        overflowCount = try reader.readVarint()
        nonFiniteCount = try reader.readVarint()
        let occupied = try reader.readCount(maximum: maximumBuckets)
        for _ in 0..<occupied {
            let key = try reader.readInt64()
            let residuals = try reader.readVarint()
            guard let narrow = Int32(exactly: key), residuals > 0, buckets.updateValue(residuals, forKey: narrow) == nil else {
                throw SerializationError.invalidValue("invalid residual histogram bucket")
            }
            count += residuals
        }
    }
}
