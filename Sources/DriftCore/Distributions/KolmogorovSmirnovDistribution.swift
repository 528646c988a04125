import RealModule

/// Distribution of the one-sample two-sided KS statistic Dₙ = supₓ |Fₙ(x) − F(x)|.
///
/// Source: R. Simard and P. L'Ecuyer (2011), "Computing the two-sided Kolmogorov–Smirnov
/// distribution", J. Stat. Softw. 39(11), as implemented by scipy.stats.kstwo
/// (`_kolmogn` in scipy/stats/_ksstats.py, scipy 1.17.1), whose choice of method per region
/// this follows exactly:
/// - nd ≤ 1 and nd ≥ n − 1: the closed forms of Ruben & Gambino (1982);
/// - d ≥ 0.5: 2·P(Dₙ⁺ ≥ d), exact there (``Distributions/smirnovSurvival(_:_:)``);
/// - n ≤ 140: Durbin's matrix (nd² ≤ 0.754693), Pomeranz's recursion (nd² ≤ 4), else 2·Smirnov;
/// - n > 140: survival 0 for nd² ≥ 370, 2·Smirnov for nd² ≥ 2.2, else 1 − CDF with the CDF from
///   Durbin's matrix (n ≤ 10⁵ and n·d^1.5 ≤ 1.4) or the Pelz–Good approximation.
/// One deliberate difference, for speed: for 7000 < n ≤ 10⁵ in scipy's Durbin region, and wherever
/// the Pelz–Good CDF is below 1e-13, the survival 1 − CDF is taken from Pelz–Good, which there
/// differs from the Durbin CDF by < 1e-11 absolute (checked against scipy in the tests) and costs
/// 0.2 µs instead of tens of µs (Durbin's m grows to 117 at n = 10⁵). The Smirnov sum and Durbin's
/// matrix are evaluated faster than scipy does (see their files) without changing the values.
/// Accuracy: worst 6e-12 relative to scipy over the reference grid (3100 points, all regimes);
/// values below 1e-300 are compared absolutely. Cost (`driftwatch bench core`): ≤ 25 µs for every
/// n > 140 and ≤ 65 µs for n ≤ 140 (Pomeranz); the tails of large samples are O(1) in n (~2 µs).
extension Distributions {
    /// Survival function of the one-sample two-sided KS statistic D_n: as scipy.stats.kstwo.sf(d, n).
    ///
    /// d ≤ 0 gives 1, d ≥ 1 gives 0, NaN gives NaN; n ≤ 0 gives NaN (as scipy).
    public static func kolmogorovSmirnovSurvival(_ d: Double, sampleSize n: Int) -> Double {
        if d.isNaN || n <= 0 { return .nan }
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let size = Double(n)
        let t = size * d
        if t <= 1 {
            if t <= 0.5 { return 1 }
            return clampedProbability(1 - rubenGambinoLowerCDF(n, t))
        }
        if t >= size - 1 {
            return clampedProbability(2 * Double.pow(1 - d, size))
        }
        if d >= 0.5 {
            return clampedProbability(2 * smirnovSurvival(n, d))
        }
        let nd2 = t * d
        if n <= 140 {
            if nd2 <= 0.754693 { return clampedProbability(1 - DurbinMatrix.cdf(n, d)) }
            if nd2 <= 4 { return clampedProbability(1 - PomeranzRecursion.cdf(n, d)) }
            return clampedProbability(2 * smirnovSurvival(n, d))
        }
        if nd2 >= 370 { return 0 }
        if nd2 >= 2.2 { return clampedProbability(2 * smirnovSurvival(n, d)) }
        let pelzGood = PelzGoodApproximation.cdf(n, d)
        let inDurbinRegion = n <= 100_000 && size * Double.pow(d, 1.5) <= 1.4
        if inDurbinRegion, n <= largestDurbinSize, pelzGood >= negligibleLowerTail {
            return clampedProbability(1 - DurbinMatrix.cdf(n, d))
        }
        return clampedProbability(1 - pelzGood)
    }

    /// Above this n the Pelz–Good CDF agrees with Durbin's to < 1e-11 absolute in scipy's Durbin region.
    static let largestDurbinSize = 7_000
    /// A Pelz–Good CDF below this means the exact CDF is < 1e-12, invisible in the survival.
    static let negligibleLowerTail = 1e-13

    /// P(Dₙ ≤ d) = n!/nⁿ (2t − 1)ⁿ for 1/2 < t = nd ≤ 1 (Ruben & Gambino), as scipy computes it.
    private static func rubenGambinoLowerCDF(_ n: Int, _ t: Double) -> Double {
        let base = 2 * t - 1
        if n <= 140 {
            let size = Double(n)
            var product = 1.0
            for i in 1...n { product *= Double(i) * (1 / size) * base }
            return product
        }
        return Double.exp(logFactorialOverPower(n) + Double(n) * Double.log(base))
    }

    /// log(n!/nⁿ) by Stirling's series with n log n removed up front (as scipy's
    /// `_log_nfactorial_div_n_pow_n`): ½ log n − n + ½ log 2π + Σ B₂ⱼ/(2j(2j−1) n^(2j−1)).
    /// Absolute error ~1e-16 for n ≥ 100.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let reciprocal = 1 / Double(n)
        let argument = reciprocal / Double(n)
        var polynomial = 0.0
        for c in stirlingCoefficients { polynomial = polynomial * argument + c }
        return Double.log(Double(n)) / 2 - Double(n) + Double.log(2 * Double.pi) / 2 + reciprocal * polynomial
    }

    /// B₂ⱼ/(2j(2j−1)) for j = 8, …, 1 (highest power first).
    private static let stirlingCoefficients = [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]

    /// Clips to [0, 1], keeping NaN (as numpy.clip).
    @inline(__always)
    static func clampedProbability(_ p: Double) -> Double {
        p.isNaN ? p : min(max(p, 0), 1)
    }
}
