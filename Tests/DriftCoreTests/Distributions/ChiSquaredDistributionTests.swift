import Foundation
import Testing
@testable import DriftCore

@Suite struct ChiSquaredDistributionTests {
    @Test func matchesScipyDownToTheFarTail() {
        var worst = 0.0
        for row in DistributionVectors.shared.chiSquared {
            let (x, k, sf) = (row[0], row[1], row[2])
            let actual = Distributions.chiSquaredSurvival(x, degreesOfFreedom: k)
            worst = max(worst, relativeError(actual, sf))
            expectClose(actual, sf, tolerance: 1e-10, "chiSquaredSurvival(\(x), k: \(k))")
        }
        print("chi-squared survival: worst relative error vs scipy \(worst)")
    }

    @Test func edgeCases() {
        #expect(Distributions.chiSquaredSurvival(0, degreesOfFreedom: 3) == 1)
        #expect(Distributions.chiSquaredSurvival(-2, degreesOfFreedom: 3) == 1)
        #expect(Distributions.chiSquaredSurvival(.infinity, degreesOfFreedom: 3) == 0)
        #expect(Distributions.chiSquaredSurvival(1e6, degreesOfFreedom: 3) == 0)
        #expect(Distributions.chiSquaredSurvival(.nan, degreesOfFreedom: 3).isNaN)
        #expect(Distributions.chiSquaredSurvival(1, degreesOfFreedom: .nan).isNaN)
        #expect(Distributions.chiSquaredSurvival(1, degreesOfFreedom: 0).isNaN)
        #expect(Distributions.chiSquaredSurvival(1, degreesOfFreedom: -1).isNaN)
        #expect(Distributions.chiSquaredSurvival(1, degreesOfFreedom: .infinity).isNaN)
    }

    /// With 2 degrees of freedom the survival is exactly e^(−x/2), an independent closed form.
    @Test func twoDegreesOfFreedomIsExponential() {
        for x in [0.01, 0.5, 1, 3, 10, 100, 1000] {
            expectClose(Distributions.chiSquaredSurvival(x, degreesOfFreedom: 2), exp(-x / 2), tolerance: 1e-13, "x = \(x)")
        }
    }
}
