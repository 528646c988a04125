import DriftCore

/// Everything known about one evaluated window of one model version: what rules are
/// judged on, and what the metrics series records.
struct EvaluationContext {
    typealias Kind = EvaluationKind

    var model: String
    var version: String
    var kind: Kind
    var windowStart: Int64
    var windowEnd: Int64
    /// Predictions in the window.
    var count: Int
    var reference: ActiveReference
    var referencePerformance: ReferencePerformance
    /// Segment attributes of the version's fairness attribute sets that it does not track
    /// (absent from the events when it started): rules on them are skipped, saying so.
    var missingAttributes: Set<String> = []

    // Drift evaluations.
    /// The window's merged panes (an alert's evidence computes its subject's statistics from it).
    var driftWindow: DriftPane?
    /// Every subject's metrics, with the statistics ``RuleEvaluator/numericStatistics`` asks for.
    var featureMetrics: [MetricObservation] = []
    var selection: [([String], FairnessSummary)] = []
    var volume: Int?
    var lateEventRate: Double?
    var rejectedRate: Double?
    var estimate = PerformanceEstimate.notTracked
    /// A multiclass classifier's predicted classes in the window (`class_share`).
    var predictedClasses: CategoricalSummary?

    // Performance evaluations: a binary classifier's outcomes, a regression model's or a multiclass classifier's.
    var outcome: BinaryOutcomeSummary?
    var regression: RegressionSummary?
    /// A multiclass classifier's outcomes and per-group accuracies.
    var multiclass: MulticlassOutcomeSummary?
    var multiclassFairness: [([String], GroupAccuracySummary)] = []
    var regressionFairness: [([String], RegressionFairnessSummary)] = []
    /// A regression model's residuals, compared with the reference's (residual drift).
    var residuals: ResidualHistogram?
    var labelled = 0
    var labelCoverage: Double?
    var outcomeFairness: [([String], FairnessSummary)] = []
    /// Per change-detector rule (by position): whether it signalled since the previous evaluation.
    var detectorSignals: [Int: Bool] = [:]

    init(
        model: String, version: String, kind: Kind, windowStart: Int64, windowEnd: Int64, count: Int,
        reference: ActiveReference, referencePerformance: ReferencePerformance
    ) {
        self.model = model
        self.version = version
        self.kind = kind
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.count = count
        self.reference = reference
        self.referencePerformance = referencePerformance
    }
}

/// A drift window's CBPE estimate of its performance (``BinaryConfidenceBasedEstimator``,
/// ``EstimatedMulticlassPerformance``).
enum PerformanceEstimate {
    /// No rule of the version uses an `estimated_*` metric: nothing estimated or written.
    case notTracked
    /// No estimate: the reference's outcomes are not settled yet or cannot calibrate (no
    /// scored labelled prediction), the window holds no scored prediction, or (multiclass)
    /// some of its predictions were recorded before the calibration was fitted.
    case unavailable(EstimateBasis)
    case binary(EstimatedBinaryPerformance, EstimateBasis)
    case multiclass(EstimatedMulticlassPerformance, EstimateBasis)

    /// What the estimate rests on (the alert's evidence; a rule's `min_samples` counts ``samples``).
    var basis: EstimateBasis? {
        switch self {
        case .notTracked: nil
        case let .unavailable(basis), let .binary(_, basis), let .multiclass(_, basis): basis
        }
    }

    /// Predictions of the window the estimate is (or would be) made from: a rule's `min_samples` counts these.
    var samples: Int { basis?.samples ?? 0 }

    func value(_ metric: EstimatedPerformanceMetric) -> Double? {
        let estimate: any EstimatedPerformanceValues
        switch self {
        case .notTracked, .unavailable: return nil
        case let .binary(binary, _): estimate = binary
        case let .multiclass(multiclass, _): estimate = multiclass
        }
        return switch metric {
        case .accuracy: estimate.accuracy
        case .precision: estimate.precision
        case .recall: estimate.recall
        case .f1: estimate.f1
        case .rocAUC: estimate.rocAUC
        }
    }
}

/// What both CBPE estimates give (a multiclass classifier's precision, recall, F1 and ROC
/// AUC are macro averages).
protocol EstimatedPerformanceValues {
    var accuracy: Double { get }
    var precision: Double { get }
    var recall: Double { get }
    var f1: Double { get }
    var rocAUC: Double? { get }
}

extension EstimatedBinaryPerformance: EstimatedPerformanceValues {}
extension EstimatedMulticlassPerformance: EstimatedPerformanceValues {}

/// The predictions of a drift window behind its CBPE estimate.
enum EstimateBasis: Equatable {
    /// A binary classifier's: predictions with a score and a predicted class, and those of
    /// them whose score was outside [0, 1] (estimated at the nearest end, ``PredictedScoreHistogram``).
    case scores(scored: Int, clipped: Int)
    /// A multiclass classifier's: predictions calibrated, those left out (no probability
    /// vector, an entry negative or not finite, or a predicted class the calibration does
    /// not know), and those recorded before the calibration was fitted.
    case classProbabilities(scored: Int, unscored: Int, uncalibrated: Int)

    /// The predictions an estimate is made from, with (multiclass) those it could not be
    /// made from for want of a calibration: a window of them lacks a value, not samples.
    var samples: Int {
        switch self {
        case let .scores(scored, _): scored
        case let .classProbabilities(scored, _, uncalibrated): scored + uncalibrated
        }
    }
}

struct Evaluation {
    var context: EvaluationContext
}

extension CategoricalSummary {
    /// The predictions of a class (a predicted-class summary's category) and all the
    /// predictions that name a class (missing ones left out).
    func share(of name: String) -> (predicted: Int, predictions: Int) { (counts[name] ?? 0, presentCount) }
}

extension MulticlassOutcomeSummary {
    /// A multiclass classifier's value of a binary classifier's metric that means the same
    /// (accuracy, log loss, Brier score); nil for the others and on an empty window.
    package func value(_ metric: PerformanceMetric) -> Double? {
        switch metric {
        case .accuracy: accuracy
        case .logLoss: logLoss
        case .brier: brierScore
        case .precision, .recall, .fpr, .f1, .selectionRate, .rocAUC, .ece: nil
        }
    }

    /// An average over the classes (nil on an empty window).
    package func value(_ metric: MulticlassMetric) -> Double? {
        switch metric {
        case .macroF1: macro?.f1
        case .microF1: micro?.f1
        case .weightedF1: weighted?.f1
        case .macroPrecision: macro?.precision
        case .macroRecall: macro?.recall
        }
    }

    /// One class's value (nil for a class the window has no row or probability of).
    package func value(_ metric: ClassMetric, of name: String) -> Double? {
        let metrics = perClass.first { $0.name == name }
        return switch metric {
        case .precision: metrics?.precision
        case .recall: metrics?.recall
        case .f1: metrics?.f1
        case .calibrationError: calibration[name]?.expectedCalibrationError
        }
    }

    /// The rows a class's value is computed over: its labelled predictions (true or
    /// predicted class) for precision, recall and F1; the rows whose probabilities name it
    /// for calibration.
    package func samples(_ metric: ClassMetric, of name: String) -> Int {
        switch metric {
        case .precision, .recall, .f1:
            guard let index = classes.firstIndex(of: name) else { return 0 }
            return Int(confusion[index].reduce(0, +) + confusion.reduce(0) { $0 + $1[index] } - confusion[index][index])
        case .calibrationError:
            return Int(calibration[name]?.counts.reduce(0, +) ?? 0)
        }
    }

    /// Every class of the window: in its confusion matrix or named by its probabilities, by name.
    package var allClassNames: [String] { Set(classes).union(calibration.keys).sorted() }
}

extension RegressionSummary {
    /// A regression metric's value (nil on an empty window; R² also on a single row).
    package func value(_ metric: RegressionMetric) -> Double? {
        switch metric {
        case .mae: meanAbsoluteError
        case .rmse: rootMeanSquaredError
        case .mape: meanAbsolutePercentageError
        case .bias: bias
        case .r2: r2
        }
    }
}

extension ResidualDriftMetric {
    /// The window's residuals against the reference's (nil when either has none).
    func value(of residuals: ResidualHistogram, reference: ResidualHistogram) -> Double? {
        switch self {
        case .psi: residuals.populationStabilityIndex(against: reference)
        case .ks: residuals.kolmogorovSmirnov(against: reference)
        }
    }
}

/// Performance metrics of a window of labelled predictions.
package enum PerformanceMetrics {
    package static func value(_ metric: PerformanceMetric, of outcome: BinaryOutcomeSummary) -> Double? {
        guard outcome.labelledCount > 0 else { return nil }
        return switch metric {
        case .accuracy: outcome.accuracy
        case .precision: outcome.precision
        case .recall: outcome.recall
        case .fpr: outcome.falsePositiveRate
        case .f1: outcome.f1
        case .selectionRate: outcome.selectionRate
        case .rocAUC: outcome.rocAUC
        case .brier: outcome.brierScore
        case .logLoss: outcome.logLoss
        case .ece: outcome.expectedCalibrationError
        }
    }

    /// How likely sampling noise alone is to make a window's metric differ from the
    /// reference's this much: the two-sided pooled two-proportion z-test for the metrics
    /// that are proportions, Hanley–McNeil for ROC AUC; nil for F1, Brier, log loss and ECE.
    package static func pValue(_ metric: PerformanceMetric, of outcome: BinaryOutcomeSummary, reference: BinaryOutcomeSummary) -> Double? {
        if metric == .rocAUC {
            guard let auc = outcome.rocAUC, let baseline = reference.rocAUC else { return nil }
            return HypothesisTests.aucDifferencePValue(
                auc, positives1: Int(outcome.actualPositives), negatives1: Int(outcome.actualNegatives),
                baseline, positives2: Int(reference.actualPositives), negatives2: Int(reference.actualNegatives))
        }
        func proportion(_ summary: BinaryOutcomeSummary) -> (successes: UInt64, trials: UInt64)? {
            switch metric {
            case .accuracy: (summary.truePositives + summary.trueNegatives, summary.labelledCount)
            case .precision: (summary.truePositives, summary.truePositives + summary.falsePositives)
            case .recall: (summary.truePositives, summary.actualPositives)
            case .fpr: (summary.falsePositives, summary.actualNegatives)
            case .selectionRate: (summary.predictedPositiveCount, summary.predictionCount)
            case .f1, .rocAUC, .brier, .logLoss, .ece: nil
            }
        }
        guard let window = proportion(outcome), let baseline = proportion(reference), window.trials > 0, baseline.trials > 0 else { return nil }
        return HypothesisTests.twoProportionZTest(successes1: Int(window.successes), trials1: Int(window.trials),
                                                  successes2: Int(baseline.successes), trials2: Int(baseline.trials))
    }
}

extension FairnessMetric {
    /// Whether the gap is between selection rates, defined on every prediction (demographic
    /// parity), rather than between rates of labelled predictions.
    var usesSelection: Bool {
        switch self {
        case .demographicParityDifference, .demographicParityRatio: true
        case .equalizedOddsDifference, .equalizedOddsRatio, .equalOpportunityDifference, .equalOpportunityRatio: false
        }
    }

    fileprivate var isRatio: Bool {
        switch self {
        case .demographicParityRatio, .equalizedOddsRatio, .equalOpportunityRatio: true
        case .demographicParityDifference, .equalizedOddsDifference, .equalOpportunityDifference: false
        }
    }
}

/// Fairness gaps of a report.
package enum FairnessMetrics {
    package static func value(_ metric: FairnessMetric, of report: FairnessReport) -> Double? {
        let gap: FairnessReport.Gap? = switch metric {
        case .demographicParityDifference, .demographicParityRatio: report.demographicParity
        case .equalizedOddsDifference, .equalizedOddsRatio: report.equalizedOdds
        case .equalOpportunityDifference, .equalOpportunityRatio: report.equalOpportunity
        }
        return metric.isRatio ? gap?.ratio : gap?.difference
    }

    /// How likely sampling noise alone is to make the groups' selection rates as far apart:
    /// the two-sided two-proportion z-test between the groups with the lowest and highest
    /// rate, times the number of group pairs (Bonferroni: the extremes are picked after
    /// looking). Demographic parity only; nil for the gaps of labelled rates.
    package static func pValue(_ metric: FairnessMetric, of report: FairnessReport) -> Double? {
        guard metric.usesSelection else { return nil }
        let excluded = Set(report.excludedFromSelectionGaps)
        let groups = report.groups.filter { !excluded.contains($0.key) && $0.predictionCount > 0 }
        guard groups.count >= 2, let lowest = groups.min(by: { $0.selectionRate.value < $1.selectionRate.value }),
              let highest = groups.max(by: { $0.selectionRate.value < $1.selectionRate.value }) else { return nil }
        func selected(_ group: FairnessReport.Group) -> Int { Int((group.selectionRate.value * Double(group.predictionCount)).rounded()) }
        let p = HypothesisTests.twoProportionZTest(successes1: selected(lowest), trials1: Int(lowest.predictionCount),
                                                   successes2: selected(highest), trials2: Int(highest.predictionCount))
        return min(1, p * Double(groups.count * (groups.count - 1) / 2))
    }

    /// Predictions (selection) or labelled predictions in the groups the gap uses.
    package static func samples(_ metric: FairnessMetric, of report: FairnessReport) -> Int {
        let selection = metric.usesSelection
        let excluded = Set(selection ? report.excludedFromSelectionGaps : report.excludedFromLabelGaps)
        return report.groups.filter { !excluded.contains($0.key) }
            .reduce(0) { $0 + Int(selection ? $1.predictionCount : $1.labelledCount) }
    }
}

extension MetricName {
    /// Which evaluation judges rules on this metric: a closed drift window or a
    /// performance window with enough labels.
    var evaluationKind: EvaluationContext.Kind {
        switch self {
        case .feature: .drift
        case let .health(metric):
            switch metric {
            case .driftedFeatureShare, .volume, .lateEventRate, .rejectedRate: .drift
            case .labelCoverage: .performance
            }
        case .performance, .changeDetector, .regression, .regressionFairness, .residualDrift, .multiclass, .perClass,
             .multiclassFairness: .performance
        case .estimated, .classShare: .drift
        case let .fairness(metric): metric.usesSelection ? .drift : .performance
        }
    }
}

extension FeatureMetric {
    /// The value that means "no difference from the reference" (what hysteresis releases
    /// towards); nil for `missing_rate`, whose no-effect value is the reference's own rate.
    var noEffectValue: Double? {
        switch self {
        case .psi, .js, .hellinger, .ks, .wasserstein, .meanShift, .tvd, .chi2, .newCategoryRate, .categoryOverflowRate,
             .missingRateDelta, .typeErrorRate, .outOfRangeRate: 0
        case .stdRatio, .ksPValue, .chi2PValue, .missingRatePValue: 1
        case .missingRate: nil
        }
    }
}

/// A between-groups gap metric of a per-group summary (a multiclass classifier's accuracy,
/// a regression model's mean absolute error), as a rule reads it off the summary's report.
package protocol GroupGapMetric {
    associatedtype Summary: GroupTableSummary
    associatedtype Report
    static func report(of summary: Summary, minimumGroupSize: Int) -> Report
    func value(of report: Report) -> Double?
    /// Labelled predictions of the groups the gap uses.
    static func samples(of report: Report) -> Int
    /// Equal groups: a ratio of 1, a difference of 0.
    var noEffectValue: Double { get }
}

extension MulticlassFairnessMetric: GroupGapMetric {
    package static func report(of summary: GroupAccuracySummary, minimumGroupSize: Int) -> GroupAccuracyReport {
        summary.report(minimumGroupSize: minimumGroupSize)
    }

    package func value(of report: GroupAccuracyReport) -> Double? {
        switch self {
        case .accuracyDifference: report.accuracyGap?.difference
        case .accuracyRatio: report.accuracyGap?.ratio
        }
    }

    /// Labelled predictions of the groups the gap uses.
    package static func samples(of report: GroupAccuracyReport) -> Int {
        report.groups.filter { !report.excluded.contains($0.key) }.reduce(0) { $0 + $1.rows }
    }

    /// Equal groups: a ratio of 1, a difference of 0.
    package var noEffectValue: Double {
        switch self {
        case .accuracyDifference: 0
        case .accuracyRatio: 1
        }
    }
}

extension RegressionFairnessMetric: GroupGapMetric {
    package static func report(of summary: RegressionFairnessSummary, minimumGroupSize: Int) -> RegressionFairnessReport {
        summary.report(minimumGroupSize: minimumGroupSize)
    }

    package func value(of report: RegressionFairnessReport) -> Double? {
        switch self {
        case .maeDifference: report.meanAbsoluteErrorGap?.difference
        case .maeRatio: report.meanAbsoluteErrorGap?.ratio
        }
    }

    /// Labelled predictions of the groups the gap uses.
    package static func samples(of report: RegressionFairnessReport) -> Int {
        report.groups.filter { !report.excluded.contains($0.key) }.reduce(0) { $0 + $1.count }
    }

    /// Equal groups: a ratio of 1, a difference of 0.
    package var noEffectValue: Double {
        switch self {
        case .maeDifference: 0
        case .maeRatio: 1
        }
    }
}

extension FairnessMetric {
    /// Equal groups: a ratio of 1, a difference of 0.
    var noEffectValue: Double { isRatio ? 1 : 0 }
}
