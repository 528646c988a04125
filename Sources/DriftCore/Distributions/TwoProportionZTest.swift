/// Two-sided two-proportion z-test with pooled variance.
///
/// Source: the textbook pooled test, as statsmodels.stats.proportion.proportions_ztest
/// (default `prop_var=False`): p̂ = (x₁+x₂)/(n₁+n₂), z = (x₁/n₁ − x₂/n₂)/√(p̂(1−p̂)(1/n₁+1/n₂)),
/// p-value = 2·(1 − Φ(|z|)). O(1).
extension HypothesisTests {
    /// Two-sided pooled two-proportion z-test p-value for x1/n1 vs x2/n2 (as statsmodels proportions_ztest with pooled variance).
    ///
    /// Returns 1 when the test is undefined: an empty sample (n ≤ 0) or zero pooled variance
    /// (all successes or all failures). Counts outside 0…n give NaN.
    public static func twoProportionZTest(successes1: Int, trials1: Int, successes2: Int, trials2: Int) -> Double {
        guard trials1 > 0, trials2 > 0 else { return 1 }
        guard (0...trials1).contains(successes1), (0...trials2).contains(successes2) else { return .nan }
        let n1 = Double(trials1)
        let n2 = Double(trials2)
        let pooled = (Double(successes1) + Double(successes2)) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return 1 }
        let z = (Double(successes1) / n1 - Double(successes2) / n2) / variance.squareRoot()
        return 2 * Distributions.normalSurvival(abs(z))
    }
}
