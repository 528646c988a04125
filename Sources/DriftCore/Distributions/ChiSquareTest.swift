/// Outcome of a chi-square test: the statistic, its degrees of freedom and the p-value.
public struct ChiSquareTestResult: Sendable, Equatable {
    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double

    public init(statistic: Double, degreesOfFreedom: Int, pValue: Double) {
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
    }

    /// The result when there is nothing to compare (fewer than two categories or an empty row).
    public static let noEvidence = ChiSquareTestResult(statistic: 0, degreesOfFreedom: 0, pValue: 1)
    /// The result for counts that are negative or not finite.
    public static let invalidInput = ChiSquareTestResult(statistic: .nan, degreesOfFreedom: 0, pValue: .nan)
}

/// Pearson's chi-square test of homogeneity on a 2×k contingency table.
///
/// Source: Pearson (1900); matches scipy.stats.chi2_contingency(table, correction=False):
/// expected counts E_ij = (row total_i)(column total_j)/N, statistic Σ (O−E)²/E,
/// dof = k′ − 1, p-value = chi-squared survival. O(k), no allocation.
extension HypothesisTests {
    /// Pearson chi-square test of homogeneity on a 2×k table (reference row, current row), no continuity correction,
    /// as scipy.stats.chi2_contingency(np.array([ref, cur]), correction=False).
    ///
    /// Deviations from scipy, all documented behaviour:
    /// - columns where both rows are 0 are dropped first (scipy would produce NaN for them), so
    ///   dof = k′ − 1 with k′ the number of kept columns;
    /// - with k′ < 2 or an empty row (total 0) the result is ``ChiSquareTestResult/noEvidence``
    ///   (statistic 0, dof 0, p-value 1);
    /// - rows of different lengths are compared as if the shorter were padded with zeros
    ///   (a category seen only in the current window);
    /// - any negative or non-finite count gives ``ChiSquareTestResult/invalidInput`` (NaN statistic and p-value).
    public static func chiSquareHomogeneity(reference: [Double], current: [Double]) -> ChiSquareTestResult {
        let columnCount = max(reference.count, current.count)
        var referenceTotal = 0.0
        var currentTotal = 0.0
        var keptColumns = 0
        for column in 0..<columnCount {
            let r = column < reference.count ? reference[column] : 0
            let c = column < current.count ? current[column] : 0
            guard r >= 0, c >= 0, r.isFinite, c.isFinite else { return .invalidInput }
            referenceTotal += r
            currentTotal += c
            if r + c > 0 { keptColumns += 1 }
        }
        guard keptColumns >= 2, referenceTotal > 0, currentTotal > 0 else { return .noEvidence }

        let total = referenceTotal + currentTotal
        var statistic = 0.0
        for column in 0..<columnCount {
            let r = column < reference.count ? reference[column] : 0
            let c = column < current.count ? current[column] : 0
            let columnTotal = r + c
            guard columnTotal > 0 else { continue }
            let expectedReference = referenceTotal * columnTotal / total
            let expectedCurrent = currentTotal * columnTotal / total
            statistic += (r - expectedReference) * (r - expectedReference) / expectedReference
            statistic += (c - expectedCurrent) * (c - expectedCurrent) / expectedCurrent
        }
        let degreesOfFreedom = keptColumns - 1
        let pValue = Distributions.chiSquaredSurvival(statistic, degreesOfFreedom: Double(degreesOfFreedom))
        return ChiSquareTestResult(statistic: statistic, degreesOfFreedom: degreesOfFreedom, pValue: pValue)
    }
}
