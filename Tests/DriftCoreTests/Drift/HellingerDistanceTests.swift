import Testing
@testable import DriftCore

@Suite struct HellingerDistanceTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = HellingerDistance.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.hellinger), "\(value) vs \(testCase.hellinger)")
    }

    @Test func disjointSupportsReachOne() {
        #expect(isClose(HellingerDistance.compute(reference: [1, 0], current: [0, 1]), 1))
    }
}
