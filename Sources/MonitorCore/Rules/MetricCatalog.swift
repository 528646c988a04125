/// What a rule's metric is computed over.
package enum RuleScope: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Each input feature of a prediction (one evaluation per matching feature).
    case features
    /// The model's score (numeric).
    case score
    /// The predicted class (categorical).
    case prediction
    /// The model/version as a whole (volume, quality, performance, change detectors).
    case model
    /// Groups of a sensitive attribute or an intersection of attributes.
    case fairness
    /// Each class of a multiclass classifier (one evaluation per matching class seen in the
    /// window or the reference).
    case classes
}

/// The kind of values a feature holds, or a metric supports (`any`: both).
package enum FeatureKindFilter: String, Sendable, Equatable, Hashable, CaseIterable {
    case any
    case numeric
    case categorical

    /// Whether something of kind `self` can take values of `kind`.
    package func admits(_ kind: FeatureKindFilter) -> Bool { self == .any || self == kind }
}

/// Which conditions a metric supports beyond absolute thresholds.
package enum ReferenceSupport: String, Sendable, Equatable, Hashable {
    /// Absolute thresholds only (change detectors: the value is a 0/1 signal).
    case none
    /// Also statistical conditions: the metric compares the window with the reference, so its
    /// "reference value" is its spread across reference chunks (drift statistics).
    case chunks
    /// Also relative conditions: the metric has a value on the reference itself (performance, rates…).
    case value
    /// Relative conditions but not statistical ones: the metric has a value on the reference,
    /// but no spread of it across reference chunks is kept (regression and multiclass metrics).
    case valueWithoutSpread = "value without spread"

    package var allowsRelative: Bool { self == .value || self == .valueWithoutSpread }
    package var allowsStatistical: Bool { self == .chunks || self == .value }
}

/// A metric parameter's value after validation and defaults.
package enum ParameterValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case text(String)

    package var description: String {
        switch self {
        case let .integer(value): "\(value)"
        case let .number(value): "\(value)"
        case let .text(value): value
        }
    }
}

/// An inclusive or exclusive numeric interval used to validate parameters.
package struct NumberRange: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var lower: Double
    package var lowerInclusive: Bool
    package var upper: Double
    package var upperInclusive: Bool

    package static let any = NumberRange(lower: -.infinity, lowerInclusive: false, upper: .infinity, upperInclusive: false)
    package static let positive = NumberRange(lower: 0, lowerInclusive: false, upper: .infinity, upperInclusive: false)
    package static let nonNegative = NumberRange(lower: 0, lowerInclusive: true, upper: .infinity, upperInclusive: false)
    /// (0, 1)
    package static let openUnit = NumberRange(lower: 0, lowerInclusive: false, upper: 1, upperInclusive: false)
    /// (0, 1]
    package static let unitExcludingZero = NumberRange(lower: 0, lowerInclusive: false, upper: 1, upperInclusive: true)

    package func contains(_ value: Double) -> Bool {
        (lowerInclusive ? value >= lower : value > lower) && (upperInclusive ? value <= upper : value < upper)
            && value.isFinite
    }

    package var description: String {
        switch (lower.isFinite, upper.isFinite) {
        case (false, false): "a finite number"
        case (true, false): "a number \(lowerInclusive ? ">=" : ">") \(lower.formattedForRules)"
        case (false, true): "a number \(upperInclusive ? "<=" : "<") \(upper.formattedForRules)"
        case (true, true):
            "a number in \(lowerInclusive ? "[" : "(")\(lower.formattedForRules), \(upper.formattedForRules)\(upperInclusive ? "]" : ")")"
        }
    }
}

/// The accepted values of a parameter.
package enum ParameterType: Sendable, Equatable, Hashable, CustomStringConvertible {
    case integer(ClosedRange<Int>)
    case number(NumberRange)
    case choice([String])

    package var description: String {
        switch self {
        case let .integer(range) where range.upperBound == .max: "an integer >= \(range.lowerBound)"
        case let .integer(range): "an integer in [\(range.lowerBound), \(range.upperBound)]"
        case let .number(range): range.description
        case let .choice(values): "one of " + values.joined(separator: ", ")
        }
    }
}

package struct ParameterDefinition: Sendable, Equatable, Hashable {
    package var name: String
    package var type: ParameterType
    /// nil: the parameter is optional and absent unless given.
    package var defaultValue: ParameterValue?
    package var summary: String
}

/// Families group metrics for documentation and for what the evaluator must compute.
package enum MetricFamily: String, Sendable, Equatable, Hashable, CaseIterable {
    case driftStatistic = "drift statistic"
    case dataQuality = "data quality"
    case modelHealth = "model health"
    case performance
    case changeDetector = "change detector"
    case fairness
}

/// One metric rules may use: where it applies, which conditions make sense, its parameters.
package struct MetricDefinition: Sendable, Equatable, Hashable {
    package var name: MetricName
    package var family: MetricFamily
    package var scopes: [RuleScope]
    /// The kinds of feature the metric is defined for (`any`: both).
    package var featureKind: FeatureKindFilter
    package var reference: ReferenceSupport
    package var parameters: [ParameterDefinition]
    /// Samples needed before the metric is evaluated when a rule does not set `min_samples`.
    package var defaultMinSamples: Int
    package var summary: String

    package func parameter(named name: String) -> ParameterDefinition? {
        parameters.first { $0.name == name }
    }

    /// The only scope the metric can have, when it has exactly one.
    package var impliedScope: RuleScope? { scopes.count == 1 ? scopes[0] : nil }
}

/// The metrics rules may use. Data, so that validation and `rules check --list-metrics` share it.
package enum MetricCatalog {
    package static let all: [MetricDefinition] = driftStatistics + modelMetrics + fairnessMetrics

    private static let byName: [MetricName: MetricDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The metric a rule file names, if the catalogue has it: the one place text becomes a metric.
    package static func metric(named name: String) -> MetricDefinition? { MetricName(rawValue: name).map(definition) }

    /// Every ``MetricName`` has a definition (checked by the tests).
    package static func definition(_ name: MetricName) -> MetricDefinition { byName[name]! }

    package static var names: [String] { all.map(\.name.rawValue) }

    /// Drift statistics whose larger values mean more drift: those `drifted_feature_share` may count with `above`.
    static let effectSizeStatistics: [String] = driftStatistics.map(\.name.rawValue).filter { !$0.hasSuffix("_pvalue") }

    // MARK: Definitions

    private static func drift(
        _ metric: FeatureMetric, _ kind: FeatureKindFilter, reference: ReferenceSupport = .chunks,
        parameters: [ParameterDefinition] = [], family: MetricFamily = .driftStatistic, _ summary: String
    ) -> MetricDefinition {
        let scopes: [RuleScope] = [.features]
            + (kind.admits(.numeric) ? [.score] : [])
            + (kind.admits(.categorical) ? [.prediction] : [])
        return MetricDefinition(name: .feature(metric), family: family, scopes: scopes, featureKind: kind, reference: reference,
                                parameters: parameters, defaultMinSamples: 100, summary: summary)
    }

    private static let driftStatistics: [MetricDefinition] = [
        drift(.psi, .any,
              "population stability index, proportions floored at 1e-4 (numeric: quantile bins of the reference)"),
        drift(.js, .any, "Jensen-Shannon distance (natural log, as scipy.spatial.distance.jensenshannon; in [0, √ln 2])"),
        drift(.hellinger, .numeric, "Hellinger distance of the binned distributions, in [0, 1]"),
        drift(.ks, .numeric, "Kolmogorov-Smirnov statistic: largest CDF gap, in [0, 1]"),
        drift(.ksPValue, .numeric, "p-value of the two-sample Kolmogorov-Smirnov test (tiny on large samples)"),
        drift(.wasserstein, .numeric, "Wasserstein-1 distance, in the feature's units"),
        drift(.meanShift, .numeric, "(current mean - reference mean) / reference standard deviation"),
        drift(.stdRatio, .numeric, "current standard deviation / reference standard deviation"),
        drift(.tvd, .categorical, "total variation distance of the category proportions, in [0, 1]"),
        drift(.chi2, .categorical, "chi-square homogeneity statistic"),
        drift(.chi2PValue, .categorical, "p-value of the chi-square homogeneity test (tiny on large samples)"),
        drift(.newCategoryRate, .categorical, family: .dataQuality,
              "share of values in categories never seen in the reference"),
        drift(.missingRate, .any, reference: .value, family: .dataQuality, "share of missing (null or absent) values"),
        drift(.missingRateDelta, .any, family: .dataQuality, "current missing rate - reference missing rate"),
        drift(.missingRatePValue, .any, family: .dataQuality,
              "p-value of the two-proportion z-test on missing rates (tiny on large samples)"),
        drift(.typeErrorRate, .any, reference: .value, family: .dataQuality,
              "share of values of the wrong type for the feature"),
        drift(.outOfRangeRate, .numeric, family: .dataQuality,
              "share of values outside the reference's [min, max]"),
        drift(.categoryOverflowRate, .categorical, family: .dataQuality,
              "share of values beyond the category cap (counted in `other`): a vocabulary explosion"),
    ]

    private static func model(
        _ name: MetricName, _ family: MetricFamily, reference: ReferenceSupport = .value,
        parameters: [ParameterDefinition] = [], minSamples: Int = 100, _ summary: String
    ) -> MetricDefinition {
        MetricDefinition(name: name, family: family, scopes: [.model], featureKind: .any, reference: reference,
                         parameters: parameters, defaultMinSamples: minSamples, summary: summary)
    }

    /// One class of a multiclass classifier: scope `classes`, one evaluation per class.
    private static func perClass(_ metric: ClassMetric, _ summary: String) -> MetricDefinition {
        MetricDefinition(name: .perClass(metric), family: .performance, scopes: [.classes], featureKind: .any, reference: .valueWithoutSpread,
                         parameters: [], defaultMinSamples: 100, summary: summary + " (each class of a multiclass classifier)")
    }

    /// Estimated on drift windows from their scores or class probabilities (CBPE): the
    /// reference is the realized value on the reference's labelled outcomes, and
    /// `min_samples` counts scored predictions.
    private static func estimated(_ metric: EstimatedPerformanceMetric, _ summary: String) -> MetricDefinition {
        model(.estimated(metric), .performance,
              "CBPE estimate, before labels arrive (binary classifiers from scores, multiclass from class probabilities with macro averages; "
                  + "calibrated on the reference's labelled outcomes): " + summary)
    }

    private static func detector(
        _ kind: ErrorStreamDetector.Kind, _ parameters: [ParameterDefinition], _ summary: String
    ) -> MetricDefinition {
        model(.changeDetector(kind), .changeDetector, reference: .none, parameters: parameters, minSamples: 0,
              summary + " on the error stream: 1 when it signalled drift since the previous evaluation, else 0")
    }

    private static func integer(_ name: String, _ value: Int, _ summary: String, minimum: Int = 1) -> ParameterDefinition {
        ParameterDefinition(name: name, type: .integer(minimum...Int.max), defaultValue: .integer(value), summary: summary)
    }

    private static func number(_ name: String, _ value: Double, _ range: NumberRange, _ summary: String) -> ParameterDefinition {
        ParameterDefinition(name: name, type: .number(range), defaultValue: .number(value), summary: summary)
    }

    /// Change-detector defaults are River 0.26's.
    private static let modelMetrics: [MetricDefinition] = [
        model(.health(.driftedFeatureShare), .modelHealth, parameters: [
            ParameterDefinition(name: "statistic", type: .choice(effectSizeStatistics), defaultValue: .text("psi"),
                                summary: "drift statistic computed per feature"),
            number("above", 0.2, .any, "a feature counts as drifted when the statistic is above this"),
            ParameterDefinition(name: "feature_kind", type: .choice(FeatureKindFilter.allCases.map(\.rawValue)),
                                defaultValue: nil, summary: "count only features of this kind"),
        ], "share of the model's features whose drift statistic is above `above`"),
        model(.health(.volume), .modelHealth, minSamples: 0, "prediction events in the window"),
        model(.health(.lateEventRate), .modelHealth, "share of events arriving later than the allowed lateness"),
        model(.health(.labelCoverage), .modelHealth, "share of the window's predictions with a ground-truth label"),
        model(.health(.rejectedRate), .modelHealth, "rejected (undecodable or invalid) messages / all messages"),
        model(.performance(.accuracy), .performance, "share of labelled predictions that are correct (binary and multiclass classifiers)"),
        model(.performance(.precision), .performance, "true positives / predicted positives"),
        model(.performance(.recall), .performance, "true positives / actual positives"),
        model(.performance(.fpr), .performance, "false positives / actual negatives"),
        model(.performance(.f1), .performance, "harmonic mean of precision and recall"),
        model(.performance(.selectionRate), .performance, "share of predictions that are positive"),
        model(.performance(.rocAUC), .performance, "area under the ROC curve of the score"),
        model(.performance(.brier), .performance,
              "mean squared error of the score against the label (multiclass: Σ over classes of (probability − [true class])², averaged)"),
        model(.performance(.logLoss), .performance,
              "mean negative log-likelihood of the label under the score (multiclass: of the true class under the class probabilities)"),
        model(.performance(.ece), .performance, "expected calibration error over 10 equal-width score bins"),
        model(.regression(.mae), .performance, reference: .valueWithoutSpread, "mean absolute error of a regression model's predictions"),
        model(.regression(.rmse), .performance, reference: .valueWithoutSpread, "root mean squared error of a regression model's predictions"),
        model(.regression(.mape), .performance, reference: .valueWithoutSpread, "mean absolute percentage error of a regression model's predictions, as a fraction"),
        model(.regression(.bias), .performance, reference: .valueWithoutSpread, "mean of prediction − label of a regression model: positive when it over-predicts"),
        model(.regression(.r2), .performance, reference: .valueWithoutSpread, "coefficient of determination R² of a regression model's predictions"),
        model(.residualDrift(.psi), .driftStatistic, reference: .none, "PSI of a regression model's residuals (label − prediction) over the reference residuals' deciles"),
        model(.residualDrift(.ks), .driftStatistic, reference: .none, "Kolmogorov–Smirnov statistic of a regression model's residuals against the reference residuals"),
        model(.multiclass(.macroF1), .performance, reference: .valueWithoutSpread, "unweighted mean of the classes' F1 (multiclass classifiers)"),
        model(.multiclass(.microF1), .performance, reference: .valueWithoutSpread, "F1 of the pooled counts, equal to the accuracy (multiclass classifiers)"),
        model(.multiclass(.weightedF1), .performance, reference: .valueWithoutSpread, "mean of the classes' F1 weighted by their labelled predictions (multiclass classifiers)"),
        model(.multiclass(.macroPrecision), .performance, reference: .valueWithoutSpread, "unweighted mean of the classes' precision (multiclass classifiers)"),
        model(.multiclass(.macroRecall), .performance, reference: .valueWithoutSpread, "unweighted mean of the classes' recall (multiclass classifiers)"),
        perClass(.precision, "predictions of the class that are right / predictions of the class"),
        perClass(.recall, "labelled predictions of the class predicted as the class"),
        perClass(.f1, "harmonic mean of the class's precision and recall"),
        perClass(.calibrationError, "expected calibration error of the class's probabilities, one-vs-rest, over 10 equal-width bins"),
        MetricDefinition(name: .classShare(.share), family: .driftStatistic, scopes: [.classes], featureKind: .any, reference: .valueWithoutSpread,
                         parameters: [], defaultMinSamples: 100,
                         summary: "share of the drift window's predictions that predict the class, against the reference's share "
                             + "(each class of a multiclass classifier; no labels needed; two-proportion z-test for `significance`)"),
        estimated(.accuracy, "share of the window's scored predictions expected to be correct"),
        estimated(.precision, "expected true positives / predicted positives (multiclass: per class one-vs-rest, then averaged)"),
        estimated(.recall, "expected true positives / expected actual positives (multiclass: per class one-vs-rest, then averaged)"),
        estimated(.f1, "harmonic mean of the estimated precision and recall (multiclass: per class, then averaged)"),
        estimated(.rocAUC, "area under the ROC curve of the score, each prediction weighted by its calibrated probability "
                      + "(multiclass: one-vs-rest per class, then averaged)"),
        detector(.adwin, [
            number("delta", 0.002, .openUnit, "confidence of the cut test"),
            integer("clock", 32, "check for cuts every this many updates"),
            integer("max_buckets", 5, "buckets kept per row of the exponential histogram"),
            integer("min_window_length", 5, "smallest sub-window compared"),
            integer("grace_period", 10, "updates before the first check"),
        ], "ADWIN adaptive windowing"),
        detector(.ddm, [
            integer("warm_start", 30, "updates before drift can be signalled"),
            number("warning_threshold", 2.0, .positive, "standard deviations for the warning level"),
            number("drift_threshold", 3.0, .positive, "standard deviations for the drift level"),
        ], "DDM drift detection method"),
        detector(.eddm, [
            integer("warm_start", 30, "errors before drift can be signalled"),
            number("alpha", 0.95, .unitExcludingZero, "warning level ratio"),
            number("beta", 0.9, .unitExcludingZero, "drift level ratio"),
        ], "EDDM early drift detection method"),
        detector(.pageHinkley, [
            integer("min_instances", 30, "updates before drift can be signalled"),
            number("delta", 0.005, .nonNegative, "magnitude of changes tolerated"),
            number("threshold", 50, .positive, "cumulative deviation that signals drift"),
            number("alpha", 0.9999, .unitExcludingZero, "forgetting factor of the running mean"),
        ], "Page-Hinkley test"),
    ]

    private static let minGroupSize = integer("min_group_size", 100, "groups with fewer samples are left out")

    private static func fairness(_ name: MetricName, reference: ReferenceSupport = .value, _ summary: String) -> MetricDefinition {
        MetricDefinition(name: name, family: .fairness, scopes: [.fairness], featureKind: .any, reference: reference,
                         parameters: [minGroupSize], defaultMinSamples: 100, summary: summary)
    }

    private static let fairnessMetrics: [MetricDefinition] = [
        fairness(.fairness(.demographicParityDifference), "largest - smallest selection rate across groups"),
        fairness(.fairness(.demographicParityRatio), "smallest / largest selection rate across groups"),
        fairness(.fairness(.equalizedOddsDifference), "larger of the TPR and FPR differences across groups"),
        fairness(.fairness(.equalizedOddsRatio), "smaller of the TPR and FPR ratios across groups"),
        fairness(.fairness(.equalOpportunityDifference), "largest - smallest true positive rate across groups"),
        fairness(.fairness(.equalOpportunityRatio), "smallest / largest true positive rate across groups"),
        fairness(.regressionFairness(.maeDifference), "largest - smallest mean absolute error across groups (regression models)"),
        fairness(.regressionFairness(.maeRatio), "smallest / largest mean absolute error across groups (regression models)"),
        fairness(.multiclassFairness(.accuracyDifference), "largest - smallest accuracy across groups (multiclass classifiers)"),
        fairness(.multiclassFairness(.accuracyRatio), "smallest / largest accuracy across groups (multiclass classifiers)"),
    ]
}

extension Double {
    /// Short, locale-free spelling used in messages and listings.
    package var formattedForRules: String { AnnotationTemplate.format(self) }
}
