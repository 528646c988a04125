import RealModule

/// Logarithm of the binomial probability C(n, k) pᵏ qⁿ⁻ᵏ, extended to real k, accurate even
/// when n is in the millions.
///
/// Source: C. Loader, "Fast and Accurate Computation of Binomial Probabilities" (2000), the
/// saddle-point form used by R's `dbinom_raw`:
/// log f = δ(n) − δ(k) − δ(n−k) − D(k, np) − D(n−k, nq) − ½ log(2πk(n−k)/n),
/// with δ the Stirling-series error and D(x, M) = x log(x/M) + M − x evaluated by a series
/// near x = M. No piece is larger than the result's own scale (log n and the deviances), so
/// the absolute error stays a few ulp of that instead of the ~n·ε of log-gamma differences.
enum BinomialTerm {
    /// log C(n, k) pᵏ qⁿ⁻ᵏ for 0 < k < n, given np = n·p and nq = n·q (q = 1 − p).
    @inline(__always)
    static func logProbability(n: Double, k: Double, np: Double, nq: Double) -> Double {
        let nMinusK = n - k
        let lc = stirlingError(n) - stirlingError(k) - stirlingError(nMinusK)
            - deviance(k, np) - deviance(nMinusK, nq)
        let lf = Double.log(2 * Double.pi) + Double.log(k) + Double.log(onePlus: -k / n)
        return lc - 0.5 * lf
    }

    /// δ(x) = log Γ(x+1) − (x+½) log x + x − ½ log 2π, the error of Stirling's formula.
    static func stirlingError(_ x: Double) -> Double {
        let s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188
        if x <= 15 {
            return Double.logGamma(x + 1) - (x + 0.5) * Double.log(x) + x - 0.5 * Double.log(2 * Double.pi)
        }
        let xx = x * x
        if x > 500 { return (s0 - s1 / xx) / x }
        if x > 80 { return (s0 - (s1 - s2 / xx) / xx) / x }
        if x > 35 { return (s0 - (s1 - (s2 - s3 / xx) / xx) / xx) / x }
        return (s0 - (s1 - (s2 - (s3 - s4 / xx) / xx) / xx) / xx) / x
    }

    /// 1/3, 1/5, …, 1/39: the series coefficients, precomputed to keep divisions out of the loop.
    private static let oddReciprocals: [Double] = (1...19).map { 1 / Double(2 * $0 + 1) }

    /// D(x, M) = x log(x/M) + M − x ≥ 0, by the series 2x Σ v^(2j+1)/(2j+1), v = (x−M)/(x+M),
    /// when x is within 10% of M (where the direct formula cancels).
    static func deviance(_ x: Double, _ m: Double) -> Double {
        if abs(x - m) < 0.1 * (x + m) {
            var v = (x - m) / (x + m)
            var sum = (x - m) * v
            var term = 2 * x * v
            v *= v
            // |v| < 0.1, so the terms shrink 100-fold each: 9 of them reach double precision.
            for reciprocal in oddReciprocals {
                term *= v
                let next = sum + term * reciprocal
                if next == sum { return next }
                sum = next
            }
            return sum
        }
        return x * Double.log(x / m) + m - x
    }
}
