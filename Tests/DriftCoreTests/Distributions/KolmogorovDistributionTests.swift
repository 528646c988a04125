import Testing
@testable import DriftCore

@Suite struct KolmogorovDistributionTests {
    @Test func matchesScipySpecialKolmogorov() {
        for row in DistributionVectors.shared.kolmogorov {
            let (x, sf) = (row[0], row[1])
            expectClose(Distributions.kolmogorovSurvival(x), sf, tolerance: 1e-12, "kolmogorov(\(x))")
        }
    }

    @Test func limits() {
        #expect(Distributions.kolmogorovSurvival(0) == 1)
        #expect(Distributions.kolmogorovSurvival(-3) == 1)
        #expect(Distributions.kolmogorovSurvival(0.03) == 1)
        #expect(Distributions.kolmogorovSurvival(.infinity) == 0)
        #expect(Distributions.kolmogorovSurvival(30) == 0)
        #expect(Distributions.kolmogorovSurvival(.nan).isNaN)
    }
}
