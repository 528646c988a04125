import Testing
@testable import DriftCore

@Suite struct TwoProportionZTestTests {
    @Test func matchesPooledZTest() {
        for vector in DistributionVectors.shared.zTest {
            let p = HypothesisTests.twoProportionZTest(successes1: vector.x1, trials1: vector.n1, successes2: vector.x2, trials2: vector.n2)
            expectClose(p, vector.pValue, tolerance: 1e-10, "\(vector.x1)/\(vector.n1) vs \(vector.x2)/\(vector.n2)")
        }
    }

    @Test func symmetricInTheTwoSamples() {
        let forward = HypothesisTests.twoProportionZTest(successes1: 13, trials1: 40, successes2: 30, trials2: 61)
        let backward = HypothesisTests.twoProportionZTest(successes1: 30, trials1: 61, successes2: 13, trials2: 40)
        #expect(forward == backward)
        #expect(forward < 0.2)
    }

    @Test func undefinedTestsGiveOne() {
        #expect(HypothesisTests.twoProportionZTest(successes1: 0, trials1: 0, successes2: 3, trials2: 10) == 1)
        #expect(HypothesisTests.twoProportionZTest(successes1: 3, trials1: 10, successes2: 0, trials2: -5) == 1)
        #expect(HypothesisTests.twoProportionZTest(successes1: 0, trials1: 10, successes2: 0, trials2: 20) == 1)
        #expect(HypothesisTests.twoProportionZTest(successes1: 10, trials1: 10, successes2: 20, trials2: 20) == 1)
    }

    @Test func impossibleCountsGiveNaN() {
        #expect(HypothesisTests.twoProportionZTest(successes1: 11, trials1: 10, successes2: 3, trials2: 10).isNaN)
        #expect(HypothesisTests.twoProportionZTest(successes1: -1, trials1: 10, successes2: 3, trials2: 10).isNaN)
    }
}
