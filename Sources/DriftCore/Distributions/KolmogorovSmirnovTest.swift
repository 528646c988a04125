/// p-value of the two-sample Kolmogorov–Smirnov test from its statistic.
///
/// Source: scipy.stats.ks_2samp(..., method="asymp"), alternative="two-sided" (scipy 1.17.1,
/// scipy/stats/_stats_py.py): with (m, n) the sample sizes sorted descending, the effective size
/// en = m·n/(m+n) is rounded half-to-even (numpy.round) and p = kstwo.sf(d, round(en)), clipped to [0, 1].
extension HypothesisTests {
    /// Two-sample KS p-value exactly as scipy.stats.ks_2samp(..., method="asymp") for alternative="two-sided".
    ///
    /// Documented differences from scipy, where scipy raises or returns NaN:
    /// - an empty sample (count ≤ 0) gives 1 (no evidence; scipy raises);
    /// - one observation in each sample (en = ½ rounds to 0) gives 1 (scipy returns NaN).
    /// A NaN statistic gives NaN.
    public static func kolmogorovSmirnovTwoSamplePValue(statistic d: Double, referenceCount: Int, currentCount: Int) -> Double {
        if d.isNaN { return .nan }
        guard referenceCount > 0, currentCount > 0 else { return 1 }
        let m = Double(max(referenceCount, currentCount))
        let n = Double(min(referenceCount, currentCount))
        let effectiveSize = (m * n / (m + n)).rounded(.toNearestOrEven)
        guard effectiveSize >= 1 else { return 1 }
        return Distributions.kolmogorovSmirnovSurvival(d, sampleSize: Int(effectiveSize))
    }
}
