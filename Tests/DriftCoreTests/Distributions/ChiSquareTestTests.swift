import Testing
@testable import DriftCore

@Suite struct ChiSquareTestTests {
    @Test func matchesScipyChi2Contingency() {
        for vector in DistributionVectors.shared.chi2Contingency {
            let result = HypothesisTests.chiSquareHomogeneity(reference: vector.reference, current: vector.current)
            let input = "\(vector.reference) vs \(vector.current)"
            #expect(result.degreesOfFreedom == vector.dof, "\(input)")
            expectClose(result.statistic, vector.statistic, tolerance: 1e-12, input)
            expectClose(result.pValue, vector.pValue, tolerance: 1e-10, input)
        }
    }

    @Test func degenerateTablesGiveNoEvidence() {
        let cases: [([Double], [Double])] = [
            ([], []), ([5], [7]), ([0, 0], [0, 0]), ([3, 4], [0, 0]), ([0, 0], [1, 2]), ([0, 9, 0], [0, 4, 0]),
        ]
        for (reference, current) in cases {
            #expect(HypothesisTests.chiSquareHomogeneity(reference: reference, current: current) == .noEvidence)
        }
    }

    @Test func shorterRowIsPaddedWithZeros() {
        let padded = HypothesisTests.chiSquareHomogeneity(reference: [30, 40], current: [35, 35, 12])
        let explicit = HypothesisTests.chiSquareHomogeneity(reference: [30, 40, 0], current: [35, 35, 12])
        #expect(padded == explicit)
        #expect(padded.degreesOfFreedom == 2)
    }

    @Test func invalidCountsGiveNaN() {
        for bad in [-1.0, .nan, .infinity] {
            let result = HypothesisTests.chiSquareHomogeneity(reference: [1, bad], current: [2, 3])
            #expect(result.statistic.isNaN && result.pValue.isNaN && result.degreesOfFreedom == 0)
        }
    }
}
