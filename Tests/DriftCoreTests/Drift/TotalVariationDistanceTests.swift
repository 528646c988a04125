import Testing
@testable import DriftCore

@Suite struct TotalVariationDistanceTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = TotalVariationDistance.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.tvd), "\(value) vs \(testCase.tvd)")
    }

}
