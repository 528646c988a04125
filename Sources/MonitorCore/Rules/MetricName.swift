/// A metric of the catalogue, as one type that the catalogue, the code computing metrics
/// and the rule evaluator share: switches over it are exhaustive, so a metric cannot be
/// listed without being computed or computed without being judged. Only rule loading
/// turns text into a metric (``MetricCatalog/metric(named:)``); an unknown name fails
/// there, with its file, line and column.
///
/// Grouped by what computes the value; ``rawValue`` is the name rules, alerts and metric
/// lines use.
package enum MetricName: Hashable, Sendable, CaseIterable, CustomStringConvertible, RawRepresentable {
    /// Drift statistics and data quality of a feature, the score or the predicted class.
    case feature(FeatureMetric)
    /// The model version's traffic and inputs as a whole.
    case health(HealthMetric)
    /// Performance on labelled predictions.
    case performance(PerformanceMetric)
    /// Performance estimated from a drift window's scores, before its labels arrive.
    case estimated(EstimatedPerformanceMetric)
    /// A change detector on the error stream.
    case changeDetector(ErrorStreamDetector.Kind)
    /// A gap between the groups of a sensitive attribute.
    case fairness(FairnessMetric)
    /// A regression model's performance on labelled predictions.
    case regression(RegressionMetric)
    /// A gap between a regression model's errors in the groups of a sensitive attribute.
    case regressionFairness(RegressionFairnessMetric)
    /// A regression model's residuals against the reference's.
    case residualDrift(ResidualDriftMetric)
    /// A multiclass classifier's averages over its classes on labelled predictions.
    case multiclass(MulticlassMetric)
    /// One class of a multiclass classifier on labelled predictions (one subject per class).
    case perClass(ClassMetric)
    /// A gap between a multiclass classifier's accuracies in the groups of a sensitive attribute.
    case multiclassFairness(MulticlassFairnessMetric)
    /// One predicted class of a multiclass classifier on drift windows, without labels (one subject per class).
    case classShare(ClassShareMetric)

    package static let allCases: [MetricName] = FeatureMetric.allCases.map(feature) + HealthMetric.allCases.map(health)
        + PerformanceMetric.allCases.map(performance) + EstimatedPerformanceMetric.allCases.map(estimated) + ErrorStreamDetector.Kind.allCases.map(changeDetector)
        + FairnessMetric.allCases.map(fairness) + RegressionMetric.allCases.map(regression)
        + RegressionFairnessMetric.allCases.map(regressionFairness) + ResidualDriftMetric.allCases.map(residualDrift)
        + MulticlassMetric.allCases.map(multiclass) + ClassMetric.allCases.map(perClass)
        + MulticlassFairnessMetric.allCases.map(multiclassFairness) + ClassShareMetric.allCases.map(classShare)

    private static let byRawValue = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    package init?(rawValue: String) {
        guard let name = Self.byRawValue[rawValue] else { return nil }
        self = name
    }

    package var rawValue: String {
        switch self {
        case let .feature(metric): metric.rawValue
        case let .health(metric): metric.rawValue
        case let .performance(metric): metric.rawValue
        case let .estimated(metric): metric.rawValue
        case let .changeDetector(kind): kind.rawValue
        case let .fairness(metric): metric.rawValue
        case let .regression(metric): metric.rawValue
        case let .regressionFairness(metric): metric.rawValue
        case let .residualDrift(metric): metric.rawValue
        case let .multiclass(metric): metric.rawValue
        case let .perClass(metric): metric.rawValue
        case let .multiclassFairness(metric): metric.rawValue
        case let .classShare(metric): metric.rawValue
        }
    }

    package var description: String { rawValue }

    /// The model types whose windows have this metric: performance, the error stream's
    /// detectors and fairness are a binary classifier's (accuracy, log loss and Brier score a
    /// multiclass classifier's too, meaning the same); CBPE a binary or multiclass
    /// classifier's; drift and health any model's.
    package var modelTypes: Set<ModelType> {
        switch self {
        case .feature, .health: Set(ModelType.allCases)
        case let .performance(metric): metric.isMulticlass ? [.binary, .multiclass] : [.binary]
        case .estimated: [.binary, .multiclass]
        case .changeDetector, .fairness: [.binary]
        case .regression, .regressionFairness, .residualDrift: [.regression]
        case .multiclass, .perClass, .multiclassFairness, .classShare: [.multiclass]
        }
    }
}

/// A regression model's performance metrics of labelled predictions (``RegressionSummary``,
/// checked against scikit-learn), in the order metric lines list them.
package enum RegressionMetric: String, Sendable, Hashable, CaseIterable {
    case mae, rmse, mape, bias, r2
}

/// Drift of a regression model's residuals (label − prediction) in a performance window
/// against the reference's (``ResidualHistogram``, checked against scipy), in the order
/// metric lines list them.
package enum ResidualDriftMetric: String, Sendable, Hashable, CaseIterable {
    case psi = "residual_psi"
    case ks = "residual_ks"
}

/// A multiclass classifier's averages over its classes (``MulticlassOutcomeSummary``,
/// checked against scikit-learn), in the order metric lines list them.
package enum MulticlassMetric: String, Sendable, Hashable, CaseIterable {
    case macroF1 = "macro_f1"
    case microF1 = "micro_f1"
    case weightedF1 = "weighted_f1"
    case macroPrecision = "macro_precision"
    case macroRecall = "macro_recall"
}

/// Metrics of one class of a multiclass classifier, one-vs-rest (``MulticlassOutcomeSummary``):
/// rules on them have scope `classes`, and each class is a subject.
package enum ClassMetric: String, Sendable, Hashable, CaseIterable {
    case precision = "class_precision"
    case recall = "class_recall"
    case f1 = "class_f1"
    case calibrationError = "class_calibration_error"
}

/// Gaps between a multiclass classifier's accuracies in the groups of a sensitive attribute
/// (``GroupAccuracySummary``, Fairlearn's `MetricFrame(accuracy_score)` between-groups gap).
package enum MulticlassFairnessMetric: String, Sendable, Hashable, CaseIterable {
    case accuracyDifference = "accuracy_difference"
    case accuracyRatio = "accuracy_ratio"
}

/// Gaps between a regression model's mean absolute errors in the groups of a sensitive
/// attribute (``RegressionFairnessSummary``, checked against Fairlearn), in the order metric
/// lines list them.
package enum RegressionFairnessMetric: String, Sendable, Hashable, CaseIterable {
    case maeDifference = "mae_difference"
    case maeRatio = "mae_ratio"
}

/// Metrics of one feature, the score or the predicted class in a drift window. The case
/// order is the order metric lines list them in.
package enum FeatureMetric: String, Sendable, Hashable, CaseIterable, Comparable {
    case psi, js, hellinger, ks
    case ksPValue = "ks_pvalue"
    case wasserstein
    case meanShift = "mean_shift"
    case stdRatio = "std_ratio"
    case tvd, chi2
    case chi2PValue = "chi2_pvalue"
    case newCategoryRate = "new_category_rate"
    case categoryOverflowRate = "category_overflow_rate"
    case missingRate = "missing_rate"
    case missingRateDelta = "missing_rate_delta"
    case missingRatePValue = "missing_rate_pvalue"
    case typeErrorRate = "type_error_rate"
    case outOfRangeRate = "out_of_range_rate"

    /// By name, as checkpoints order them.
    package static func < (lhs: FeatureMetric, rhs: FeatureMetric) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Metrics of a model version's traffic and inputs as a whole.
package enum HealthMetric: String, Sendable, Hashable, CaseIterable {
    case driftedFeatureShare = "drifted_feature_share"
    case volume
    case lateEventRate = "late_event_rate"
    case labelCoverage = "label_coverage"
    case rejectedRate = "rejected_rate"
}

/// Performance metrics of labelled predictions, in the order metric lines list them.
package enum PerformanceMetric: String, Sendable, Hashable, CaseIterable {
    case accuracy, precision, recall, fpr, f1
    case selectionRate = "selection_rate"
    case rocAUC = "roc_auc"
    case brier
    case logLoss = "log_loss"
    case ece

    /// Whether a multiclass classifier has it too (``MulticlassOutcomeSummary``): accuracy,
    /// and with class probabilities log loss and the (multiclass) Brier score.
    package var isMulticlass: Bool { [.accuracy, .logLoss, .brier].contains(self) }
}

/// Drift of a multiclass classifier's predicted classes one class at a time (scope
/// `classes`), on drift windows: what the class mix as a whole (`psi`, `js`, `tvd`, `chi2` of
/// the `prediction` subject) does not say — which class moved.
package enum ClassShareMetric: String, Sendable, Hashable, CaseIterable {
    /// The share of the window's predictions that predict the class (the reference's share is `reference`).
    case share = "class_share"
}

/// Performance estimated by confidence-based performance estimation (CBPE) from a drift
/// window's scores (a binary classifier's) or class probabilities (a multiclass
/// classifier's: precision, recall and F1 are macro averages) alone, in the order metric
/// lines list them.
package enum EstimatedPerformanceMetric: String, Sendable, Hashable, CaseIterable {
    case accuracy = "estimated_accuracy"
    case precision = "estimated_precision"
    case recall = "estimated_recall"
    case f1 = "estimated_f1"
    case rocAUC = "estimated_roc_auc"

    /// The metric it estimates: the reference's realized value of it is what `reference` means.
    package var realized: PerformanceMetric {
        switch self {
        case .accuracy: .accuracy
        case .precision: .precision
        case .recall: .recall
        case .f1: .f1
        case .rocAUC: .rocAUC
        }
    }
}

/// Fairness gaps between groups, in the order metric lines list them.
package enum FairnessMetric: String, Sendable, Hashable, CaseIterable {
    case demographicParityDifference = "demographic_parity_difference"
    case demographicParityRatio = "demographic_parity_ratio"
    case equalizedOddsDifference = "equalized_odds_difference"
    case equalizedOddsRatio = "equalized_odds_ratio"
    case equalOpportunityDifference = "equal_opportunity_difference"
    case equalOpportunityRatio = "equal_opportunity_ratio"
}
