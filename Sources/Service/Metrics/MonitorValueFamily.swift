import MonitorCore

/// The `/metrics` family of each value the monitor computes: one family per metric, so
/// that a family holds one unit (`_ratio` for shares in [0, 1], `_stddevs`, `_distance`,
/// `_pvalue`, ...), named by what the value is about:
/// - `driftwatch_feature_drift_*{model,version,feature}`: drift statistics of a feature,
///   of the score (`feature="score"`) or of the predicted class (`feature="prediction"`);
/// - `driftwatch_feature_*_ratio{model,version,feature}`: data quality of the same;
/// - `driftwatch_model_*{model,version}`: traffic, label coverage and performance, realized
///   (`driftwatch_model_performance_*`) and estimated before labels (`driftwatch_model_estimated_*`);
/// - `driftwatch_model_error_drift_signal{model,version,detector}`: change detectors;
/// - `driftwatch_fairness_*{model,version,attribute}`: gaps between a sensitive attribute's groups;
/// - `driftwatch_model_multiclass_*{model,version}`: a multiclass classifier's averages over
///   its classes, and `driftwatch_class_*{model,version,class}` each class's metrics.
///
/// The switches are exhaustive over ``MetricName``: a metric cannot be added to the
/// catalogue without a family here. HELP texts are the catalogue's summaries.
struct MonitorValueFamily: Sendable, Hashable {
    /// What the series' subject label is called (`nil`: the model version as a whole).
    enum SubjectLabel: String, Sendable, Hashable {
        case feature, attribute, detector
        case classLabel = "class"
    }

    let descriptor: PrometheusFamily
    let subjectLabel: SubjectLabel?

    init(_ metric: MetricName) {
        let definition = MetricCatalog.definition(metric)
        let help = "\(definition.family.rawValue): \(definition.summary)"
        let name: String
        switch metric {
        case let .feature(feature):
            name = "driftwatch_feature_" + Self.suffix(feature)
            subjectLabel = .feature
        case let .health(health):
            name = "driftwatch_model_" + Self.suffix(health)
            subjectLabel = nil
        case let .performance(performance):
            name = "driftwatch_model_performance_" + Self.suffix(performance)
            subjectLabel = nil
        case let .estimated(estimated):
            name = "driftwatch_model_estimated_" + Self.suffix(estimated.realized)
            subjectLabel = nil
        case .changeDetector:
            // One family for every detector: each is a 0/1 signal of the same meaning.
            descriptor = PrometheusFamily(
                "driftwatch_model_error_drift_signal",
                "change detector on the error stream: 1 when the detector (label) signalled drift since the previous evaluation, else 0")
            subjectLabel = .detector
            return
        case .fairness, .regressionFairness, .multiclassFairness:
            // A gap between a sensitive attribute's groups, whatever the model type.
            name = "driftwatch_fairness_" + metric.rawValue
            subjectLabel = .attribute
        case let .regression(regression):
            name = "driftwatch_model_regression_" + regression.rawValue
            subjectLabel = nil
        case let .residualDrift(drift):
            name = "driftwatch_model_" + drift.rawValue
            subjectLabel = nil
        case let .multiclass(multiclass):
            name = "driftwatch_model_multiclass_" + multiclass.rawValue
            subjectLabel = nil
        case let .perClass(metric):
            name = "driftwatch_" + metric.rawValue
            subjectLabel = .classLabel
        case let .classShare(metric):
            name = "driftwatch_" + metric.rawValue + "_ratio"
            subjectLabel = .classLabel
        }
        descriptor = PrometheusFamily(name, help)
    }

    /// Every family, once (the change detectors share one).
    static let all: [MonitorValueFamily] = {
        var seen = Set<String>()
        return MetricName.allCases.map(MonitorValueFamily.init).filter { seen.insert($0.descriptor.name).inserted }
    }()

    /// The labels of one series: model, version and, unless the metric is about the model
    /// version as a whole, its subject (for a change detector: the detector's name).
    func labels(model: String, version: String, subject: String, metric: MetricName) -> [(String, String)] {
        var labels = [("model", model), ("version", version)]
        switch subjectLabel {
        case .detector?: labels.append((SubjectLabel.detector.rawValue, metric.rawValue))
        case let label?: labels.append((label.rawValue, subject))
        case nil: break
        }
        return labels
    }

    private static func suffix(_ metric: FeatureMetric) -> String {
        switch metric {
        case .psi: "drift_psi"
        case .js: "drift_js_distance"
        case .hellinger: "drift_hellinger_distance"
        case .ks: "drift_ks_statistic"
        case .ksPValue: "drift_ks_pvalue"
        case .wasserstein: "drift_wasserstein_distance"
        case .meanShift: "drift_mean_shift_stddevs"
        case .stdRatio: "drift_std_ratio"
        case .tvd: "drift_total_variation_distance"
        case .chi2: "drift_chi2_statistic"
        case .chi2PValue: "drift_chi2_pvalue"
        case .newCategoryRate: "new_category_ratio"
        case .categoryOverflowRate: "category_overflow_ratio"
        case .missingRate: "missing_ratio"
        case .missingRateDelta: "missing_ratio_delta"
        case .missingRatePValue: "missing_ratio_pvalue"
        case .typeErrorRate: "type_error_ratio"
        case .outOfRangeRate: "out_of_range_ratio"
        }
    }

    private static func suffix(_ metric: HealthMetric) -> String {
        switch metric {
        case .driftedFeatureShare: "drifted_features_ratio"
        case .volume: "window_predictions"
        case .lateEventRate: "late_events_ratio"
        case .labelCoverage: "label_coverage_ratio"
        case .rejectedRate: "rejected_messages_ratio"
        }
    }

    private static func suffix(_ metric: PerformanceMetric) -> String {
        switch metric {
        case .accuracy: "accuracy_ratio"
        case .precision: "precision_ratio"
        case .recall: "recall_ratio"
        case .fpr: "false_positive_ratio"
        case .f1: "f1_score"
        case .selectionRate: "selection_ratio"
        case .rocAUC: "roc_auc"
        case .brier: "brier_score"
        case .logLoss: "log_loss"
        case .ece: "expected_calibration_error"
        }
    }
}
