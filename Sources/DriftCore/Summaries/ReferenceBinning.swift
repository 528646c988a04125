/// The bin edges every numeric summary of one feature shares, fixed by the reference profile.
///
/// Fine inner edges are the reference quantiles at j/B, j = 1…B−1, with equal edges
/// merged (or, for a reference whose distinct values are all counted, the values
/// themselves and the points just below them: ``init(distinctValues:coarseQuantiles:)``); bins are right-closed, `(e[i-1], e[i]]`, with open outer bins `(−∞, e[0]]`
/// and `(e[last], +∞)`, so a value's bin is the number of edges strictly below it
/// (`numpy.searchsorted(edges, x, side="left")`). The coarse (PSI) edges are the
/// quantiles at i/b; because B is a multiple of b they are fine edges too, recorded
/// here by index, so coarse-bin statistics are exact sums of fine bins.
///
/// Immutable and shared by reference: a window of panes holds one copy of the edges,
/// not one per pane. Lookup is a branchless binary search (Khuong & Morin 2017,
/// "Array layouts for comparison-based searching") over the edges padded with +∞ to a
/// power of two: ⌈log2(B+1)⌉ compares (10 for B = 1000) and no data-dependent branch.
public final class ReferenceBinning: @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`; the padded copy is
    // written once in `init`, freed in `deinit` and only read in between.

    /// Strictly increasing, finite inner edges of the fine bins.
    public let fineEdges: [Double]
    /// Indices into `fineEdges` of the coarse edges, strictly increasing.
    public let coarseEdgeIndices: [Int]
    /// CRC-32 of the edges' layout: a serialised summary records it so it can only be
    /// decoded against the binning it was built on.
    public let fingerprint: UInt32

    @usableFromInline let paddedEdges: UnsafeMutablePointer<Double>
    @usableFromInline let paddedCount: Int

    /// Number of fine bins: one more than the edges.
    public var fineBinCount: Int { fineEdges.count + 1 }
    /// Number of coarse bins: one more than the coarse edges.
    public var coarseBinCount: Int { coarseEdgeIndices.count + 1 }

    /// Validates and adopts explicit edges.
    public init(fineEdges: [Double], coarseEdgeIndices: [Int]) throws {
        guard fineEdges.allSatisfy(\.isFinite), zip(fineEdges, fineEdges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SerializationError.invalidValue("bin edges must be finite and strictly increasing")
        }
        guard coarseEdgeIndices.allSatisfy({ fineEdges.indices.contains($0) }),
              zip(coarseEdgeIndices, coarseEdgeIndices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SerializationError.invalidValue("coarse edge indices must be increasing fine-edge indices")
        }
        self.fineEdges = fineEdges
        self.coarseEdgeIndices = coarseEdgeIndices
        var padded = 1
        while padded < fineEdges.count + 1 { padded <<= 1 }
        paddedCount = padded
        paddedEdges = .allocate(capacity: padded)
        paddedEdges.initialize(repeating: .infinity, count: padded)
        for (index, edge) in fineEdges.enumerated() { paddedEdges[index] = edge }
        var layout = BinaryWriter(reservingCapacity: fineEdges.count * 8 + coarseEdgeIndices.count * 2 + 8)
        layout.write(fineEdges)
        for index in coarseEdgeIndices { layout.writeCount(index) }
        fingerprint = CRC32.checksum(layout.bytes)
    }

    /// Builds the binning from the quantiles at j/B (j = 1…B−1, non-decreasing), merging
    /// equal edges; the coarse edges are those at j = i·B/b.
    public convenience init(quantiles: [Double], coarseBinCount: Int) throws {
        let fineBinCount = quantiles.count + 1
        guard coarseBinCount >= 1, fineBinCount % coarseBinCount == 0 else {
            throw SerializationError.invalidValue("fine bins (\(fineBinCount)) must be a multiple of coarse bins (\(coarseBinCount))")
        }
        var edges: [Double] = []
        edges.reserveCapacity(quantiles.count)
        var coarseIndices: [Int] = []
        let stride = fineBinCount / coarseBinCount
        for (offset, quantile) in quantiles.enumerated() {
            if edges.last.map({ $0 < quantile }) ?? true { edges.append(quantile) }
            let isCoarse = (offset + 1) % stride == 0
            if isCoarse, coarseIndices.last != edges.count - 1 { coarseIndices.append(edges.count - 1) }
        }
        try self.init(fineEdges: edges, coarseEdgeIndices: coarseIndices)
    }

    /// The binning of a reference whose distinct values are all known (``ExactValueCounts``).
    ///
    /// Each value v gets a bin of its own, `(v⁻, v]` with v⁻ = `v.nextDown`, so ties keep
    /// their exact mass; the gap between two neighbouring values, `(vᵢ, vᵢ₊₁⁻]`, holds no
    /// reference value and is binned apart, so a current value that falls *between* two
    /// reference values is told apart from both (the outer bins hold only values outside
    /// the reference range). Each gap is cut into equal-width sub-bins with the edges left
    /// of `gapEdgeBudget` after the values' own (`(budget − 2d) / (d − 1)` per gap, none
    /// from 500 values of a budget of 1,000 up): the current's values spread inside a gap
    /// are then located finely enough for the Wasserstein distance. The coarse (PSI) edges
    /// are `coarseQuantiles` — numpy's quantiles of the data, which may lie inside a gap —
    /// added as fine edges, equal ones merged. For d values: at most
    /// max(2d, gapEdgeBudget) + b − 1 edges.
    /// - Parameters:
    ///   - distinctValues: finite, strictly increasing.
    ///   - coarseQuantiles: non-decreasing, each within the values' range.
    ///   - gapEdgeBudget: total fine edges wanted (the configured fine bins).
    public convenience init(distinctValues: [Double], coarseQuantiles: [Double], gapEdgeBudget: Int = 0) throws {
        let perGap = distinctValues.count > 1 ? max(0, gapEdgeBudget - 2 * distinctValues.count) / (distinctValues.count - 1) : 0
        var edges = distinctValues.flatMap { [$0.nextDown, $0] }.filter(\.isFinite) + coarseQuantiles
        if perGap > 0 {
            for (low, high) in zip(distinctValues, distinctValues.dropFirst()) {
                let width = high - low
                guard width.isFinite else { continue }
                for step in 1...perGap { edges.append(low + width * (Double(step) / Double(perGap + 1))) }
            }
        }
        edges.sort()
        var unique: [Double] = []
        unique.reserveCapacity(edges.count)
        for edge in edges where unique.last.map({ $0 < edge }) ?? true { unique.append(edge) }
        var coarseIndices: [Int] = []
        for quantile in coarseQuantiles {
            guard let index = unique.firstIndex(of: quantile) else { continue }
            if coarseIndices.last.map({ $0 < index }) ?? true { coarseIndices.append(index) }
        }
        try self.init(fineEdges: unique, coarseEdgeIndices: coarseIndices)
    }

    deinit { paddedEdges.deallocate() }

    /// The fine bin of a finite value: the number of edges strictly below it.
    @inlinable @inline(__always)
    public func fineBin(of value: Double) -> Int {
        var base = 0
        var length = paddedCount
        while length > 1 {
            let half = length >> 1
            // 1 when edge < value: the sign bit of edge − value (never −0 for distinct
            // finite operands, +∞ − value > 0). Integer arithmetic instead of a ternary,
            // which LLVM turns into a mispredicted branch inside update loops.
            let below = Int(truncatingIfNeeded: (paddedEdges[base &+ half &- 1] - value).bitPattern >> 63)
            base &+= half & -below
            length &-= half
        }
        return base
    }

    /// The fine bins (inclusive upper bound) that close each coarse bin.
    public var coarseBinUpperFineBins: [Int] { coarseEdgeIndices + [fineEdges.count] }
}

extension ReferenceBinning: Equatable {
    public static func == (lhs: ReferenceBinning, rhs: ReferenceBinning) -> Bool {
        lhs === rhs || (lhs.fineEdges == rhs.fineEdges && lhs.coarseEdgeIndices == rhs.coarseEdgeIndices)
    }
}

extension ReferenceBinning: BinaryEncodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(fineEdges)
        writer.writeCount(coarseEdgeIndices.count)
        for index in coarseEdgeIndices { writer.writeCount(index) }
    }

    public static func decode(from reader: inout BinaryReader) throws -> ReferenceBinning {
        let edges = try reader.readDoubles()
        let coarseCount = try reader.readCount(maximum: reader.remaining)
        var indices: [Int] = []
        indices.reserveCapacity(coarseCount)
        for _ in 0..<coarseCount { indices.append(try reader.readCount()) }
        return try ReferenceBinning(fineEdges: edges, coarseEdgeIndices: indices)
    }
}
