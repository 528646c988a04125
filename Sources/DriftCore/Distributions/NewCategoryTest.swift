/// One-sided test of a window's values in categories its reference never saw.
///
/// Source: Good–Turing's estimate of the probability mass of unseen categories after N
/// reference values, f₁/N (f₁: categories seen exactly once; at least one is assumed, so a
/// reference without singletons still allows 1/N), and the binomial test of the window's
/// count against it, P(X ≥ k) for X ~ Binomial(n, f₁/N), by the normal approximation with
/// continuity correction (I. J. Good, "The population frequencies of species and the
/// estimation of population parameters", Biometrika 40, 1953). O(1).
///
/// Accuracy: the normal approximation's, fine once n·f₁/N is a few units; below that it
/// overstates the p-value of a lone new value (conservative), understates it for large
/// counts only where they are overwhelming anyway.
extension HypothesisTests {
    /// P(at least `newCount` of `currentCount` values fall in unseen categories) when nothing
    /// changed; nil when either side is empty.
    public static func newCategoryPValue(newCount: Int, currentCount: Int, referenceCount: Int, referenceSingletons: Int) -> Double? {
        guard currentCount > 0, referenceCount > 0, (0...currentCount).contains(newCount) else { return nil }
        guard newCount > 0 else { return 1 }
        let unseenMass = min(1, Double(max(referenceSingletons, 1)) / Double(referenceCount))
        let expected = Double(currentCount) * unseenMass
        let deviation = (expected * (1 - unseenMass)).squareRoot()
        guard deviation > 0 else { return Double(newCount) > expected ? 0 : 1 }
        return Distributions.normalSurvival((Double(newCount) - 0.5 - expected) / deviation)
    }
}
