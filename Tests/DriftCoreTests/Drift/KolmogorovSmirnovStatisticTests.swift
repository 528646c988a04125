import Testing
@testable import DriftCore

@Suite struct KolmogorovSmirnovStatisticTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = KolmogorovSmirnovStatistic.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.ks), "\(value) vs \(testCase.ks)")
    }

    @Test func identicalDistributionsGiveZero() {
        #expect(KolmogorovSmirnovStatistic.compute(reference: [0.2, 0.3, 0.5], current: [0.2, 0.3, 0.5]) == 0)
    }
}
