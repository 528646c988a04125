import Testing
@testable import DriftCore

@Suite struct PomeranzRecursionTests {
    /// Pomeranz's recursion and Durbin's matrix are independent exact algorithms for P(Dₙ ≤ d):
    /// they must agree wherever both are used or usable (n ≤ 140, 1/n < d < ½).
    @Test(arguments: [2, 3, 7, 20, 64, 100, 140])
    func agreesWithDurbinMatrix(n: Int) {
        let size = Double(n)
        for step in 1...24 {
            let d = 1 / size + Double(step) / 25 * (0.5 - 1 / size)
            let pomeranz = PomeranzRecursion.cdf(n, d)
            let durbin = DurbinMatrix.cdf(n, d)
            // Both carry ~n·ulp of rounding in the CDF; compare absolutely once it is tiny.
            expectClose(pomeranz, durbin, tolerance: 1e-12, floor: 1e-3, "n = \(n), d = \(d)")
        }
    }
}
