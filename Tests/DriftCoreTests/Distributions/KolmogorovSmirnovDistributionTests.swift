import Testing
@testable import DriftCore

@Suite struct KolmogorovSmirnovDistributionTests {
    /// Below 1e-300 (down to scipy's subnormal results) values are compared absolutely: neither side
    /// carries full precision there.
    @Test func matchesScipyKstwoAcrossAllRegimes() {
        var worst = 0.0
        var worstInput = ""
        for row in DistributionVectors.shared.kstwo {
            let (n, d, sf) = (Int(row[0]), row[1], row[2])
            let actual = Distributions.kolmogorovSmirnovSurvival(d, sampleSize: n)
            let error = relativeError(actual, sf, floor: 1e-300)
            if error > worst { (worst, worstInput) = (error, "n = \(n), d = \(d)") }
            expectClose(actual, sf, tolerance: 1e-10, floor: 1e-300, "kstwo.sf(\(d), \(n))")
        }
        print("kstwo survival: worst relative error vs scipy \(worst) at \(worstInput)")
    }

    @Test func limitsAndInvalidInput() {
        for n in [1, 2, 141, 1_000_000, 10_000_000] {
            #expect(Distributions.kolmogorovSmirnovSurvival(0, sampleSize: n) == 1)
            #expect(Distributions.kolmogorovSmirnovSurvival(-0.5, sampleSize: n) == 1)
            #expect(Distributions.kolmogorovSmirnovSurvival(1, sampleSize: n) == 0)
            #expect(Distributions.kolmogorovSmirnovSurvival(3, sampleSize: n) == 0)
            #expect(Distributions.kolmogorovSmirnovSurvival(.infinity, sampleSize: n) == 0)
            #expect(Distributions.kolmogorovSmirnovSurvival(.nan, sampleSize: n).isNaN)
        }
        #expect(Distributions.kolmogorovSmirnovSurvival(0.3, sampleSize: 0).isNaN)
        #expect(Distributions.kolmogorovSmirnovSurvival(0.3, sampleSize: -4).isNaN)
    }

    /// Extreme sizes and statistics stay defined probabilities (no trap, no NaN).
    @Test func extremeInputsStayProbabilities() {
        for n in [1, 2, 139, 141, 7_000, 7_001, 100_000, 1_000_001, 1 << 40, Int.max] {
            for d in [Double.leastNonzeroMagnitude, 1e-300, 1e-10, 1e-4, 0.01, 0.3, 0.5, 0.999_999, 1 - 1e-16] {
                let sf = Distributions.kolmogorovSmirnovSurvival(d, sampleSize: n)
                #expect(sf >= 0 && sf <= 1, "n = \(n), d = \(d): \(sf)")
            }
        }
        let huge = HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: 1e-6, referenceCount: Int.max, currentCount: Int.max)
        #expect(huge >= 0 && huge <= 1)
    }

    /// The survival never increases with d (checked on a fine grid through every regime boundary).
    @Test func survivalIsMonotoneInD() {
        for n in [3, 40, 140, 141, 1_000, 20_000, 2_000_000] {
            var previous = 1.0
            for step in 1...400 {
                let d = Double(step) / 400
                let sf = Distributions.kolmogorovSmirnovSurvival(d, sampleSize: n)
                #expect(sf <= previous * (1 + 1e-9), "n = \(n), d = \(d): \(sf) > \(previous)")
                previous = sf
            }
        }
    }
}
