/// Missing-value rates of the reference and the current window, and whether they differ.
public struct MissingRateComparison: Sendable, Equatable {
    /// Missing share of reference rows; nil when the reference has no rows.
    public var reference: Double?
    /// Missing share of current rows; nil when the window has no rows.
    public var current: Double?
    /// Two-sided pooled two-proportion z-test p-value; 1 when undefined (no rows on a
    /// side, or no or only missing values on both).
    public var pvalue: Double

    public init(referenceMissing: Int, referenceTotal: Int, currentMissing: Int, currentTotal: Int) {
        reference = referenceTotal > 0 ? Double(referenceMissing) / Double(referenceTotal) : nil
        current = currentTotal > 0 ? Double(currentMissing) / Double(currentTotal) : nil
        pvalue = HypothesisTests.twoProportionZTest(
            successes1: referenceMissing, trials1: referenceTotal, successes2: currentMissing, trials2: currentTotal)
    }
}
