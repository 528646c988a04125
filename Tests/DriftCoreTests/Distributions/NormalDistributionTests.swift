import Testing
@testable import DriftCore

@Suite struct NormalDistributionTests {
    @Test func matchesScipyInBothTails() {
        for row in DistributionVectors.shared.normal {
            let (x, cdf, sf) = (row[0], row[1], row[2])
            expectClose(Distributions.normalCDF(x), cdf, tolerance: 1e-12, "normalCDF(\(x))")
            expectClose(Distributions.normalSurvival(x), sf, tolerance: 1e-12, "normalSurvival(\(x))")
        }
    }

    @Test func limitsAndNaN() {
        #expect(Distributions.normalCDF(-.infinity) == 0)
        #expect(Distributions.normalCDF(.infinity) == 1)
        #expect(Distributions.normalSurvival(.infinity) == 0)
        #expect(Distributions.normalCDF(0) == 0.5)
        #expect(Distributions.normalCDF(.nan).isNaN)
        #expect(Distributions.normalSurvival(.nan).isNaN)
    }
}
