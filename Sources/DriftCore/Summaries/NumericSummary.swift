/// What one window pane holds for a numeric feature: exact counts and moments plus a
/// fine histogram over the shared ``ReferenceBinning``.
///
/// Why a fine histogram over reference-quantile edges rather than a quantile sketch:
/// every drift statistic compares the current window with the reference, so the only
/// resolution that matters is the reference's. With B (default 1000) equal-mass
/// reference bins, the PSI/JS/Hellinger bins (reference deciles) are unions of fine
/// bins and so are exact; the KS statistic evaluated at the fine edges errs by at
/// most one fine bin's reference mass (1/B); and merging panes is exact addition,
/// which no quantile sketch offers.
///
/// For the Wasserstein distance each bin also keeps the sum of its values, which makes
/// `∫ F` over every bin exact (`∫_bin (F − F(left)) = E[(right − X)·1{X ∈ bin}]`), and
/// the two open outer bins keep their values themselves, up to ``tailValueCapacity``
/// each: heavy tails are where the two CDFs cross back and forth, which no sum can
/// capture. Beyond the capacity an outer bin keeps only its count and sum (its values
/// are dropped, and the tail integral falls back to `E[(X − e)+]`).
///
/// Memory: counts are `UInt32` (saturating: an increment past 2^32 − 1 is counted in
/// `saturatedCount` instead of wrapping or trapping) and sums `Double`, so at B = 1000
/// a summary owns 12 KiB plus at most 2 KiB of tail values; the edges are shared, not
/// copied. NaN (or `nil`) is counted as missing, ±∞ as non-finite; neither enters
/// the bins or the moments. Update: an O(1) expected bin lookup (``ReferenceBinning``'s
/// grid; O(log B) at worst) plus O(1) arithmetic, no allocation except for the first few
/// outer-bin values and the occupied-bin list. Merge: exact; O(bins the other summary
/// occupies) while it occupies at most B/4 of them (a pane of a sparse stream), else O(B).
///
/// The occupied-bin list (at most B/4 indices, 1 KiB at B = 1000) is what makes a sparse
/// merge exact to the bit: the bins it skips hold count 0 and sum +0.0 in the other
/// summary, and `x + 0.0 == x` for every sum x a summary can hold (a sum of finite values
/// that starts at +0.0 is never −0.0), so the result is the one the full loop gives.
public struct NumericSummary: Sendable {
    /// Values kept per outer bin before it falls back to count and sum.
    public static let tailValueCapacity = 128

    public let binning: ReferenceBinning
    @usableFromInline var counts: [UInt32]
    @usableFromInline var sums: [Double]
    /// Values of the lower outer bin `(−∞, e₀]`, complete while their number equals the bin's count.
    @usableFromInline var lowerTail: [Double]
    /// Values of the upper outer bin `(e_last, ∞)`, complete likewise.
    @usableFromInline var upperTail: [Double]
    @usableFromInline var storedMoments: Moments
    @usableFromInline var storedMissingCount: Int
    @usableFromInline var storedNonFiniteCount: Int
    @usableFromInline var storedSaturatedCount: Int
    /// The bins holding values, while they are few (see the type's documentation).
    @usableFromInline var occupancy: Occupancy

    /// Which bins hold values: listed in the order they were first filled while there are
    /// at most ``sparseLimit`` of them, else not tracked.
    @usableFromInline enum Occupancy: Sendable {
        case sparse([UInt32])
        case dense
    }

    /// Most bins listed before a summary counts as dense: B/4.
    var sparseLimit: Int { counts.count / 4 }

    public var moments: Moments { storedMoments }
    public var missingCount: Int { storedMissingCount }
    public var nonFiniteCount: Int { storedNonFiniteCount }
    /// Increments lost because a bin count was at `UInt32.max` (0 in any realistic window).
    public var saturatedCount: Int { storedSaturatedCount }

    public init(binning: ReferenceBinning) {
        self.binning = binning
        counts = Array(repeating: 0, count: binning.fineBinCount)
        sums = Array(repeating: 0, count: binning.fineBinCount)
        lowerTail = []
        upperTail = []
        storedMoments = Moments()
        storedMissingCount = 0
        storedNonFiniteCount = 0
        storedSaturatedCount = 0
        occupancy = .sparse([])
    }

    /// A summary with given contents (the reference profile's, from its sketch).
    /// Counts beyond `UInt32.max` saturate.
    init(binning: ReferenceBinning, counts: [Double], sums: [Double], lowerTail: [Double], upperTail: [Double],
         moments: Moments, missingCount: Int, nonFiniteCount: Int) {
        precondition(counts.count == binning.fineBinCount && sums.count == binning.fineBinCount)
        self.init(binning: binning)
        self.counts = counts.map { UInt32(min(max($0.rounded(), 0), Double(UInt32.max))) }
        self.sums = sums
        self.lowerTail = lowerTail
        self.upperTail = upperTail
        storedMoments = moments
        storedMissingCount = missingCount
        storedNonFiniteCount = nonFiniteCount
        occupancy = .dense
    }

    /// Adds one observation; NaN counts as missing, ±∞ as non-finite.
    @inlinable
    public mutating func update(_ value: Double) {
        guard value.isFinite else {
            recordNonFinite(value)
            return
        }
        let bin = binning.fineBin(of: value)
        let previous = counts.withUnsafeMutableBufferPointer { counts in
            let previous = counts[bin]
            counts[bin] = previous &+ (previous == .max ? 0 : 1)
            return previous
        }
        sums.withUnsafeMutableBufferPointer { $0[bin] += value }
        if previous == .max { storedSaturatedCount += 1 }
        if previous == 0 { recordOccupied(bin) }
        if bin == 0 || bin == counts.count &- 1 { recordTail(value, bin: bin, previousCount: previous) }
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

    /// Room the occupied list starts with (up to B/4): a pane's list grows in one or two
    /// steps instead of doubling from one (a pane of the sparse history occupies ~100 bins
    /// per feature), for at most 256 bytes more per summary.
    static let occupiedListInitialCapacity = 64

    /// Lists a bin that has just received its first value, while the summary is sparse.
    @usableFromInline
    mutating func recordOccupied(_ bin: Int) {
        guard case var .sparse(bins) = occupancy else { return }
        occupancy = .dense  // the list is uniquely referenced while it grows
        if Self.list(UInt32(truncatingIfNeeded: bin), in: &bins, limit: sparseLimit) { occupancy = .sparse(bins) }
    }

    /// Adds a newly occupied bin to an occupied list: false when the list is full (B/4
    /// bins), and the summary counts as dense from then on.
    private static func list(_ bin: UInt32, in bins: inout [UInt32], limit: Int) -> Bool {
        guard bins.count < limit else { return false }
        if bins.isEmpty { bins.reserveCapacity(Swift.min(limit, occupiedListInitialCapacity)) }
        bins.append(bin)
        return true
    }

    /// Keeps an outer-bin value while the bin's values are complete and under capacity;
    /// the first value past capacity drops them.
    @usableFromInline
    mutating func recordTail(_ value: Double, bin: Int, previousCount: UInt32) {
        if bin == 0 {
            Self.keep(value, in: &lowerTail, previousCount: previousCount)
        } else {
            Self.keep(value, in: &upperTail, previousCount: previousCount)
        }
    }

    private static func keep(_ value: Double, in tail: inout [Double], previousCount: UInt32) {
        guard tail.count == Int(previousCount) else { return }
        if tail.count < tailValueCapacity {
            tail.append(value)
        } else {
            tail = []
        }
    }

    /// Records a missing observation.
    public mutating func recordMissing(count: Int = 1) {
        storedMissingCount += max(0, count)
    }

    /// Adds another summary of the same feature; exact (counts saturate at `UInt32.max`).
    public mutating func merge(_ other: NumericSummary) throws {
        guard binning == other.binning else { throw SummaryError.incompatibleBinning }
        let lowerComplete = isLowerTailComplete && other.isLowerTailComplete
        let upperComplete = isUpperTailComplete && other.isUpperTailComplete
        switch other.occupancy {
        case let .sparse(bins):
            addBins(bins, of: other)
        case .dense:
            storedSaturatedCount += Self.addSaturating(other.counts, to: &counts)
            sums.withUnsafeMutableBufferPointer { sums in
                other.sums.withUnsafeBufferPointer { others in
                    for bin in sums.indices { sums[bin] += others[bin] }
                }
            }
            occupancy = .dense
        }
        Self.mergeTail(&lowerTail, other.lowerTail, complete: lowerComplete)
        Self.mergeTail(&upperTail, other.upperTail, complete: upperComplete)
        storedSaturatedCount += other.saturatedCount
        storedMoments.merge(other.moments)
        storedMissingCount += other.missingCount
        storedNonFiniteCount += other.nonFiniteCount
    }

    /// Adds `other`'s bins `bins` (all it occupies), each as the full merge would: counts
    /// saturating at `UInt32.max` (the increments lost counted), sums added. A sparse
    /// summary lists the bins it newly occupies as ``recordOccupied(_:)`` would, in its own
    /// list taken out of `occupancy` (grown in place, no list of the new bins on the side).
    private mutating func addBins(_ bins: [UInt32], of other: NumericSummary) {
        var lost = 0
        var tracking = false
        var listed: [UInt32] = []
        if case let .sparse(list) = occupancy {
            listed = list
            tracking = true
            occupancy = .dense  // the list is uniquely referenced while it grows
        }
        let limit = sparseLimit
        counts.withUnsafeMutableBufferPointer { counts in
            other.counts.withUnsafeBufferPointer { otherCounts in
                for listedBin in bins {
                    let bin = Int(listedBin)
                    if tracking, counts[bin] == 0, !Self.list(listedBin, in: &listed, limit: limit) {
                        tracking = false
                        listed = []
                    }
                    let (total, overflow) = counts[bin].addingReportingOverflow(otherCounts[bin])
                    counts[bin] = overflow ? .max : total
                    if overflow { lost += Int(total) + 1 }
                }
            }
        }
        sums.withUnsafeMutableBufferPointer { sums in
            other.sums.withUnsafeBufferPointer { otherSums in
                for listed in bins { sums[Int(listed)] += otherSums[Int(listed)] }
            }
        }
        storedSaturatedCount += lost
        if tracking { occupancy = .sparse(listed) }
    }

    /// Adds `other` to `counts` bin by bin, saturating at `UInt32.max`; returns the
    /// increments lost. Without saturation (always, in practice) both passes are
    /// branch-free loops the compiler vectorises: a merge is O(B) at memory speed.
    private static func addSaturating(_ other: [UInt32], to counts: inout [UInt32]) -> Int {
        counts.withUnsafeMutableBufferPointer { counts in
            other.withUnsafeBufferPointer { other in
                var saturating: UInt32 = 0
                for bin in counts.indices { saturating |= counts[bin] > UInt32.max &- other[bin] ? 1 : 0 }
                guard saturating != 0 else {
                    for bin in counts.indices { counts[bin] &+= other[bin] }
                    return 0
                }
                var lost = 0
                for bin in counts.indices {
                    let (total, overflow) = counts[bin].addingReportingOverflow(other[bin])
                    counts[bin] = overflow ? .max : total
                    if overflow { lost += Int(total) + 1 }
                }
                return lost
            }
        }
    }

    private static func mergeTail(_ tail: inout [Double], _ other: [Double], complete: Bool) {
        if complete, tail.count + other.count <= tailValueCapacity {
            tail += other
        } else {
            tail = []
        }
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
    public func count(inFineBin bin: Int) -> Double { Double(counts[bin]) }
    /// Sum of the values in fine bin `bin`.
    public func sum(inFineBin bin: Int) -> Double { sums[bin] }
    /// Per-fine-bin counts.
    public var fineCounts: [Double] { counts.map(Double.init) }
    /// The bin counts' total, without the `fineCounts` array: the same number as
    /// `fineCounts.reduce(0, +)` (a sum of integers below 2^53 is exact in any order).
    public var binnedMass: Double { Double(counts.reduce(UInt64(0)) { $0 &+ UInt64($1) }) }
    /// Per-fine-bin sums.
    public var fineSums: [Double] { sums }
    /// The lower outer bin's values when all of them are kept, else nil.
    public var lowerTailValues: [Double]? { isLowerTailComplete ? lowerTail : nil }
    /// The upper outer bin's values when all of them are kept, else nil.
    public var upperTailValues: [Double]? { isUpperTailComplete ? upperTail : nil }
    var isLowerTailComplete: Bool { lowerTail.count == Int(counts[0]) }
    var isUpperTailComplete: Bool { upperTail.count == Int(counts[counts.count - 1]) }

    /// Capacity of the occupied-bin list (0 once dense).
    private var occupiedListCapacity: Int {
        if case let .sparse(bins) = occupancy { bins.capacity } else { 0 }
    }

    /// Whether the summary lists its occupied bins (merges from it cost O(those bins)).
    var isSparse: Bool {
        if case .sparse = occupancy { true } else { false }
    }

    /// Counts aggregated to the coarse (PSI) bins.
    public var coarseCounts: [Double] {
        var coarse: [Double] = []
        var bin = 0
        for upper in binning.coarseBinUpperFineBins {
            var total = 0.0
            while bin <= upper { total += Double(counts[bin]); bin += 1 }
            coarse.append(total)
        }
        return coarse
    }

    /// Bytes this summary owns (the shared edges excluded).
    public var ownedBytes: Int {
        MemoryLayout<NumericSummary>.size + counts.capacity * MemoryLayout<UInt32>.stride + occupiedListCapacity * MemoryLayout<UInt32>.stride
            + (sums.capacity + lowerTail.capacity + upperTail.capacity) * MemoryLayout<Double>.stride
    }
}

/// Why two summaries cannot be combined.
public enum SummaryError: Error, Equatable, Sendable {
    /// The summaries were built on different reference edges.
    case incompatibleBinning
}

extension NumericSummary: Equatable {
    public static func == (lhs: NumericSummary, rhs: NumericSummary) -> Bool {
        lhs.binning == rhs.binning && lhs.counts == rhs.counts && lhs.sums == rhs.sums
            && lhs.lowerTail == rhs.lowerTail && lhs.upperTail == rhs.upperTail && lhs.moments == rhs.moments
            && lhs.missingCount == rhs.missingCount && lhs.nonFiniteCount == rhs.nonFiniteCount
            && lhs.saturatedCount == rhs.saturatedCount
    }
}

extension NumericSummary: BinaryEncodable {
    /// Layout: binning fingerprint, missing, non-finite and saturated counts, moments,
    /// the bins sparsely (number of non-empty bins, then per bin its index, count and
    /// sum), then the kept lower and upper outer-bin values.
    public func encode(to writer: inout BinaryWriter) {
        writer.write(binning.fingerprint)
        writer.writeCount(missingCount)
        writer.writeCount(nonFiniteCount)
        writer.writeCount(saturatedCount)
        writer.write(moments)
        let occupied = counts.indices.filter { counts[$0] > 0 }
        writer.writeCount(occupied.count)
        for bin in occupied {
            writer.writeCount(bin)
            writer.writeVarint(UInt64(counts[bin]))
            writer.write(sums[bin])
        }
        writer.write(lowerTail)
        writer.write(upperTail)
    }

    /// Decodes a summary written by `encode(to:)` against the binning it was built on.
    public init(from reader: inout BinaryReader, binning: ReferenceBinning) throws {
        guard try reader.readUInt32() == binning.fingerprint else {
            throw SerializationError.invalidValue("summary was built on different bin edges")
        }
        self.init(binning: binning)
        storedMissingCount = try reader.readCount()
        storedNonFiniteCount = try reader.readCount()
        storedSaturatedCount = try reader.readCount()
        storedMoments = try reader.read(Moments.self)
        let occupied = try reader.readCount(maximum: binning.fineBinCount)
        if occupied > sparseLimit { occupancy = .dense }
        var previous = -1
        for _ in 0..<occupied {
            let bin = try reader.readCount(maximum: binning.fineBinCount - 1)
            guard bin > previous else { throw SerializationError.invalidValue("bins out of order") }
            previous = bin
            let count = try reader.readVarint()
            let sum = try reader.readDouble()
            guard count > 0, count <= UInt64(UInt32.max), !sum.isNaN else {
                throw SerializationError.invalidValue("bad bin contents")
            }
            counts[bin] = UInt32(count)
            sums[bin] = sum
            recordOccupied(bin)
        }
        lowerTail = try reader.readDoubles()
        upperTail = try reader.readDoubles()
        try validateTails()
    }

    /// Kept outer-bin values must lie in their bin and be no more than its count.
    func validateTails() throws {
        let edges = binning.fineEdges
        guard lowerTail.count <= Int(counts[0]), upperTail.count <= Int(counts[counts.count - 1]) else {
            throw SerializationError.invalidValue("more tail values than the outer bins hold")
        }
        if let first = edges.first, let last = edges.last {
            guard lowerTail.allSatisfy({ $0 <= first }), upperTail.allSatisfy({ $0 > last && $0.isFinite }) else {
                throw SerializationError.invalidValue("tail values outside their bins")
            }
        }
        guard lowerTail.allSatisfy(\.isFinite) else { throw SerializationError.invalidValue("non-finite tail value") }
    }
}
