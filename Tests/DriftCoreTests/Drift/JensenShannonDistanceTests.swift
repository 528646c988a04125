import Testing
@testable import DriftCore

@Suite struct JensenShannonDistanceTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = JensenShannonDistance.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.js), "\(value) vs \(testCase.js)")
    }

    @Test func disjointSupportsReachSquareRootOfLogTwo() {
        #expect(isClose(JensenShannonDistance.compute(reference: [1, 0], current: [0, 1]), 0.6931471805599453.squareRoot()))
    }
}
