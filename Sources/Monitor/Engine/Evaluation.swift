import DriftCore

/// Everything known about one evaluated window of one model version: what rules are
/// judged on, and what the metrics series records.
struct EvaluationContext {
    enum Kind: String {
        /// A drift window closed: inputs, outputs, data quality, selection fairness.
        case drift
        /// A performance window gathered enough labels: accuracy & co, detectors, label fairness.
        case performance
    }

    var model: String
    var version: String
    var kind: Kind
    var windowStart: Int64
    var windowEnd: Int64
    /// Predictions in the window.
    var count: Int
    var reference: ActiveReference
    var referencePerformance: ReferencePerformance

    // Drift evaluations.
    var featureMetrics: [MetricObservation] = []
    var selection: [([String], FairnessSummary)] = []
    var volume: Int?
    var lateEventRate: Double?
    var rejectedRate: Double?

    // Performance evaluations.
    var outcome: BinaryOutcomeSummary?
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

struct Evaluation {
    var context: EvaluationContext
}

/// Performance metrics of a window of labelled predictions.
enum PerformanceMetrics {
    static func value(_ metric: PerformanceMetric, of outcome: BinaryOutcomeSummary) -> Double? {
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
enum FairnessMetrics {
    static func value(_ metric: FairnessMetric, of report: FairnessReport) -> Double? {
        let gap: FairnessReport.Gap? = switch metric {
        case .demographicParityDifference, .demographicParityRatio: report.demographicParity
        case .equalizedOddsDifference, .equalizedOddsRatio: report.equalizedOdds
        case .equalOpportunityDifference, .equalOpportunityRatio: report.equalOpportunity
        }
        return metric.isRatio ? gap?.ratio : gap?.difference
    }

    /// Predictions (selection) or labelled predictions in the groups the gap uses.
    static func samples(_ metric: FairnessMetric, of report: FairnessReport) -> Int {
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
        case .performance, .changeDetector: .performance
        case let .fairness(metric): metric.usesSelection ? .drift : .performance
        }
    }
}
