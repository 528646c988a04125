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
/// not one per pane. Lookup goes through an index on an equal-width grid over
/// `[e[0], e[last]]` with about one cell per edge (the bucket grid of interpolation
/// search): a value's cell is `⌊(x − e[0]) · G / (e[last] − e[0])⌋`, clamped, and the
/// grid stores for each cell the number of edges whose own cell is lower. Both roundings
/// are monotone, so every edge of a lower cell is below the value and every edge of a
/// higher cell above it: the bin is that number plus a search among the edges of the
/// value's own cell — usually none or one (cost: one multiply, two table reads, a
/// compare), at worst all of them for edges crowded into one cell, searched in
/// ⌈log2⌉ compares. Identical bins to a search over all the edges; memory 4·(G+1) bytes
/// (4 KiB at B = 1000).
public final class ReferenceBinning: @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`; the edge copy and the
    // grid are written once in `init`, freed in `deinit` and only read in between.

    /// Strictly increasing, finite inner edges of the fine bins.
    public let fineEdges: [Double]
    /// Indices into `fineEdges` of the coarse edges, strictly increasing.
    public let coarseEdgeIndices: [Int]
    /// CRC-32 of the edges' layout: a serialised summary records it so it can only be
    /// decoded against the binning it was built on.
    public let fingerprint: UInt32

    /// The fine edges, for the lookup.
    @usableFromInline let edges: UnsafeMutablePointer<Double>
    /// For each grid cell c (and c = G), the number of edges whose cell is below c.
    @usableFromInline let edgesBelowCell: UnsafeMutablePointer<Int32>
    /// G − 1, the last grid cell.
    @usableFromInline let lastCell: Double
    @usableFromInline let gridOrigin: Double
    /// G / (e[last] − e[0]); 0 (one cell) when that is not a finite positive number.
    @usableFromInline let gridScale: Double

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
        guard fineEdges.count < Int(Int32.max) else { throw SerializationError.invalidValue("too many bin edges") }
        edges = .allocate(capacity: max(1, fineEdges.count))
        edges.initialize(from: fineEdges, count: fineEdges.count)
        let cells = max(1, fineEdges.count)
        let span = (fineEdges.last ?? 0) - (fineEdges.first ?? 0)
        let origin = fineEdges.first ?? 0
        let scale = Double(cells) / span
        let finiteScale = scale.isFinite && scale > 0 ? scale : 0
        let last = Double(cells - 1)
        let below = UnsafeMutablePointer<Int32>.allocate(capacity: cells + 1)
        below.initialize(repeating: 0, count: cells + 1)
        // Count each cell's edges, then accumulate.
        for edge in fineEdges { below[Self.cell(of: edge, origin: origin, scale: finiteScale, lastCell: last) + 1] += 1 }
        for cell in 0..<cells { below[cell + 1] += below[cell] }
        gridOrigin = origin
        gridScale = finiteScale
        lastCell = last
        edgesBelowCell = below
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

    deinit {
        edges.deallocate()
        edgesBelowCell.deallocate()
    }

    /// The grid cell of a finite value: monotone non-decreasing in `value` (a rounded
    /// subtraction and multiplication by a non-negative constant, then a clamp and a floor).
    @inlinable @inline(__always)
    static func cell(of value: Double, origin: Double, scale: Double, lastCell: Double) -> Int {
        let position = (value - origin) * scale
        // `!(position > 0)` also sends the NaN of ∞ · 0 to cell 0 (scale 0 puts everything there).
        return Int(position > 0 ? min(position, lastCell) : 0)
    }

    /// The fine bin of a finite value: the number of edges strictly below it.
    @inlinable @inline(__always)
    public func fineBin(of value: Double) -> Int {
        let cell = Self.cell(of: value, origin: gridOrigin, scale: gridScale, lastCell: lastCell)
        var base = Int(edgesBelowCell[cell])
        var length = Int(edgesBelowCell[cell &+ 1]) &- base
        // The first of the cell's edges that is not below the value.
        while length > 0 {
            let half = length >> 1
            if edges[base &+ half] < value {
                base &+= half &+ 1
                length &-= half &+ 1
            } else {
                length = half
            }
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
