import MonitorCore

/// Which part of the report a metric belongs to, and which rules watch a series.
enum ReportSection: String, CaseIterable {
    case drift = "Drift"
    case performance = "Performance"
    case fairness = "Fairness"
    case quality = "Data quality"

    static let qualityMetrics: Set<String> = [
        FeatureMetric.missingRate, .missingRateDelta, .newCategoryRate, .typeErrorRate, .outOfRangeRate, .categoryOverflowRate,
    ].map(\.rawValue).reduce(into: Set([HealthMetric.volume, .lateEventRate, .rejectedRate].map(\.rawValue))) { $0.insert($1) }

    /// A regression model's errors and their distribution's drift are its performance, as are
    /// a multiclass classifier's averages over classes and per-class rates, and performance
    /// estimated before labels (CBPE); their per-group gaps are fairness. A class's share of
    /// the predictions is drift.
    init(metric: String) {
        if PerformanceMetric(rawValue: metric) != nil || metric == HealthMetric.labelCoverage.rawValue || RegressionMetric(rawValue: metric) != nil
            || EstimatedPerformanceMetric(rawValue: metric) != nil
            || ResidualDriftMetric(rawValue: metric) != nil || MulticlassMetric(rawValue: metric) != nil || ClassMetric(rawValue: metric) != nil {
            self = .performance
        } else if FairnessMetric(rawValue: metric) != nil || RegressionFairnessMetric(rawValue: metric) != nil
            || MulticlassFairnessMetric(rawValue: metric) != nil {
            self = .fairness
        } else if Self.qualityMetrics.contains(metric) {
            self = .quality
        } else {
            self = .drift
        }
    }

    /// Metrics charted whether or not a rule watches them: a binary or multiclass classifier's
    /// accuracy, a multiclass classifier's macro F1, a regression model's MAE, RMSE and bias
    /// (each series exists only for its model type).
    static let alwaysCharted: Set<String> = Set([HealthMetric.volume, .labelCoverage].map(\.rawValue) + [PerformanceMetric.accuracy.rawValue]
        + [MulticlassMetric.macroF1.rawValue] + [RegressionMetric.mae, .rmse, .bias].map(\.rawValue))
}

/// The rules that watch one series: same metric, and the rule's selector admits the model,
/// version and subject (a feature's kind is told by the series it has: only numeric
/// features get `ks`).
struct RuleMatcher {
    let rules: [Rule]
    let numericFeatures: Set<String>

    init(rules: [Rule], seriesKeys: some Sequence<SeriesKey>) {
        self.rules = rules
        numericFeatures = Set(seriesKeys.filter { $0.metric == FeatureMetric.ks.rawValue }.map(\.subject))
    }

    static let outputSubjects: Set<String> = [MetricSubject.score.name, MetricSubject.prediction.name, MetricSubject.model.name]

    func rules(watching key: SeriesKey) -> [Rule] {
        rules.filter { rule in
            guard rule.metric.name.rawValue == key.metric, rule.selector.matches(model: key.model, version: key.version) else { return false }
            switch rule.scope {
            case .features:
                // The model's outputs have the features' statistics too, under their own subject names.
                guard !Self.outputSubjects.contains(key.subject) else { return false }
                return rule.selector.matches(feature: key.subject, kind: numericFeatures.contains(key.subject) ? .numeric : .categorical)
            case .score: return key.subject == "score"
            case .prediction: return key.subject == "prediction"
            case .model: return key.subject == "model"
            case .classes: return rule.selector.matches(class: key.subject)
            case .fairness:
                return rule.selector.everyAttribute || rule.selector.attributes.contains { $0.joined(separator: "×") == key.subject }
            }
        }
    }
}
