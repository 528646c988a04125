/// Per-group rates with Wilson intervals and the between-groups gaps of Fairlearn 0.15
/// (`method="between_groups"`; equalized odds with `agg="worst_case"`), computed from a
/// ``FairnessSummary``.
///
/// Which rows count: selection rates use every prediction of the window, labelled or
/// not; the true/false-positive rates, accuracy and precision use the labelled ones.
/// Which groups count: all are reported, but only groups with at least
/// `minimumGroupSize` predictions enter the selection-rate gap, and only groups with at
/// least `minimumGroupSize` labelled predictions enter the label-based gaps; the others
/// are listed as excluded.
///
/// Undefined values: a rate whose denominator is 0 is 0 (Fairlearn and scikit-learn's
/// `zero_division=0`) and has no interval; a group without labelled rows has no
/// label-based rates. A gap needs two eligible groups (else nil). A ratio min/max with
/// max = 0 is 0/0, NaN in Fairlearn, nil here. The equalized-odds ratio is the smaller
/// of the defined TPR and FPR ratios (nil if neither is defined), where Fairlearn's
/// `min` over a Series returns NaN when the TPR ratio is NaN.
public struct FairnessReport: Equatable, Sendable {
    /// A rate and its Wilson score interval (nil when the denominator is 0).
    public struct Rate: Equatable, Sendable {
        public var value: Double
        public var interval: WilsonInterval?
    }

    public struct Group: Equatable, Sendable {
        public var key: FairnessGroupKey
        public var predictionCount: UInt64
        public var labelledCount: UInt64
        public var selectionRate: Rate
        /// Nil when the group has no labelled predictions.
        public var truePositiveRate: Rate?
        public var falsePositiveRate: Rate?
        public var accuracy: Rate?
        public var precision: Rate?
    }

    /// Between-groups spread of one rate: max − min and min / max.
    public struct Gap: Equatable, Sendable {
        public var difference: Double
        /// Nil when every eligible group has rate 0.
        public var ratio: Double?
    }

    public var minimumGroupSize: Int
    /// Every group, in key order.
    public var groups: [Group]
    public var excludedFromSelectionGaps: [FairnessGroupKey]
    public var excludedFromLabelGaps: [FairnessGroupKey]
    /// Selection-rate gap (`demographic_parity_difference` / `_ratio`).
    public var demographicParity: Gap?
    /// True-positive-rate gap (`equal_opportunity_difference` / `_ratio`).
    public var equalOpportunity: Gap?
    /// Worst of the TPR and FPR gaps (`equalized_odds_difference` / `_ratio`).
    public var equalizedOdds: Gap?
    /// Predictions of groups beyond the summary's cap, not in any group.
    public var overflowPredictionCount: UInt64
}

extension FairnessSummary {
    /// The fairness report of this window; `z` sets the intervals' confidence.
    public func report(minimumGroupSize: Int = 100, z: Double = WilsonInterval.z95) -> FairnessReport {
        let sorted = groups.sorted { $0.key < $1.key }
        let reported = sorted.map { key, summary in FairnessReport.Group(key: key, summary: summary, z: z) }
        let threshold = UInt64(max(minimumGroupSize, 0))
        let selectionEligible = reported.filter { $0.predictionCount >= threshold }
        let labelEligible = reported.filter { $0.labelledCount >= threshold }
        let truePositiveGap = FairnessReport.Gap(between: labelEligible.compactMap { $0.truePositiveRate?.value })
        let falsePositiveGap = FairnessReport.Gap(between: labelEligible.compactMap { $0.falsePositiveRate?.value })
        return FairnessReport(
            minimumGroupSize: minimumGroupSize,
            groups: reported,
            excludedFromSelectionGaps: reported.filter { $0.predictionCount < threshold }.map(\.key),
            excludedFromLabelGaps: reported.filter { $0.labelledCount < threshold }.map(\.key),
            demographicParity: FairnessReport.Gap(between: selectionEligible.map(\.selectionRate.value)),
            equalOpportunity: truePositiveGap,
            equalizedOdds: FairnessReport.Gap(worstOf: truePositiveGap, falsePositiveGap),
            overflowPredictionCount: overflowPredictionCount)
    }
}

extension FairnessReport.Group {
    init(key: FairnessGroupKey, summary: BinaryOutcomeSummary, z: Double) {
        func rate(_ value: Double, _ successes: UInt64, _ trials: UInt64) -> FairnessReport.Rate {
            FairnessReport.Rate(value: value, interval: WilsonInterval(successes: successes, trials: trials, z: z))
        }
        let s = summary
        self.key = key
        predictionCount = s.predictionCount
        labelledCount = s.labelledCount
        selectionRate = rate(s.selectionRate ?? 0, s.predictedPositiveCount, s.predictionCount)
        guard s.labelledCount > 0 else { return }
        truePositiveRate = rate(s.recall, s.truePositives, s.actualPositives)
        falsePositiveRate = rate(s.falsePositiveRate, s.falsePositives, s.actualNegatives)
        accuracy = rate(s.accuracy ?? 0, s.truePositives + s.trueNegatives, s.labelledCount)
        precision = rate(s.precision, s.truePositives, s.truePositives + s.falsePositives)
    }
}

extension FairnessReport.Gap {
    /// The gap between the rates of two or more groups; nil for fewer.
    init?(between rates: [Double]) {
        guard rates.count >= 2, let low = rates.min(), let high = rates.max() else { return nil }
        difference = high - low
        ratio = high == 0 ? nil : low / high
    }

    /// Equalized odds: the larger difference and the smaller defined ratio.
    init?(worstOf first: Self?, _ second: Self?) {
        guard let first, let second else { return nil }
        difference = max(first.difference, second.difference)
        ratio = [first.ratio, second.ratio].compactMap { $0 }.min()
    }
}
