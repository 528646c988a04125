import Foundation
import Testing
@testable import DriftCore

@Suite struct SmirnovDistributionTests {
    static let tailSizes = [2.2, 3.0, 5.0, 10.0, 30.0, 100.0, 250.0, 354.0]

    /// Wherever the integral form accepts to run it must reproduce the term-by-term sum; from
    /// n = 3000 on it must always run (that is what keeps large-n p-values cheap).
    @Test(arguments: [150, 400, 1_000, 3_000, 20_000, 100_000])
    func integralAgreesWithExactSum(n: Int) {
        for a in Self.tailSizes {
            let x = (a / Double(n)).squareRoot()
            guard x < 0.5 else { continue }
            guard let integral = SmirnovSum.integral(Double(n), x) else {
                #expect(n < 3_000, "integral refused n = \(n), nx² = \(a)")
                continue
            }
            expectClose(integral, SmirnovSum.exactSum(Double(n), x), tolerance: 1e-12, "n = \(n), nx² = \(a)")
        }
    }

    /// Where the plain integral refuses (the first terms still matter), the windowed hand-over
    /// must reproduce the term-by-term sum, and from n = 700 on it must always run.
    @Test(arguments: [150, 300, 500, 700, 1_000, 1_500, 2_000, 2_600])
    func windowedSumAgreesWithExactSum(n: Int) {
        for a in stride(from: 2.2, through: 354, by: 3.1) {
            let x = (a / Double(n)).squareRoot()
            guard x < 0.5, SmirnovSum.integral(Double(n), x) == nil else { continue }
            guard let windowed = SmirnovSum.windowedSum(Double(n), x) else {
                #expect(n < 700, "windowed sum refused n = \(n), nx² = \(a)")
                continue
            }
            expectClose(windowed, SmirnovSum.exactSum(Double(n), x), tolerance: 1e-12, "n = \(n), nx² = \(a)")
        }
    }

    @Test func integralRunsForMillionTerms() {
        for a in Self.tailSizes {
            #expect(SmirnovSum.integral(1e6, (a / 1e6).squareRoot()) != nil, "nx² = \(a)")
        }
    }

    /// n = 1: P(D₁⁺ ≥ x) = 1 − x; and x ≤ 1/n: 1 − x(1 + x)^(n−1) (Birnbaum–Tingey, one term).
    @Test func closedForms() {
        #expect(Distributions.smirnovSurvival(1, 0.3) == 0.7)
        expectClose(Distributions.smirnovSurvival(10, 0.05), 1 - 0.05 * pow(1.05, 9), tolerance: 1e-15, "n = 10")
        #expect(Distributions.smirnovSurvival(5, .nan).isNaN)
        #expect(Distributions.smirnovSurvival(5, 1.5).isNaN)
        #expect(Distributions.smirnovSurvival(0, 0.5).isNaN)
    }
}
