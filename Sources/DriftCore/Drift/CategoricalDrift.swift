/// Drift of one categorical feature: the current window against its reference.
///
/// Categories are aligned over the union of both sides' counted categories (sorted),
/// plus one `other` column when either side overflowed its category cap. Proportions
/// are over non-missing values; missing values are compared in `missingRate`.
/// `newCategoryRate` is the share of current non-missing values whose category the
/// reference did not count (overflowed current values are not counted as new, since
/// their category is unknown; if the reference itself overflowed, a "new" category may
/// have been in its `other` bucket, so the rate is then an upper bound).
/// When either side has no non-missing values every statistic is nil.
public struct CategoricalDriftResult: Sendable, Equatable {
    public var psi: Double?
    public var js: Double?
    public var tvd: Double?
    /// Pearson test of homogeneity on the 2×k table, no continuity correction.
    public var chi2: ChiSquareTestResult?
    public var newCategoryRate: Double?
    /// How likely sampling noise alone is to give this many values in unseen categories
    /// (``HypothesisTests/newCategoryPValue(newCount:currentCount:referenceCount:referenceSingletons:)``).
    public var newCategoryPValue: Double?
    public var missingRate: MissingRateComparison

    public init(reference: CategoricalReference, current: CategoricalSummary) {
        let referenceSummary = reference.summary
        missingRate = MissingRateComparison(
            referenceMissing: referenceSummary.missingCount, referenceTotal: referenceSummary.totalCount,
            currentMissing: current.missingCount, currentTotal: current.totalCount)
        guard referenceSummary.presentCount > 0, current.presentCount > 0 else { return }

        let categories = Set(referenceSummary.counts.keys).union(current.counts.keys).sorted()
        var referenceCounts = categories.map { Double(referenceSummary.counts[$0] ?? 0) }
        var currentCounts = categories.map { Double(current.counts[$0] ?? 0) }
        if referenceSummary.overflowCount > 0 || current.overflowCount > 0 {
            referenceCounts.append(Double(referenceSummary.overflowCount))
            currentCounts.append(Double(current.overflowCount))
        }
        let referenceProportions = referenceCounts.proportionsOfTotal()
        let currentProportions = currentCounts.proportionsOfTotal()
        psi = PopulationStabilityIndex.compute(reference: referenceProportions, current: currentProportions)
        js = JensenShannonDistance.compute(reference: referenceProportions, current: currentProportions)
        tvd = TotalVariationDistance.compute(reference: referenceProportions, current: currentProportions)
        chi2 = HypothesisTests.chiSquareHomogeneity(reference: referenceCounts, current: currentCounts)
        let unseen = current.counts.reduce(0) { $0 + (referenceSummary.counts[$1.key] == nil ? $1.value : 0) }
        newCategoryRate = Double(unseen) / Double(current.presentCount)
        newCategoryPValue = HypothesisTests.newCategoryPValue(
            newCount: unseen, currentCount: current.presentCount, referenceCount: referenceSummary.presentCount,
            referenceSingletons: referenceSummary.counts.values.count { $0 == 1 })
    }
}
