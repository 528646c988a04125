import Testing
@testable import DriftCore

@Suite struct KolmogorovSmirnovTestTests {
    /// Statistics and p-values of scipy.stats.ks_2samp(a, b, method="asymp") on seeded samples
    /// (1 vs many, equal sizes, 10⁵ vs 10³, discrete data with tiny statistics).
    @Test func matchesScipyKs2sampAsymp() {
        for vector in DistributionVectors.shared.ks2samp {
            let p = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(
                statistic: vector.statistic, referenceCount: vector.n1, currentCount: vector.n2)
            let input = "n1 = \(vector.n1), n2 = \(vector.n2), d = \(vector.statistic)"
            if let expected = vector.pValue {
                expectClose(p, expected, tolerance: 1e-10, floor: 1e-300, input)
            } else {
                #expect(p == 1, "\(input): scipy gives NaN, documented as 1")
            }
        }
    }

    @Test func symmetricInTheSampleSizes() {
        let forward = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.031, referenceCount: 5_000, currentCount: 1_200)
        let backward = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.031, referenceCount: 1_200, currentCount: 5_000)
        #expect(forward == backward)
    }

    /// en = m·n/(m+n) is rounded half-to-even, as numpy.round: 3 vs 1 gives en = 0.75 → 1, 2 vs 2 gives 1.
    @Test func effectiveSizeRounding() {
        let twoVersusTwo = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.7, referenceCount: 2, currentCount: 2)
        #expect(twoVersusTwo == Distributions.kolmogorovSmirnovSurvival(0.7, sampleSize: 1))
        // 5 vs 5 → en = 2.5 → 2 (half to even), not 3.
        let fiveVersusFive = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.4, referenceCount: 5, currentCount: 5)
        #expect(fiveVersusFive == Distributions.kolmogorovSmirnovSurvival(0.4, sampleSize: 2))
        #expect(fiveVersusFive != Distributions.kolmogorovSmirnovSurvival(0.4, sampleSize: 3))
    }

    @Test func degenerateInputs() {
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.5, referenceCount: 0, currentCount: 10) == 1)
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0.5, referenceCount: 10, currentCount: -1) == 1)
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 1, referenceCount: 1, currentCount: 1) == 1)
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: .nan, referenceCount: 10, currentCount: 10).isNaN)
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 0, referenceCount: 10, currentCount: 10) == 1)
        #expect(HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 1, referenceCount: 10, currentCount: 10) == 0)
    }
}
