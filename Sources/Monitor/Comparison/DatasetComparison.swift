import DriftCore
import MonitorCore

/// Settings of a one-shot comparison (`driftwatch compare`).
package struct ComparisonOptions: Sendable {
    /// Bins of the profile built from a reference dataset (a profile file keeps its own).
    package var profile = ProfileConfiguration()
    package var kinds: [String: FeatureKind] = [:]
    /// Attribute sets whose groups are crossed, e.g. [["gender", "age_band"]].
    package var intersections: [[String]] = []
    /// Groups smaller than this are reported but left out of the gaps.
    package var minimumGroupSize = 100
    /// Segment attributes considered for fairness (the first seen).
    package var maximumSegmentAttributes = 8
    package var maximumGroups = FairnessSummary.defaultMaximumGroups
    /// Predictions kept per file for the label join.
    package var maximumJoinRows = 10_000_000

    package init() {}
}

/// Where the reference side of a comparison comes from.
package enum ComparisonReference: Sendable {
    /// A dataset file (JSON lines or CSV): profiled, and its performance measured too.
    case dataset(path: String)
    /// A profile written by `driftwatch profile`: drift only.
    case profile(ReferenceProfile)
}

/// A one-shot comparison of a current dataset with a reference, like an Evidently
/// report: per-feature drift, drift of the score and predicted class, classification
/// performance of each side and fairness of the current side.
///
/// The reference is profiled in one pass (``DatasetProfiler``) unless a profile is
/// given; the current dataset is summarised on the reference's bins exactly as the
/// monitor summarises a window, so `compare` and the monitor agree on every statistic.
/// Performance and fairness join labels to predictions by id within each file.
package struct DatasetComparison: Sendable {
    package var features: [FeatureComparison]
    package var score: FeatureComparison?
    package var prediction: FeatureComparison?
    /// Nil for a reference given as a profile.
    package var referenceOutcomes: DatasetOutcomes?
    package var currentOutcomes: DatasetOutcomes
    package var minimumGroupSize: Int
    package var referenceCounters: DatasetReadCounters?
    package var currentCounters: DatasetReadCounters
    /// Current-side features the reference does not have (not compared).
    package var unmatchedFeatures: [String]

    package static func run(
        reference: ComparisonReference, current: String, dataset: DatasetOptions, options: ComparisonOptions
    ) throws -> DatasetComparison {
        let profile: ReferenceProfile
        var referenceOutcomes: DatasetOutcomes?
        var referenceCounters: DatasetReadCounters?
        switch reference {
        case let .profile(given):
            profile = given
        case let .dataset(path):
            var profiler = try DatasetProfiler(configuration: options.profile, kinds: options.kinds,
                                               maximumFeatures: dataset.decoder.limits.maximumFeatures)
            var outcomes = OutcomeCollector(maximumRows: options.maximumJoinRows, maximumAttributes: options.maximumSegmentAttributes)
            referenceCounters = try DatasetReader.read(path: path, options: dataset) { event in
                if case let .prediction(prediction) = event { profiler.add(prediction) }
                outcomes.add(event)
            }
            profile = profiler.finish()
            referenceOutcomes = outcomes.finish(intersections: [], maximumGroups: options.maximumGroups)
        }

        let layout = FeatureLayout(profile: profile)
        var pane = DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: 0)
        var outcomes = OutcomeCollector(maximumRows: options.maximumJoinRows, maximumAttributes: options.maximumSegmentAttributes)
        var unmatched: Set<String> = []
        let currentCounters = try DatasetReader.read(path: current, options: dataset) { event in
            if case let .prediction(prediction) = event {
                pane.record(prediction, layout: layout)
                for feature in prediction.features where layout.slot(of: feature.name) == nil && unmatched.count < 1000 {
                    unmatched.insert(feature.name)
                }
            }
            outcomes.add(event)
        }

        var features: [FeatureComparison] = []
        for (index, name) in layout.numericNames.enumerated() {
            features.append(try .numeric(name: name, reference: layout.numericReferences[index], current: pane.numericSummary(index, layout: layout)))
        }
        for (index, name) in layout.categoricalNames.enumerated() {
            features.append(.categorical(name: name, reference: layout.categoricalReferences[index], current: pane.categoricalSummary(index, layout: layout)))
        }
        features.sort { $0.name < $1.name }
        return DatasetComparison(
            features: features,
            score: try layout.score.flatMap { reference in
                try pane.score.map { try .numeric(name: OutputSubject.score, reference: reference, current: $0) }
            },
            prediction: layout.prediction.map { .categorical(name: OutputSubject.prediction, reference: $0, current: pane.prediction) },
            referenceOutcomes: referenceOutcomes,
            currentOutcomes: outcomes.finish(intersections: options.intersections, maximumGroups: options.maximumGroups),
            minimumGroupSize: options.minimumGroupSize,
            referenceCounters: referenceCounters,
            currentCounters: currentCounters,
            unmatchedFeatures: unmatched.sorted())
    }

    /// Each performance metric's difference (current − reference, nil where either is
    /// undefined) but the count's, when both sides are a regression model's or both a
    /// multiclass classifier's labelled data; nil otherwise.
    package var performanceDifferences: [(String, Double?)]? {
        guard let referenceOutcomes, referenceOutcomes.modelType == currentOutcomes.modelType, currentOutcomes.modelType != .binary else {
            return nil
        }
        return Self.differences(current: currentOutcomes.performanceMetrics.filter { $0.0 != "count" }, reference: referenceOutcomes.performanceMetrics)
    }

    /// Current − reference of each named value of `current` (nil where either is undefined or the reference lacks it).
    static func differences(current: [(String, Double?)], reference: [(String, Double?)]) -> [(String, Double?)] {
        let reference = Dictionary(uniqueKeysWithValues: reference.map { ($0.0, $0.1) })
        return current.map { key, value in (key, value.flatMap { current in (reference[key] ?? nil).map { current - $0 } }) }
    }

    /// A regression model's residual drift, the current residuals against the reference's;
    /// nil unless both sides are a regression model's labelled data.
    package var regressionComparison: RegressionComparison? {
        guard let referenceOutcomes, referenceOutcomes.isRegression, currentOutcomes.isRegression else { return nil }
        return RegressionComparison(
            residualPSI: currentOutcomes.residuals.populationStabilityIndex(against: referenceOutcomes.residuals),
            residualKS: currentOutcomes.residuals.kolmogorovSmirnov(against: referenceOutcomes.residuals))
    }

    /// A multiclass classifier's classes (of either side, by name) with each side's
    /// precision, recall and F1 and their difference; nil unless the current side is a
    /// multiclass classifier's labelled data (a reference that is not has no side).
    package var classComparisons: [ClassComparison]? {
        guard currentOutcomes.isMulticlass else { return nil }
        let reference = referenceOutcomes.flatMap { $0.isMulticlass ? $0.multiclass.perClass : nil }
        let current = currentOutcomes.multiclass.perClass
        let names = Set(current.map(\.name)).union(reference?.map(\.name) ?? []).sorted()
        return names.map { name in
            let sides = (reference?.first { $0.name == name }, current.first { $0.name == name })
            let differences = sides.0.flatMap { reference in
                sides.1.map { Self.differences(current: $0.namedRates, reference: reference.namedRates) }
            }
            return ClassComparison(name: name, reference: sides.0, current: sides.1, differences: differences)
        }
    }

    /// A regression model's per-group errors in the current dataset, by attribute set.
    package var regressionFairness: [(attributes: [String], report: RegressionFairnessReport)] {
        currentOutcomes.regressionFairness.map { ($0.attributes, $0.report(minimumGroupSize: minimumGroupSize)) }
    }

    /// A multiclass classifier's per-group accuracies in the current dataset, by attribute set.
    package var multiclassFairness: [(attributes: [String], report: GroupAccuracyReport)] {
        currentOutcomes.multiclassFairness.map { ($0.attributes, $0.report(minimumGroupSize: minimumGroupSize)) }
    }

    /// Fairness reports of the current dataset, by attribute set.
    package var fairness: [(attributes: [String], report: FairnessReport)] {
        currentOutcomes.fairness.map { ($0.attributes, $0.report(minimumGroupSize: minimumGroupSize)) }
    }
}

/// See ``DatasetComparison/regressionComparison``.
package struct RegressionComparison: Sendable {
    package var residualPSI: Double?
    package var residualKS: Double?
}

/// One class of a multiclass classifier on both sides (``DatasetComparison/classComparisons``).
package struct ClassComparison: Sendable {
    package var name: String
    /// Nil for a side without the class (or without a multiclass reference).
    package var reference: MulticlassOutcomeSummary.ClassMetrics?
    package var current: MulticlassOutcomeSummary.ClassMetrics?
    /// Current − reference of each of ``MulticlassOutcomeSummary/ClassMetrics/namedRates``; nil unless both sides have the class.
    package var differences: [(String, Double?)]?
}

extension MulticlassOutcomeSummary.ClassMetrics {
    /// Precision, recall and F1 by report name, in a fixed order.
    package var namedRates: [(String, Double?)] { [("precision", precision), ("recall", recall), ("f1", f1)] }
}

/// One feature (or output) of both sides and its drift statistics.
package struct FeatureComparison: Sendable {
    package enum Sides: Sendable {
        case numeric(reference: NumericSummary, current: NumericSummary, drift: NumericDriftResult)
        case categorical(reference: CategoricalSummary, current: CategoricalSummary, drift: CategoricalDriftResult)
    }

    package var name: String
    package var sides: Sides

    package var kind: FeatureKind {
        switch sides {
        case .numeric: .numeric
        case .categorical: .categorical
        }
    }

    static func numeric(name: String, reference: NumericReference, current: NumericSummary) throws -> FeatureComparison {
        FeatureComparison(name: name, sides: .numeric(
            reference: reference.summary, current: current, drift: try NumericDriftResult(reference: reference, current: current)))
    }

    static func categorical(name: String, reference: CategoricalReference, current: CategoricalSummary) -> FeatureComparison {
        FeatureComparison(name: name, sides: .categorical(
            reference: reference.summary, current: current, drift: CategoricalDriftResult(reference: reference, current: current)))
    }
}
