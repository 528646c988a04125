import DriftCore
import MonitorCore

/// The comparison as one JSON document (the `compare --format json` contract):
///
/// `{"features":[{name, kind, reference, current, <statistics>}], "output":{"score", "label_pred"},
///   "performance":{"reference","current"}, "fairness":{"<attributes>":{"groups", <gaps>, excluded…}}}`
///
/// For a regression model's data (both sides) the performance is its regression metrics, with
/// `"difference"` (current − reference) beside them, and `"residual_drift":{"psi","ks"}` of the
/// current residuals against the reference's follows it; its fairness is each group's
/// `count`, `mae`, `rmse`, `bias` with `mae_difference`, `mae_ratio`, `excluded` and `min_group_size`.
///
/// For a multiclass classifier's data the performance is its accuracy, averages over classes,
/// log loss, Brier score and coverage (with `"difference"` when both sides are a multiclass
/// classifier's), and `"classes":{"reference","current":{"<class>":{support, precision,
/// recall, f1}},"difference":{"<class>":{precision, recall, f1}},"overflow"}` follows it
/// (`overflow`: the current side's labelled predictions left out for naming a class beyond
/// the first 50; the reference
/// null unless it is a multiclass classifier's labelled data; differences of the classes both
/// sides have); its fairness is each group's labelled `count` and `accuracy` with
/// `accuracy_difference`, `accuracy_ratio`, `excluded` and `min_group_size`.
///
/// Features are sorted by name, groups by key; undefined values are null. Intersection
/// attribute sets and their groups are named with `×` between the parts.
extension DatasetComparison {
    package func json(topCategories: Int = 10) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("features")
        writer.beginArray()
        for feature in features {
            writer.beginObject()
            writer.member("name", feature.name)
            writer.member("kind", feature.kind.rawValue)
            Self.writeSidesAndStatistics(feature, topCategories: topCategories, into: &writer)
            writer.endObject()
        }
        writer.endArray()

        writer.key("output")
        writer.beginObject()
        for (key, subject) in [("score", score), ("label_pred", prediction)] {
            writer.key(key)
            if let subject {
                writer.beginObject()
                Self.writeSidesAndStatistics(subject, topCategories: topCategories, into: &writer)
                writer.endObject()
            } else {
                writer.null()
            }
        }
        writer.endObject()

        writer.key("performance")
        writer.beginObject()
        writer.key("reference")
        if let referenceOutcomes { Self.writePerformance(referenceOutcomes, into: &writer) } else { writer.null() }
        writer.key("current")
        Self.writePerformance(currentOutcomes, into: &writer)
        if let differences = performanceDifferences {
            writer.key("difference")
            Self.writeMembers(differences, into: &writer)
        }
        writer.endObject()
        if let regression = regressionComparison {
            writer.key("residual_drift")
            writer.beginObject()
            writer.member("psi", regression.residualPSI)
            writer.member("ks", regression.residualKS)
            writer.endObject()
        }
        if let classes = classComparisons {
            Self.writeClasses(classes, withReference: referenceOutcomes?.isMulticlass == true,
                              currentOverflow: Int(currentOutcomes.multiclass.overflowCount), into: &writer)
        }

        writer.key("fairness")
        writer.beginObject()
        switch currentOutcomes.modelType {
        case .regression:
            for (attributes, report) in regressionFairness {
                writer.key(attributes.joined(separator: "×"))
                Self.writeRegressionFairness(report, into: &writer)
            }
        case .multiclass:
            for (attributes, report) in multiclassFairness {
                writer.key(attributes.joined(separator: "×"))
                Self.writeMulticlassFairness(report, into: &writer)
            }
        case .binary:
            for (attributes, report) in fairness {
                writer.key(attributes.joined(separator: "×"))
                Self.writeFairness(report, into: &writer)
            }
        }
        writer.endObject()
        writer.endObject()
        return writer.text
    }

    private static func writeSidesAndStatistics(_ feature: FeatureComparison, topCategories: Int, into writer: inout JSONWriter) {
        switch feature.sides {
        case let .numeric(reference, current, drift):
            writer.key("reference")
            writeNumericSide(reference, into: &writer)
            writer.key("current")
            writeNumericSide(current, into: &writer)
            writer.member("psi", drift.psi)
            writer.member("js", drift.js)
            writer.member("hellinger", drift.hellinger)
            writer.key("ks")
            if let ks = drift.ks {
                writer.beginObject()
                writer.member("statistic", ks.statistic)
                writer.member("pvalue", ks.pvalue)
                writer.endObject()
            } else {
                writer.null()
            }
            writer.member("wasserstein", drift.wasserstein)
            writer.member("mean_shift", drift.meanShift)
            writer.member("std_ratio", drift.stdRatio)
            writeMissingRate(drift.missingRate, into: &writer)
        case let .categorical(reference, current, drift):
            writer.key("reference")
            writeCategoricalSide(reference, top: topCategories, into: &writer)
            writer.key("current")
            writeCategoricalSide(current, top: topCategories, into: &writer)
            writer.member("psi", drift.psi)
            writer.member("js", drift.js)
            writer.member("tvd", drift.tvd)
            writer.key("chi2")
            if let chi2 = drift.chi2 {
                writer.beginObject()
                writer.member("statistic", chi2.statistic)
                writer.member("pvalue", chi2.pValue)
                writer.member("dof", chi2.degreesOfFreedom)
                writer.endObject()
            } else {
                writer.null()
            }
            writer.member("new_category_rate", drift.newCategoryRate)
            writeMissingRate(drift.missingRate, into: &writer)
        }
    }

    private static func writeNumericSide(_ summary: NumericSummary, into writer: inout JSONWriter) {
        let moments = summary.moments
        let hasValues = moments.count > 0
        writer.beginObject()
        writer.member("count", summary.totalCount)
        writer.member("missing", summary.missingCount)
        writer.member("mean", hasValues ? moments.mean : nil)
        writer.member("std", moments.populationStandardDeviation)
        writer.member("min", hasValues ? moments.minimum : nil)
        writer.member("max", hasValues ? moments.maximum : nil)
        writer.endObject()
    }

    private static func writeCategoricalSide(_ summary: CategoricalSummary, top: Int, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("count", summary.totalCount)
        writer.member("missing", summary.missingCount)
        writer.member("distinct", summary.counts.count)
        writer.member("other", summary.overflowCount)
        writer.key("top")
        writer.beginArray()
        for (category, count) in summary.topCategories(top) {
            writer.beginObject()
            writer.member("value", category)
            writer.member("count", count)
            writer.member("share", Double(count) / Double(summary.presentCount))
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    private static func writeMissingRate(_ comparison: MissingRateComparison, into writer: inout JSONWriter) {
        writer.key("missing_rate")
        writer.beginObject()
        writer.member("reference", comparison.reference)
        writer.member("current", comparison.current)
        writer.member("pvalue", comparison.pvalue)
        writer.endObject()
    }

    private static func writePerformance(_ outcomes: DatasetOutcomes, into writer: inout JSONWriter) {
        writer.beginObject()
        for (key, value) in outcomes.performanceMetrics {
            if key == "count" { writer.member(key, Int(value ?? 0)) } else { writer.member(key, value) }
        }
        writer.endObject()
    }

    private static func writeMembers(_ members: [(String, Double?)], into writer: inout JSONWriter) {
        writer.beginObject()
        for (key, value) in members { writer.member(key, value) }
        writer.endObject()
    }

    private static func writeClasses(_ classes: [ClassComparison], withReference: Bool, currentOverflow: Int, into writer: inout JSONWriter) {
        writer.key("classes")
        writer.beginObject()
        for (side, metrics) in [("reference", \ClassComparison.reference), ("current", \ClassComparison.current)] {
            writer.key(side)
            guard side == "current" || withReference else {
                writer.null()
                continue
            }
            writer.beginObject()
            for comparison in classes {
                guard let value = comparison[keyPath: metrics] else { continue }
                writer.key(comparison.name)
                writer.beginObject()
                writer.member("support", Int(value.support))
                for (key, rate) in value.namedRates { writer.member(key, rate) }
                writer.endObject()
            }
            writer.endObject()
        }
        writer.key("difference")
        writer.beginObject()
        for comparison in classes {
            guard let differences = comparison.differences else { continue }
            writer.key(comparison.name)
            writeMembers(differences, into: &writer)
        }
        writer.endObject()
        writer.member("overflow", currentOverflow)
        writer.endObject()
    }

    private static func writeMulticlassFairness(_ report: GroupAccuracyReport, into writer: inout JSONWriter) {
        writeGroupedFairness(report.groups, key: \.key, excluded: report.excluded, minimumGroupSize: report.minimumGroupSize,
                             into: &writer) { group, writer in
            writer.member("count", group.rows)
            writer.member("accuracy", group.accuracy)
        } gaps: { writer in
            for metric in MulticlassFairnessMetric.allCases { writer.member(metric.rawValue, metric.value(of: report)) }
        }
    }

    /// A fairness object: its groups (each keyed by its values joined with ×, its members
    /// written by `member`), then the gaps `gaps` writes, then the excluded groups and the
    /// minimum group size.
    private static func writeGroupedFairness<Group>(
        _ groups: [Group], key: (Group) -> FairnessGroupKey, excluded: [FairnessGroupKey], minimumGroupSize: Int,
        into writer: inout JSONWriter, members: (Group, inout JSONWriter) -> Void, gaps: (inout JSONWriter) -> Void
    ) {
        writer.beginObject()
        writer.key("groups")
        writer.beginObject()
        for group in groups {
            writer.key(key(group).values.joined(separator: "×"))
            writer.beginObject()
            members(group, &writer)
            writer.endObject()
        }
        writer.endObject()
        gaps(&writer)
        writeExcluded(excluded, minimumGroupSize: minimumGroupSize, into: &writer)
        writer.endObject()
    }

    private static func writeExcluded(_ excluded: [FairnessGroupKey], minimumGroupSize: Int, into writer: inout JSONWriter) {
        writer.key("excluded")
        writer.beginArray()
        for group in excluded { writer.value(group.values.joined(separator: "×")) }
        writer.endArray()
        writer.member("min_group_size", minimumGroupSize)
    }

    private static func writeRegressionFairness(_ report: RegressionFairnessReport, into writer: inout JSONWriter) {
        writeGroupedFairness(report.groups, key: \.key, excluded: report.excluded, minimumGroupSize: report.minimumGroupSize,
                             into: &writer) { group, writer in
            writer.member("count", group.count)
            writer.member("mae", group.meanAbsoluteError)
            writer.member("rmse", group.rootMeanSquaredError)
            writer.member("bias", group.bias)
        } gaps: { writer in
            for metric in RegressionFairnessMetric.allCases { writer.member(metric.rawValue, metric.value(of: report)) }
        }
    }

    private static func writeFairness(_ report: FairnessReport, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("groups")
        writer.beginObject()
        for group in report.groups {
            writer.key(group.key.values.joined(separator: "×"))
            writer.beginObject()
            writer.member("count", Int(group.predictionCount))
            writer.member("labelled", Int(group.labelledCount))
            for (key, rate) in group.namedRates {
                writer.key(key)
                guard let rate else {
                    writer.null()
                    continue
                }
                writer.beginObject()
                writer.member("value", rate.value)
                writer.key("interval")
                if let interval = rate.interval {
                    writer.beginArray()
                    writer.value(interval.lower)
                    writer.value(interval.upper)
                    writer.endArray()
                } else {
                    writer.null()
                }
                writer.endObject()
            }
            writer.endObject()
        }
        writer.endObject()
        for (key, value) in report.namedGaps { writer.member(key, value) }
        for (key, excluded) in [("excluded_from_selection_gaps", report.excludedFromSelectionGaps),
                                ("excluded_from_label_gaps", report.excludedFromLabelGaps)] {
            writer.key(key)
            writer.beginArray()
            for group in excluded { writer.value(group.values.joined(separator: "×")) }
            writer.endArray()
        }
        writer.member("min_group_size", report.minimumGroupSize)
        writer.endObject()
    }
}

extension DatasetOutcomes {
    /// The performance keys of the report, in order; rates are nil without labelled
    /// predictions. A regression model's: its count, regression metrics and label coverage; a
    /// multiclass classifier's: its count, accuracy, averages over classes (as rules name
    /// them), log loss, Brier score (nil without probabilities) and label coverage.
    package var performanceMetrics: [(String, Double?)] {
        switch modelType {
        case .regression:
            return [("count", Double(regression.count))] + RegressionMetric.allCases.map { ($0.rawValue, regression.value($0)) }
                + [("label_coverage", labelCoverage)]
        case .multiclass:
            return [("count", Double(multiclass.labelledCount)), ("accuracy", multiclass.accuracy)]
                + MulticlassMetric.allCases.map { ($0.rawValue, multiclass.value($0)) }
                + [("log_loss", multiclass.logLoss), ("brier", multiclass.brierScore), ("label_coverage", labelCoverage)]
        case .binary:
            break
        }
        let summary = performance
        let labelled = summary.labelledCount > 0
        func defined(_ value: Double?) -> Double? { labelled ? value : nil }
        return [
            ("count", Double(summary.labelledCount)),
            ("accuracy", defined(summary.accuracy)), ("precision", defined(summary.precision)),
            ("recall", defined(summary.recall)), ("fpr", defined(summary.falsePositiveRate)), ("f1", defined(summary.f1)),
            ("selection_rate", defined(summary.selectionRate)), ("roc_auc", summary.rocAUC), ("brier", summary.brierScore),
            ("log_loss", summary.logLoss), ("ece", summary.expectedCalibrationError), ("label_coverage", labelCoverage),
        ]
    }
}

extension FairnessReport {
    /// The six gaps by their Fairlearn names, in a fixed order.
    package var namedGaps: [(String, Double?)] {
        [
            ("demographic_parity_difference", demographicParity?.difference), ("demographic_parity_ratio", demographicParity?.ratio),
            ("equalized_odds_difference", equalizedOdds?.difference), ("equalized_odds_ratio", equalizedOdds?.ratio),
            ("equal_opportunity_difference", equalOpportunity?.difference), ("equal_opportunity_ratio", equalOpportunity?.ratio),
        ]
    }
}

extension FairnessReport.Group {
    /// The per-group rates by report name, in a fixed order.
    package var namedRates: [(String, FairnessReport.Rate?)] {
        [("selection_rate", selectionRate), ("tpr", truePositiveRate), ("fpr", falsePositiveRate),
         ("accuracy", accuracy), ("precision", precision)]
    }
}

extension CategoricalSummary {
    /// The `limit` most frequent categories, ties by name.
    func topCategories(_ limit: Int) -> [(String, Int)] {
        counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(max(limit, 0)).map { ($0.key, $0.value) }
    }
}
