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

/// Performance metrics of a window of labelled predictions, by catalogue name.
enum PerformanceMetrics {
    static let names = ["accuracy", "precision", "recall", "fpr", "f1", "selection_rate", "roc_auc", "brier", "log_loss", "ece"]

    static func value(_ name: String, of outcome: BinaryOutcomeSummary) -> Double? {
        guard outcome.labelledCount > 0 else { return nil }
        return switch name {
        case "accuracy": outcome.accuracy
        case "precision": outcome.precision
        case "recall": outcome.recall
        case "fpr": outcome.falsePositiveRate
        case "f1": outcome.f1
        case "selection_rate": outcome.selectionRate
        case "roc_auc": outcome.rocAUC
        case "brier": outcome.brierScore
        case "log_loss": outcome.logLoss
        case "ece": outcome.expectedCalibrationError
        default: nil
        }
    }
}

/// Fairness gaps by catalogue name.
enum FairnessMetrics {
    static let selectionNames = ["demographic_parity_difference", "demographic_parity_ratio"]
    static let labelNames = ["equalized_odds_difference", "equalized_odds_ratio", "equal_opportunity_difference", "equal_opportunity_ratio"]

    static func value(_ name: String, of report: FairnessReport) -> Double? {
        let gap: FairnessReport.Gap? = switch name {
        case "demographic_parity_difference", "demographic_parity_ratio": report.demographicParity
        case "equalized_odds_difference", "equalized_odds_ratio": report.equalizedOdds
        default: report.equalOpportunity
        }
        return name.hasSuffix("_ratio") ? gap?.ratio : gap?.difference
    }

    /// Predictions (selection) or labelled predictions in the groups the gaps use.
    static func samples(_ name: String, of report: FairnessReport) -> Int {
        let selection = selectionNames.contains(name)
        let excluded = Set(selection ? report.excludedFromSelectionGaps : report.excludedFromLabelGaps)
        return report.groups.filter { !excluded.contains($0.key) }
            .reduce(0) { $0 + Int(selection ? $1.predictionCount : $1.labelledCount) }
    }
}
