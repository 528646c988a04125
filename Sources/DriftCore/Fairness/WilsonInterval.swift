/// The Wilson score interval for a binomial proportion (E. B. Wilson, "Probable
/// Inference, the Law of Succession, and Statistical Inference", JASA 1927).
///
/// For k successes in n trials, p̂ = k/n and normal quantile z:
/// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
/// Unlike the Wald interval it stays inside [0, 1] and keeps a sensible width at p̂ = 0 or
/// 1 and for small n, which is why small fairness groups get honest error bars. O(1).
public struct WilsonInterval: Equatable, Sendable {
    /// Φ⁻¹(0.975) (scipy.stats.norm.ppf(0.975)): the two-sided 95 % interval.
    public static let z95 = 1.959963984540054

    public var lower: Double
    public var upper: Double

    /// Nil when there are no trials: the proportion is undefined. `z` must be positive.
    public init?(successes: UInt64, trials: UInt64, z: Double = z95) {
        guard trials > 0, successes <= trials, z > 0, z.isFinite else { return nil }
        let n = Double(trials)
        let proportion = Double(successes) / n
        let zSquared = z * z
        let denominator = 1 + zSquared / n
        let centre = (proportion + zSquared / (2 * n)) / denominator
        let halfWidth = z / denominator * (proportion * (1 - proportion) / n + zSquared / (4 * n * n)).squareRoot()
        lower = max(0, centre - halfWidth)
        upper = min(1, centre + halfWidth)
    }
}
