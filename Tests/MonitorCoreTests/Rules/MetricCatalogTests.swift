import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct MetricCatalogTests {
    @Test func namesAreUniqueAndEveryMetricIsUsable() {
        #expect(Set(MetricCatalog.names).count == MetricCatalog.all.count)
        for metric in MetricCatalog.all {
            #expect(!metric.scopes.isEmpty, "\(metric.name)")
            #expect(!metric.summary.isEmpty, "\(metric.name)")
            #expect(Set(metric.parameters.map(\.name)).count == metric.parameters.count, "\(metric.name)")
        }
    }

    @Test func theBriefsCatalogueIsComplete() {
        let expected = [
            "psi", "js", "hellinger", "ks", "ks_pvalue", "wasserstein", "mean_shift", "std_ratio", "tvd", "chi2", "chi2_pvalue",
            "new_category_rate", "missing_rate", "missing_rate_delta", "missing_rate_pvalue", "type_error_rate",
            "out_of_range_rate", "category_overflow_rate", "drifted_feature_share", "volume", "late_event_rate", "label_coverage", "rejected_rate",
            "accuracy", "precision", "recall", "fpr", "f1", "selection_rate", "roc_auc", "brier", "log_loss", "ece",
            "estimated_accuracy", "estimated_precision", "estimated_recall", "estimated_f1", "estimated_roc_auc", "adwin",
            "ddm", "eddm", "page_hinkley", "demographic_parity_difference", "demographic_parity_ratio",
            "equalized_odds_difference", "equalized_odds_ratio", "equal_opportunity_difference", "equal_opportunity_ratio",
            "mae", "rmse", "mape", "bias", "r2", "mae_difference", "mae_ratio", "residual_psi", "residual_ks",
            "macro_f1", "micro_f1", "weighted_f1", "macro_precision", "macro_recall",
            "class_precision", "class_recall", "class_f1", "class_calibration_error", "accuracy_difference", "accuracy_ratio", "class_share",
        ]
        #expect(Set(MetricCatalog.names) == Set(expected))
    }

    @Test func everyMetricNameHasExactlyOneDefinition() {
        #expect(MetricCatalog.all.map(\.name).sorted { $0.rawValue < $1.rawValue } == MetricName.allCases.sorted { $0.rawValue < $1.rawValue })
        for name in MetricName.allCases {
            #expect(MetricCatalog.definition(name).name == name)
            #expect(MetricName(rawValue: name.rawValue) == name)
            #expect(MetricCatalog.metric(named: name.rawValue)?.name == name)
        }
        #expect(MetricName(rawValue: "psy") == nil)
        #expect(MetricCatalog.metric(named: "page-hinkley") == nil)
    }

    /// The family a definition documents is the group its name is computed by.
    @Test func familiesMatchNames() {
        for metric in MetricCatalog.all {
            let families: [MetricFamily] = switch metric.name {
            case .feature: [.driftStatistic, .dataQuality]
            case .health: [.modelHealth]
            case .performance, .estimated, .regression, .multiclass, .perClass: [.performance]
            case .changeDetector: [.changeDetector]
            case .fairness, .regressionFairness, .multiclassFairness: [.fairness]
            case .residualDrift, .classShare: [.driftStatistic]
            }
            #expect(families.contains(metric.family), "\(metric.name)")
        }
    }

    @Test func scopesFollowFeatureKinds() throws {
        let ks = try #require(MetricCatalog.metric(named: "ks"))
        #expect(ks.scopes == [.features, .score])
        #expect(ks.featureKind == .numeric)
        let chi2 = try #require(MetricCatalog.metric(named: "chi2"))
        #expect(chi2.scopes == [.features, .prediction])
        let psi = try #require(MetricCatalog.metric(named: "psi"))
        #expect(psi.scopes == [.features, .score, .prediction])
        #expect(psi.impliedScope == nil)
        #expect(MetricCatalog.metric(named: "accuracy")?.impliedScope == .model)
        #expect(MetricCatalog.metric(named: "estimated_accuracy")?.impliedScope == .model)
        #expect(MetricCatalog.metric(named: "estimated_accuracy")?.name.evaluationKind == .drift)
        #expect(MetricCatalog.metric(named: "equal_opportunity_ratio")?.impliedScope == .fairness)
    }

    /// A multiclass classifier's metrics: the binary metrics that mean the same apply to it,
    /// its own averages only to it, and the per-class ones have scope `classes`. CBPE
    /// estimates both classifiers' performance.
    @Test func multiclassMetricsApplyToTheirModelTypes() throws {
        for name in ["accuracy", "log_loss", "brier"] + EstimatedPerformanceMetric.allCases.map(\.rawValue) {
            #expect(try #require(MetricCatalog.metric(named: name)).name.modelTypes == [.binary, .multiclass], "\(name)")
        }
        for name in ["precision", "recall", "f1", "roc_auc", "ece", "selection_rate", "ddm"] {
            #expect(try #require(MetricCatalog.metric(named: name)).name.modelTypes == [.binary], "\(name)")
        }
        let macro = try #require(MetricCatalog.metric(named: "macro_f1"))
        #expect(macro.name.modelTypes == [.multiclass] && macro.impliedScope == .model && macro.name.evaluationKind == .performance)
        for name in ["class_precision", "class_recall", "class_f1", "class_calibration_error"] {
            let metric = try #require(MetricCatalog.metric(named: name))
            #expect(metric.scopes == [.classes] && metric.name.modelTypes == [.multiclass] && metric.reference == .valueWithoutSpread, "\(name)")
        }
    }

    @Test func referenceSupport() {
        #expect(MetricCatalog.metric(named: "psi")?.reference == .chunks)
        #expect(MetricCatalog.metric(named: "missing_rate")?.reference == .value)
        #expect(MetricCatalog.metric(named: "volume")?.reference == .value)
        #expect(MetricCatalog.metric(named: "estimated_roc_auc")?.reference == .value)
        #expect(MetricCatalog.metric(named: "adwin")?.reference == ReferenceSupport.none)
        #expect(!MetricCatalog.effectSizeStatistics.contains("ks_pvalue"))
        #expect(MetricCatalog.effectSizeStatistics.contains("wasserstein"))
    }

    @Test func pageHinkleyDefaultsAreRivers() throws {
        let metric = try #require(MetricCatalog.metric(named: "page_hinkley"))
        #expect(metric.parameters.map(\.defaultValue) == [.integer(30), .number(0.005), .number(50), .number(0.9999)])
    }
}
