import Foundation
import Testing
@testable import DriftCore

@Suite struct KolmogorovSmirnovStatisticTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = KolmogorovSmirnovStatistic.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.ks), "\(value) vs \(testCase.ks)")
    }

    /// The summary overload divides each bin out as it goes: the very same bits as the
    /// statistic of the summary's proportions array.
    @Test func summaryOverloadIsTheArrayStatisticToTheBit() throws {
        let binning = try ReferenceBinning(fineEdges: (1...199).map { Double($0) / 7 }, coarseEdgeIndices: [])
        var current = NumericSummary(binning: binning)
        for index in 0..<3001 { current.update(Double((index * 7919) % 3001) / 97 + sin(Double(index))) }
        let reference = (0..<200).map { Double($0 % 13 + 1) }.proportionsOfTotal()
        let fromArray = KolmogorovSmirnovStatistic.compute(reference: reference, current: current.fineCounts.proportionsOfTotal())
        let fromSummary = KolmogorovSmirnovStatistic.compute(reference: reference, current: current)
        #expect(fromSummary.bitPattern == fromArray.bitPattern && fromArray > 0)
    }

    @Test func identicalDistributionsGiveZero() {
        #expect(KolmogorovSmirnovStatistic.compute(reference: [0.2, 0.3, 0.5], current: [0.2, 0.3, 0.5]) == 0)
    }
}
