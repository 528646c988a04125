/// What one window pane holds for a numeric feature: exact counts and moments plus a
/// fine histogram over the shared ``ReferenceBinning``.
///
/// Why a fine histogram over reference-quantile edges rather than a quantile sketch:
/// every drift statistic compares the current window with the reference, so the only
/// resolution that matters is the reference's. With B (default 1000) equal-mass
/// reference bins, the PSI/JS/Hellinger bins (reference deciles) are unions of fine
/// bins and so are exact; the KS statistic evaluated at the fine edges errs by at
/// most one fine bin's reference mass (1/B); and merging panes is exact addition,
/// which no quantile sketch offers. Each bin also keeps the sum of its values, which
/// makes `∫ F` over every bin exact (`∫_bin (F − F(left)) = E[(right − X)·1{X ∈ bin}]`),
/// so the Wasserstein distance is exact except in the few bins where the two CDFs
/// cross, and the open outer bins give exact tail integrals `E[(X − e)+]` even for
/// heavy tails.
///
/// Layout: per bin an interleaved (count, sum) pair of doubles — counts are exact
/// integers up to 2^53, so merged windows can never overflow and no update needs an
/// overflow branch; count and sum share a cache line. At B = 1000 that is 16 016
/// bytes per summary; the edges are shared, not copied. NaN (or `nil`) is counted
/// as missing, ±∞ as non-finite; neither enters the bins or the moments.
/// Update: O(log B) branchless search plus O(1) arithmetic, no allocation. Merge: O(B), exact.
public struct NumericSummary: Sendable {
    public let binning: ReferenceBinning
    /// `[count₀, sum₀, count₁, sum₁, …]` over the fine bins.
    @usableFromInline var bins: [Double]
    @usableFromInline var storedMoments: Moments
    @usableFromInline var storedMissingCount: Int
    @usableFromInline var storedNonFiniteCount: Int
    public var moments: Moments { storedMoments }
    public var missingCount: Int { storedMissingCount }
    public var nonFiniteCount: Int { storedNonFiniteCount }

    public init(binning: ReferenceBinning) {
        self.binning = binning
        bins = Array(repeating: 0, count: 2 * binning.fineBinCount)
        storedMoments = Moments()
        storedMissingCount = 0
        storedNonFiniteCount = 0
    }

    /// A summary with given bin contents (used by the reference profile, whose counts
    /// come from its quantile sketch). `counts` and `sums` have one entry per fine bin.
    init(binning: ReferenceBinning, counts: [Double], sums: [Double], moments: Moments, missingCount: Int, nonFiniteCount: Int) {
        precondition(counts.count == binning.fineBinCount && sums.count == binning.fineBinCount)
        self.binning = binning
        bins = zip(counts, sums).flatMap { [$0, $1] }
        storedMoments = moments
        storedMissingCount = missingCount
        storedNonFiniteCount = nonFiniteCount
    }

    /// Adds one observation; NaN counts as missing, ±∞ as non-finite.
    @inlinable
    public mutating func update(_ value: Double) {
        guard value.isFinite else {
            recordNonFinite(value)
            return
        }
        let bin = binning.fineBin(of: value)
        bins.withUnsafeMutableBufferPointer { pairs in
            pairs[2 &* bin] += 1
            pairs[2 &* bin &+ 1] += value
        }
        storedMoments.update(value)
    }

    /// Adds one observation; `nil` counts as missing.
    @inlinable
    public mutating func update(_ value: Double?) {
        if let value { update(value) } else { storedMissingCount += 1 }
    }

    /// Adds every value of a batch.
    @inlinable
    public mutating func update(contentsOf values: [Double]) {
        for value in values { update(value) }
    }

    @usableFromInline
    mutating func recordNonFinite(_ value: Double) {
        if value.isNaN { storedMissingCount += 1 } else { storedNonFiniteCount += 1 }
    }

    /// Records a missing observation.
    public mutating func recordMissing(count: Int = 1) {
        storedMissingCount += max(0, count)
    }

    /// Adds another summary of the same feature; exact.
    public mutating func merge(_ other: NumericSummary) throws {
        guard binning == other.binning else { throw SummaryError.incompatibleBinning }
        for index in bins.indices { bins[index] += other.bins[index] }
        storedMoments.merge(other.moments)
        storedMissingCount += other.missingCount
        storedNonFiniteCount += other.nonFiniteCount
    }

    public func merged(with other: NumericSummary) throws -> NumericSummary {
        var copy = self
        try copy.merge(other)
        return copy
    }

    /// Finite observations (those in the bins and moments).
    public var finiteCount: Int { moments.count }
    /// Every observation: finite, non-finite and missing.
    public var totalCount: Int { moments.count + nonFiniteCount + missingCount }
    /// Values in fine bin `bin`.
    public func count(inFineBin bin: Int) -> Double { bins[2 * bin] }
    /// Sum of the values in fine bin `bin`.
    public func sum(inFineBin bin: Int) -> Double { bins[2 * bin + 1] }
    /// Per-fine-bin counts.
    public var fineCounts: [Double] { stride(from: 0, to: bins.count, by: 2).map { bins[$0] } }
    /// Per-fine-bin sums.
    public var fineSums: [Double] { stride(from: 1, to: bins.count, by: 2).map { bins[$0] } }

    /// Counts aggregated to the coarse (PSI) bins.
    public var coarseCounts: [Double] {
        var counts: [Double] = []
        var bin = 0
        for upper in binning.coarseBinUpperFineBins {
            var total = 0.0
            while bin <= upper { total += bins[2 * bin]; bin += 1 }
            counts.append(total)
        }
        return counts
    }

    /// Bytes this summary owns (the shared edges excluded).
    public var ownedBytes: Int { MemoryLayout<NumericSummary>.size + bins.capacity * MemoryLayout<Double>.stride }
}

/// Why two summaries cannot be combined.
public enum SummaryError: Error, Equatable, Sendable {
    /// The summaries were built on different reference edges.
    case incompatibleBinning
}

extension NumericSummary: Equatable {
    public static func == (lhs: NumericSummary, rhs: NumericSummary) -> Bool {
        lhs.binning == rhs.binning && lhs.bins == rhs.bins && lhs.moments == rhs.moments
            && lhs.missingCount == rhs.missingCount && lhs.nonFiniteCount == rhs.nonFiniteCount
    }
}

extension NumericSummary: BinaryEncodable {
    /// Layout: binning fingerprint, missing and non-finite counts, moments, then the bins
    /// sparsely: the number of non-empty bins, and for each its index, count and sum
    /// (counts are doubles: a reference profile's counts may be sketch estimates).
    public func encode(to writer: inout BinaryWriter) {
        writer.write(binning.fingerprint)
        writer.writeCount(missingCount)
        writer.writeCount(nonFiniteCount)
        writer.write(moments)
        let occupied = (0..<binning.fineBinCount).filter { bins[2 * $0] > 0 }
        writer.writeCount(occupied.count)
        for bin in occupied {
            writer.writeCount(bin)
            writer.write(bins[2 * bin])
            writer.write(bins[2 * bin + 1])
        }
    }

    /// Decodes a summary written by `encode(to:)` against the binning it was built on.
    public init(from reader: inout BinaryReader, binning: ReferenceBinning) throws {
        guard try reader.readUInt32() == binning.fingerprint else {
            throw SerializationError.invalidValue("summary was built on different bin edges")
        }
        self.init(binning: binning)
        storedMissingCount = try reader.readCount()
        storedNonFiniteCount = try reader.readCount()
        storedMoments = try reader.read(Moments.self)
        let occupied = try reader.readCount(maximum: binning.fineBinCount)
        var previous = -1
        for _ in 0..<occupied {
            let bin = try reader.readCount(maximum: binning.fineBinCount - 1)
            guard bin > previous else { throw SerializationError.invalidValue("bins out of order") }
            previous = bin
            let count = try reader.readDouble()
            let sum = try reader.readDouble()
            guard count > 0, count.isFinite, !sum.isNaN else { throw SerializationError.invalidValue("bad bin contents") }
            bins[2 * bin] = count
            bins[2 * bin + 1] = sum
        }
    }
}
