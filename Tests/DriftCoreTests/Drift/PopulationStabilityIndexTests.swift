import Testing
@testable import DriftCore

@Suite struct PopulationStabilityIndexTests {
    @Test(arguments: BinnedVectorCase.all.indices)
    func matchesReference(_ index: Int) {
        let testCase = BinnedVectorCase.all[index]
        let value = PopulationStabilityIndex.compute(reference: testCase.reference, current: testCase.current)
        #expect(isClose(value, testCase.psi), "\(value) vs \(testCase.psi)")
    }

    @Test func emptyBinsAreFlooredNotInfinite() {
        // r = (1, 0), c = (0, 1) floored at 1e-4: 2·(1 − 1e-4)·ln(1e4).
        let value = PopulationStabilityIndex.compute(reference: [1, 0], current: [0, 1])
        #expect(isClose(value, 2 * (1 - 1e-4) * 9.210340371976184))
    }
}
