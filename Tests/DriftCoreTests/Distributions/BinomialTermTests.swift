import Foundation
import Testing
@testable import DriftCore

@Suite struct BinomialTermTests {
    /// Loader's form against the textbook log C(n,k) + k log p + (n−k) log q, which is exact
    /// enough for small n (log-gamma of small arguments has ~1e-15 absolute error).
    @Test func matchesDirectFormulaForSmallN() {
        for (n, k, p) in [(20.0, 7.0, 0.3), (50.0, 1.0, 0.02), (50.0, 49.0, 0.9), (100.0, 50.0, 0.5), (37.0, 12.5, 0.41)] {
            let direct = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) + (n - k) * log(1 - p)
            let loader = BinomialTerm.logProbability(n: n, k: k, np: n * p, nq: n * (1 - p))
            #expect(abs(loader - direct) < 1e-13, "n = \(n), k = \(k), p = \(p): \(loader) vs \(direct)")
        }
    }

    /// For n in the millions the probabilities of a binomial still sum to 1 (a check on the
    /// absolute accuracy where log-gamma differences would lose ~8 digits).
    @Test func probabilitiesSumToOneForLargeN() {
        let n = 3_000_000.0, p = 0.37
        var total = 0.0
        let mean = n * p
        let spread = 12 * (n * p * (1 - p)).squareRoot()
        for k in stride(from: (mean - spread).rounded(), through: (mean + spread).rounded(), by: 1) {
            total += exp(BinomialTerm.logProbability(n: n, k: k, np: n * p, nq: n * (1 - p)))
        }
        #expect(abs(total - 1) < 1e-12, "Σ = \(total)")
    }

    @Test func devianceVanishesAtTheMean() {
        #expect(BinomialTerm.deviance(123.5, 123.5) == 0)
        #expect(BinomialTerm.deviance(10, 11) > 0)
        let near = BinomialTerm.deviance(100, 101)
        let direct = 100 * log(100.0 / 101) + 1
        #expect(abs(near - direct) < 1e-14)
    }
}
