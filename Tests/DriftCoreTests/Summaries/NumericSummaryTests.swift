import Foundation
import Testing
@testable import DriftCore

@Suite struct NumericSummaryTests {
    static let binning: ReferenceBinning = {
        let reference = (0..<5000).map { Double($0 % 997) / 97 - 3 }.sorted()
        let quantiles = (1..<1000).map { LinearQuantile.quantile(sorted: reference, Double($0) / 1000) }
        return try! ReferenceBinning(quantiles: quantiles, coarseBinCount: 10)
    }()

    static let values: [Double] = (0..<4000).map { index in
        switch index % 50 {
        case 0: .nan
        case 1: .infinity
        case 2: -.infinity
        default: sin(Double(index)) * 4 + Double(index % 7) * 0.01
        }
    }

    static func summarise(_ values: some Sequence<Double>) -> NumericSummary {
        var summary = NumericSummary(binning: binning)
        for value in values { summary.update(value) }
        return summary
    }

    @Test func countsMissingAndNonFiniteApart() {
        var summary = Self.summarise(Self.values)
        summary.update(nil as Double?)
        #expect(summary.missingCount == 81)
        #expect(summary.nonFiniteCount == 160)
        #expect(summary.finiteCount == 4000 - 240)
        #expect(summary.totalCount == 4001)
        #expect(summary.fineCounts.reduce(0, +) == Double(summary.finiteCount))
        let finite = Self.values.filter(\.isFinite)
        #expect(abs(summary.fineSums.reduce(0, +) - finite.reduce(0, +)) < 1e-9)
    }

    @Test func binsMatchSearchsortedLeft() {
        let summary = Self.summarise(Self.values)
        var expected = [Double](repeating: 0, count: Self.binning.fineBinCount)
        for value in Self.values where value.isFinite {
            expected[Self.binning.fineEdges.filter { $0 < value }.count] += 1
        }
        #expect(summary.fineCounts == expected)
    }

    @Test(arguments: [0, 1, 1999, 4000])
    func mergeOfSplitEqualsWhole(split: Int) throws {
        let whole = Self.summarise(Self.values)
        let merged = try Self.summarise(Self.values[..<split]).merged(with: Self.summarise(Self.values[split...]))
        #expect(merged.fineCounts == whole.fineCounts)
        #expect(merged.missingCount == whole.missingCount && merged.nonFiniteCount == whole.nonFiniteCount)
        #expect(merged.moments.count == whole.moments.count)
        #expect(abs(merged.moments.mean - whole.moments.mean) <= 1e-12 * max(1, abs(whole.moments.mean)))
        #expect(abs(merged.moments.sumOfSquaredDeviations - whole.moments.sumOfSquaredDeviations)
            <= 1e-12 * whole.moments.sumOfSquaredDeviations)
        for (a, b) in zip(merged.fineSums, whole.fineSums) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b))) }
    }

    /// A merge from a summary that lists its occupied bins adds only those: the result must
    /// be the full loop's to the bit (counts, sums, saturation), over a window of panes
    /// merged left to right, and the lists must follow the bins (dense past B/4).
    @Test func sparseMergeIsTheFullMergeToTheBit() throws {
        let panes = stride(from: 0, to: 3600, by: 300).map { Self.summarise(Self.values[$0..<$0 + 40]) }
        #expect(panes.allSatisfy { $0.isSparse })
        var sparse = panes[0]
        var full = panes[0]
        var listsChecked = 0
        for pane in panes.dropFirst() {
            try sparse.merge(pane)
            // While the merged summary stays sparse, its list is exactly its occupied bins, each once.
            if case let .sparse(bins) = sparse.occupancy {
                #expect(bins.sorted() == sparse.fineCounts.indices.filter { sparse.count(inFineBin: $0) > 0 }.map(UInt32.init))
                listsChecked += 1
            }
            var dense = pane
            dense.occupancy = .dense
            try full.merge(dense)
        }
        #expect(listsChecked > 0)
        #expect(sparse == full && sparse.fineSums.map(\.bitPattern) == full.fineSums.map(\.bitPattern))
        #expect(!full.isSparse && sparse.isSparse == (sparse.fineCounts.count { $0 > 0 } <= Self.binning.fineBinCount / 4))
        let listed: [UInt32] = if case let .sparse(bins) = panes[1].occupancy { bins.sorted() } else { [] }
        #expect(listed == panes[1].fineCounts.indices.filter { panes[1].count(inFineBin: $0) > 0 }.map(UInt32.init))
        #expect(!Self.summarise(Self.values).isSparse)  // 4,000 values fill more than a quarter of the bins
        // A restored pane lists its bins again; a sparse bin at the cap saturates as in the full loop.
        var restored = try decode(encoded(panes[1]))
        #expect(restored.isSparse && restored == panes[1])
        restored.counts[Int(listed[0])] = .max
        var target = restored
        try target.merge(panes[1])
        var denseTarget = restored
        var densePane = panes[1]
        densePane.occupancy = .dense
        try denseTarget.merge(densePane)
        #expect(target == denseTarget && target.saturatedCount == denseTarget.saturatedCount && target.saturatedCount > 0)
    }

    @Test func binnedMassIsTheSumOfTheFineCounts() {
        let summary = Self.summarise(Self.values)
        #expect(summary.binnedMass == summary.fineCounts.reduce(0, +) && summary.binnedMass == Double(summary.finiteCount))
        #expect(NumericSummary(binning: Self.binning).binnedMass == 0)
    }

    @Test func mergeAcrossBinningsIsAnError() throws {
        let other = try ReferenceBinning(fineEdges: [0], coarseEdgeIndices: [])
        var summary = NumericSummary(binning: Self.binning)
        #expect(throws: SummaryError.incompatibleBinning) { try summary.merge(NumericSummary(binning: other)) }
    }

    @Test func ownsAtMostSixteenKiB() {
        let summary = Self.summarise(Self.values)
        #expect(summary.ownedBytes <= 16 * 1024)
    }

    func encoded(_ summary: NumericSummary) -> [UInt8] {
        VersionedBlob.encode(summary, kind: "numeric-summary", version: 1)
    }

    func decode(_ bytes: [UInt8], binning: ReferenceBinning = Self.binning) throws -> NumericSummary {
        try VersionedBlob.decode(bytes, kind: "numeric-summary", newestVersion: 1) { reader, _ in
            try NumericSummary(from: &reader, binning: binning)
        }
    }

    @Test func binaryRoundTripIsExact() throws {
        let summary = Self.summarise(Self.values)
        #expect(try decode(encoded(summary)) == summary)
        #expect(try decode(encoded(NumericSummary(binning: Self.binning))) == NumericSummary(binning: Self.binning))
    }

    @Test func truncatedCorruptedOrForeignBlobsAreErrors() throws {
        let bytes = encoded(Self.summarise(Self.values.prefix(300)))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: SerializationError.self) { try decode(Array(bytes[..<length])) }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x04
        #expect(throws: SerializationError.self) { try decode(flipped) }
        let otherEdges = try ReferenceBinning(fineEdges: [0, 1], coarseEdgeIndices: [])
        #expect(throws: SerializationError.self) { try decode(bytes, binning: otherEdges) }
    }

    @Test func corruptPayloadWithValidChecksumIsAnError() throws {
        // A payload that passes the CRC but claims a bin beyond the edges.
        var writer = BinaryWriter()
        writer.write(Self.binning.fingerprint)
        writer.writeCount(0)
        writer.writeCount(0)
        writer.write(Moments())
        writer.writeCount(1)
        writer.writeCount(Self.binning.fineBinCount)  // out of range
        writer.write(1.0)
        writer.write(1.0)
        var reader = BinaryReader(writer.bytes)
        #expect(throws: SerializationError.self) { try NumericSummary(from: &reader, binning: Self.binning) }
    }

    @Test func saturatingCountsNeverTrap() throws {
        let edges = try ReferenceBinning(fineEdges: [0], coarseEdgeIndices: [])
        var summary = NumericSummary(binning: edges, counts: [Double(UInt32.max), 0], sums: [0, 0], lowerTail: [], upperTail: [],
                                     moments: Moments(), missingCount: 0, nonFiniteCount: 0)
        summary.update(-1.0)
        #expect(summary.count(inFineBin: 0) == Double(UInt32.max) && summary.saturatedCount == 1)
        try summary.merge(summary)
        #expect(summary.count(inFineBin: 0) == Double(UInt32.max) && summary.saturatedCount == 2 + Int(UInt32.max))
    }

    @Test func outerBinsKeepTheirValuesUpToCapacity() throws {
        let edges = try ReferenceBinning(fineEdges: [0, 1], coarseEdgeIndices: [])
        var low = NumericSummary(binning: edges)
        for index in 0..<NumericSummary.tailValueCapacity { low.update(-Double(index)) }
        low.update(5)
        #expect(low.lowerTailValues?.count == NumericSummary.tailValueCapacity)
        #expect(low.upperTailValues == [5])
        var overflowing = low
        overflowing.update(-0.5)
        #expect(overflowing.lowerTailValues == nil)
        #expect(overflowing.count(inFineBin: 0) == Double(NumericSummary.tailValueCapacity + 1))
        var small = NumericSummary(binning: edges)
        small.update(7)
        #expect(try low.merged(with: small).upperTailValues == [5, 7])
        #expect(try low.merged(with: low).lowerTailValues == nil)  // 2 × capacity values
    }
}
