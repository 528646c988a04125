@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

@Suite struct MonitorValueFamilyTests {
    /// Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first == ":" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == ":" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    @Test func everyMetricHasOneFamilyWithAValidNameAndHelp() {
        // Distinct metrics get distinct families; only the change detectors share one (with a detector label).
        let byName = Dictionary(grouping: MetricName.allCases) { MonitorValueFamily($0).descriptor.name }
        for (name, metrics) in byName {
            #expect(Self.isValidName(name), "\(name)")
            #expect(name.hasPrefix("driftwatch_"))
            #expect(!name.hasSuffix("_total"), "\(name) is a gauge")
            if metrics.count > 1 { #expect(metrics.allSatisfy { if case .changeDetector = $0 { true } else { false } }) }
        }
        #expect(byName.count == MetricName.allCases.count - ErrorStreamDetector.Kind.allCases.count + 1)
        #expect(MonitorValueFamily.all.count == byName.count)
        #expect(MonitorValueFamily.all.allSatisfy { !$0.descriptor.help.isEmpty })
    }

    @Test func familiesAreNamedByKindWithUnits() {
        #expect(MonitorValueFamily(.feature(.psi)).descriptor.name == "driftwatch_feature_drift_psi")
        #expect(MonitorValueFamily(.feature(.missingRate)).descriptor.name == "driftwatch_feature_missing_ratio")
        #expect(MonitorValueFamily(.feature(.meanShift)).descriptor.name == "driftwatch_feature_drift_mean_shift_stddevs")
        #expect(MonitorValueFamily(.performance(.accuracy)).descriptor.name == "driftwatch_model_performance_accuracy_ratio")
        #expect(MonitorValueFamily(.estimated(.accuracy)).descriptor.name == "driftwatch_model_estimated_accuracy_ratio")
        #expect(MonitorValueFamily(.estimated(.rocAUC)).descriptor.name == "driftwatch_model_estimated_roc_auc")
        #expect(MonitorValueFamily(.health(.labelCoverage)).descriptor.name == "driftwatch_model_label_coverage_ratio")
        #expect(MonitorValueFamily(.fairness(.demographicParityRatio)).descriptor.name == "driftwatch_fairness_demographic_parity_ratio")
        #expect(MonitorValueFamily(.feature(.psi)).descriptor.help.hasPrefix("drift statistic: population stability index"))
    }

    @Test func labelsNameTheSubjectByKind() {
        func labels(_ metric: MetricName, subject: String) -> [String] {
            MonitorValueFamily(metric).labels(model: "m", version: "v1", subject: subject, metric: metric).map { "\($0.0)=\($0.1)" }
        }
        #expect(labels(.feature(.psi), subject: "f_income") == ["model=m", "version=v1", "feature=f_income"])
        #expect(labels(.health(.volume), subject: "model") == ["model=m", "version=v1"])
        #expect(labels(.fairness(.demographicParityRatio), subject: "gender") == ["model=m", "version=v1", "attribute=gender"])
        #expect(labels(.estimated(.accuracy), subject: "model") == ["model=m", "version=v1"])
        #expect(labels(.changeDetector(.adwin), subject: "model") == ["model=m", "version=v1", "detector=adwin"])
        #expect(labels(.perClass(.recall), subject: "urgent") == ["model=m", "version=v1", "class=urgent"])
        #expect(labels(.multiclass(.macroF1), subject: "model") == ["model=m", "version=v1"])
        #expect(labels(.multiclassFairness(.accuracyRatio), subject: "channel") == ["model=m", "version=v1", "attribute=channel"])
    }

    /// A multiclass classifier's averages, per-class metrics and accuracy gaps have families of
    /// their own; its accuracy, log loss and Brier score share the binary classifier's.
    @Test func multiclassFamilies() {
        #expect(MonitorValueFamily(.multiclass(.macroF1)).descriptor.name == "driftwatch_model_multiclass_macro_f1")
        #expect(MonitorValueFamily(.perClass(.calibrationError)).descriptor.name == "driftwatch_class_calibration_error")
        #expect(MonitorValueFamily(.multiclassFairness(.accuracyDifference)).descriptor.name == "driftwatch_fairness_accuracy_difference")
    }
}
