/// Two-sided test of the difference between the ROC AUCs of two independent samples.
///
/// Source: J. A. Hanley and B. J. McNeil, "The meaning and use of the area under a receiver
/// operating characteristic (ROC) curve", Radiology 143 (1982): the standard error of an
/// AUC A over n₁ positives and n₀ negatives is
/// √((A(1−A) + (n₁−1)(Q₁−A²) + (n₀−1)(Q₂−A²)) / (n₁n₀)), with Q₁ = A/(2−A) and
/// Q₂ = 2A²/(1+A) (exponential score distributions); for independent samples
/// z = (A₁ − A₂)/√(SE₁² + SE₂²), p = 2·(1 − Φ(|z|)). O(1).
///
/// Accuracy: the Hanley–McNeil approximation is within ~10 % of the exact (DeLong) standard
/// error for the binormal and exponential shapes; used as a noise gate, that is ample.
extension HypothesisTests {
    /// The Hanley–McNeil standard error of an AUC; nil without positives or negatives.
    public static func aucStandardError(_ auc: Double, positives: Int, negatives: Int) -> Double? {
        guard positives > 0, negatives > 0, auc.isFinite, (0...1).contains(auc) else { return nil }
        let q1 = auc / (2 - auc)
        let q2 = 2 * auc * auc / (1 + auc)
        let squared = auc * (1 - auc) + Double(positives - 1) * (q1 - auc * auc) + Double(negatives - 1) * (q2 - auc * auc)
        return (max(squared, 0) / (Double(positives) * Double(negatives))).squareRoot()
    }

    /// Two-sided p-value of AUC₁ ≠ AUC₂ for independent samples; nil when either standard
    /// error is undefined, 1 when both are zero and the AUCs are equal.
    public static func aucDifferencePValue(
        _ auc1: Double, positives1: Int, negatives1: Int, _ auc2: Double, positives2: Int, negatives2: Int
    ) -> Double? {
        guard let error1 = aucStandardError(auc1, positives: positives1, negatives: negatives1),
              let error2 = aucStandardError(auc2, positives: positives2, negatives: negatives2) else { return nil }
        let deviation = (error1 * error1 + error2 * error2).squareRoot()
        guard deviation > 0 else { return auc1 == auc2 ? 1 : 0 }
        return 2 * Distributions.normalSurvival(abs(auc1 - auc2) / deviation)
    }
}
