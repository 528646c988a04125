import Foundation
import Testing
@testable import DriftCore

@Suite struct ReferenceBinningTests {
    /// numpy.searchsorted(edges, x, side="left").
    static func linearBin(_ edges: [Double], _ value: Double) -> Int { edges.filter { $0 < value }.count }

    @Test(arguments: [0, 1, 2, 3, 7, 8, 999, 1000])
    func binarySearchMatchesLinearScan(edgeCount: Int) throws {
        let edges = (0..<edgeCount).map { Double($0) * 0.5 - 3 }
        let binning = try ReferenceBinning(fineEdges: edges, coarseEdgeIndices: [])
        var probes = edges + edges.map { $0.nextUp } + edges.map { $0.nextDown }
        probes += [-1e300, 1e300, 0, -3.25, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for probe in probes {
            #expect(binning.fineBin(of: probe) == Self.linearBin(edges, probe), "value \(probe)")
        }
    }

    /// The grid's cells are equal-width: edges crowded into a few cells (a heavy tail,
    /// neighbours one ulp apart), spanning the whole double range, or a single edge must
    /// give the same bins as a search over all the edges.
    static let crowdedEdges: [[Double]] = {
        let logSpaced: [Double] = (0..<1000).map { exp(Double($0) / 40) }  // most edges in the first cells
        let ulpApart: [Double] = (0..<300).map { 1 + Double($0) * Double.ulpOfOne }
        let overflowing: [Double] = [-.greatestFiniteMagnitude, -1, 0, 1, .greatestFiniteMagnitude]  // the span overflows
        return [logSpaced, ulpApart + [1e6], overflowing, [5]]
    }()

    @Test(arguments: crowdedEdges)
    func gridLookupMatchesLinearScan(edges: [Double]) throws {
        let binning = try ReferenceBinning(fineEdges: edges, coarseEdgeIndices: [])
        var probes = edges + edges.map(\.nextUp) + edges.map(\.nextDown) + [-1e308, 1e308, 0, -0.0]
        probes += zip(edges, edges.dropFirst()).map { $0 / 2 + $1 / 2 }  // inside each bin
        let low = edges.first!, high = edges.last!
        if (high - low).isFinite {  // evenly over the range and a little beyond
            probes += (0...4000).map { low - 1 + (high - low + 2) * Double($0) / 4000 }
        }
        for probe in probes where probe.isFinite {
            #expect(binning.fineBin(of: probe) == Self.linearBin(edges, probe), "value \(probe)")
        }
    }

    @Test func equalQuantilesMergeAndCoarseEdgesAreFineEdges() throws {
        // B = 10 fine bins, b = 5 coarse bins: coarse edges are the quantiles at j = 2, 4, 6, 8.
        let quantiles: [Double] = [1, 1, 1, 2, 3, 3, 4, 5, 6]
        let binning = try ReferenceBinning(quantiles: quantiles, coarseBinCount: 5)
        #expect(binning.fineEdges == [1, 2, 3, 4, 5, 6])
        #expect(binning.coarseEdgeIndices.map { binning.fineEdges[$0] } == [1, 2, 3, 5])
        #expect(binning.coarseBinUpperFineBins == [0, 1, 2, 4, 6])
    }

    @Test func constantQuantilesGiveOneEdge() throws {
        let binning = try ReferenceBinning(quantiles: Array(repeating: 7, count: 999), coarseBinCount: 10)
        #expect(binning.fineEdges == [7] && binning.coarseEdgeIndices == [0])
        #expect(binning.fineBin(of: 7) == 0 && binning.fineBin(of: 7.0.nextUp) == 1)
    }

    /// Exact values: each value its own bin (v⁻, v], each gap its own bin, the coarse
    /// quantiles added as edges (one inside a gap), so values between are told apart.
    @Test func distinctValuesGetBinsOfTheirOwnAndGapsBetween() throws {
        let binning = try ReferenceBinning(distinctValues: [1, 2, 4], coarseQuantiles: [1, 3, 3, 4])
        #expect(binning.fineEdges == [Double(1).nextDown, 1, Double(2).nextDown, 2, 3, Double(4).nextDown, 4])
        #expect(binning.coarseEdgeIndices == [1, 4, 6])
        let bins = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 9].map(binning.fineBin)
        #expect(bins == [0, 1, 2, 3, 4, 4, 5, 6, 7])
        let extreme = try ReferenceBinning(distinctValues: [-.greatestFiniteMagnitude], coarseQuantiles: [])
        #expect(extreme.fineEdges == [-.greatestFiniteMagnitude])
    }

    /// The edge budget left after the values' own edges cuts each gap into equal widths.
    @Test func gapsAreCutIntoEqualWidths() throws {
        let binning = try ReferenceBinning(distinctValues: [0, 4, 8], coarseQuantiles: [4], gapEdgeBudget: 12)
        // (12 − 6) / 2 = 3 edges per gap, at quarters.
        #expect(binning.fineEdges == [Double(0).nextDown, 0, 1, 2, 3, Double(4).nextDown, 4, 5, 6, 7, Double(8).nextDown, 8])
        #expect(binning.coarseEdgeIndices == [6])
        let many = try ReferenceBinning(distinctValues: (0..<600).map(Double.init), coarseQuantiles: [], gapEdgeBudget: 1000)
        #expect(many.fineEdges.count == 1200)
    }

    @Test func invalidEdgesAreErrors() {
        #expect(throws: SerializationError.self) { try ReferenceBinning(fineEdges: [1, 1], coarseEdgeIndices: []) }
        #expect(throws: SerializationError.self) { try ReferenceBinning(fineEdges: [1, .nan], coarseEdgeIndices: []) }
        #expect(throws: SerializationError.self) { try ReferenceBinning(fineEdges: [1, 2], coarseEdgeIndices: [2]) }
        #expect(throws: SerializationError.self) { try ReferenceBinning(quantiles: [1, 2], coarseBinCount: 2) }
    }
}
