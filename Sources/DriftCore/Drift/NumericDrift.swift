/// Kolmogorov–Smirnov statistic and its asymptotic p-value.
public struct KolmogorovSmirnovResult: Sendable, Equatable {
    public var statistic: Double
    public var pvalue: Double
}

/// Drift of one numeric feature: the current window against its reference.
///
/// Distribution statistics use finite values only; missing values (null/NaN) are
/// compared separately in `missingRate`, and ±∞ are excluded (counted by the summaries).
/// psi, js and hellinger use the coarse (reference-quantile) bins, ks and wasserstein
/// the fine bins. Undefined cases give `nil`, never NaN:
/// - no finite current values (empty window, or all missing) or no finite reference
///   values: every distribution statistic, `meanShift` and `stdRatio` are nil;
/// - constant reference (std R = 0): the coarse edge c splits the line into (−∞, c] and
///   (c, ∞) (the fine bins, exact counts, are (−∞, c⁻], {c} and (c, ∞));
///   psi/js/hellinger/ks are defined, `wasserstein` is divided by the 0.001 floor,
///   `meanShift` and `stdRatio` are nil;
/// - `missingRate` rates are nil only for a side with no rows at all.
public struct NumericDriftResult: Sendable, Equatable {
    public var psi: Double?
    public var js: Double?
    public var hellinger: Double?
    /// Pearson's homogeneity test on the coarse bins' counts: how likely sampling noise alone
    /// is to give psi, js and hellinger at least this large (they are, to second order,
    /// multiples of its statistic).
    public var binned: ChiSquareTestResult?
    public var ks: KolmogorovSmirnovResult?
    /// W₁ divided by max(population std of the reference, 0.001), as Evidently normalises it.
    public var wasserstein: Double?
    /// (mean C − mean R) / std R, population standard deviation (ddof = 0).
    public var meanShift: Double?
    /// std C / std R, population standard deviations (ddof = 0).
    public var stdRatio: Double?
    public var missingRate: MissingRateComparison

    /// Smallest reference scale Wasserstein distances are divided by.
    public static let wassersteinScaleFloor = 0.001

    /// Groups of statistics that cost work of their own, so a caller that needs only some
    /// of them skips the rest (their fields stay nil). The moments' `meanShift` and
    /// `stdRatio` and the missing rates cost O(1) and are always computed.
    public struct Statistics: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// psi, js, hellinger and Pearson's test on the coarse bins: O(coarse bins) after
        /// the current summary's coarse counts, O(occupied fine bins).
        public static let binned = Statistics(rawValue: 1 << 0)
        /// The KS statistic on the fine bins and its p-value: O(B), plus the p-value's series.
        public static let kolmogorovSmirnov = Statistics(rawValue: 1 << 1)
        /// The Wasserstein distance on the fine bins and outer-bin values: O(B + tail values).
        public static let wasserstein = Statistics(rawValue: 1 << 2)
        public static let all: Statistics = [.binned, .kolmogorovSmirnov, .wasserstein]
    }

    /// Compares `current` (a summary made by `reference.makeSummary()`) with `reference`,
    /// computing the `statistics` asked for (each gives the same value whether or not the
    /// others are computed).
    public init(reference: NumericReference, current: NumericSummary, statistics: Statistics = .all) throws(SummaryError) {
        guard reference.binning == current.binning else { throw .incompatibleBinning }
        let referenceSummary = reference.summary
        missingRate = MissingRateComparison(
            referenceMissing: referenceSummary.missingCount, referenceTotal: referenceSummary.totalCount,
            currentMissing: current.missingCount, currentTotal: current.totalCount)
        let referenceCoarse = reference.coarseProportions
        let currentCoarseCounts = current.coarseCounts
        let currentCoarse = currentCoarseCounts.proportionsOfTotal()
        guard !referenceCoarse.isEmpty, !currentCoarse.isEmpty,
              let referenceStd = reference.moments.populationStandardDeviation,
              let currentStd = current.moments.populationStandardDeviation else { return }

        if statistics.contains(.binned) {
            psi = PopulationStabilityIndex.compute(reference: referenceCoarse, current: currentCoarse)
            js = JensenShannonDistance.compute(reference: referenceCoarse, current: currentCoarse)
            hellinger = HellingerDistance.compute(reference: referenceCoarse, current: currentCoarse)
            binned = HypothesisTests.chiSquareHomogeneity(reference: reference.coarseCounts, current: currentCoarseCounts)
        }
        if statistics.contains(.kolmogorovSmirnov) {
            let statistic = KolmogorovSmirnovStatistic.compute(reference: reference.fineProportions, current: current)
            ks = KolmogorovSmirnovResult(
                statistic: statistic,
                pvalue: HypothesisTests.kolmogorovSmirnovTwoSamplePValue(
                    statistic: statistic, referenceCount: reference.moments.count, currentCount: current.finiteCount))
        }
        if statistics.contains(.wasserstein) {
            wasserstein = WassersteinDistance.compute(reference: referenceSummary, current: current)
                .map { $0 / max(referenceStd, Self.wassersteinScaleFloor) }
        }
        if referenceStd > 0 {
            meanShift = (current.moments.mean - reference.moments.mean) / referenceStd
            stdRatio = currentStd / referenceStd
        }
    }
}
