/// One-sided test of a window's values in categories its reference never saw.
///
/// Source: Good–Turing (I. J. Good, "The population frequencies of species and the
/// estimation of population parameters", Biometrika 40, 1953): the probability that the
/// next value falls in a category N reference values have not shown is estimated by f₁/N,
/// f₁ the categories seen exactly once. Under no change, the window's share of values in
/// unseen categories estimates that same mass, so the two shares are compared with the
/// pooled two-proportion z-test (one-sided: more new values than the reference's own rare
/// categories predict), which carries the uncertainty of both — a small reference's
/// estimate is rough, and a long-tailed vocabulary's is large. O(1).
///
/// Accuracy: the normal approximation's; with no singletons in the reference at least one
/// is assumed, so a lone new value in a small window is not "impossible".
extension HypothesisTests {
    /// P(a share of new values at least `newCount` / `currentCount`) when nothing changed;
    /// nil when either side is empty.
    public static func newCategoryPValue(newCount: Int, currentCount: Int, referenceCount: Int, referenceSingletons: Int) -> Double? {
        guard currentCount > 0, referenceCount > 0, (0...currentCount).contains(newCount) else { return nil }
        let singletons = min(max(referenceSingletons, 1), referenceCount)
        guard Double(newCount) / Double(currentCount) > Double(singletons) / Double(referenceCount) else { return 1 }
        return twoProportionZTest(successes1: newCount, trials1: currentCount, successes2: singletons, trials2: referenceCount) / 2
    }
}
