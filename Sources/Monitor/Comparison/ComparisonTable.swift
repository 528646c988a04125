import DriftCore
import MonitorCore

/// The comparison as aligned text tables for a terminal (`compare --format table`).
extension DatasetComparison {
    package func table() -> String {
        var sections: [String] = []
        var numeric = TextTable(["feature", "psi", "js", "hellinger", "ks", "ks p", "wasserstein", "mean shift", "std ratio",
                                 "missing ref", "missing cur"])
        var categorical = TextTable(["feature", "psi", "js", "tvd", "chi2", "chi2 p", "new cat.", "missing ref", "missing cur",
                                     "top current"])
        for feature in features + [score, prediction].compactMap({ $0 }) {
            switch feature.sides {
            case let .numeric(_, _, drift):
                numeric.add([feature.name, f(drift.psi), f(drift.js), f(drift.hellinger), f(drift.ks?.statistic), f(drift.ks?.pvalue),
                             f(drift.wasserstein), f(drift.meanShift), f(drift.stdRatio),
                             f(drift.missingRate.reference), f(drift.missingRate.current)])
            case let .categorical(_, current, drift):
                let top = current.topCategories(3).map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                categorical.add([feature.name, f(drift.psi), f(drift.js), f(drift.tvd), f(drift.chi2?.statistic), f(drift.chi2?.pValue),
                                 f(drift.newCategoryRate), f(drift.missingRate.reference), f(drift.missingRate.current), top])
            }
        }
        sections.append("Numeric drift\n" + numeric.render())
        sections.append("Categorical drift\n" + categorical.render())

        let differences = performanceDifferences
        var performance = TextTable(["metric", "reference", "current"] + (differences == nil ? [] : ["difference"]))
        // By name: a binary classifier's data may be compared with a regression model's.
        let reference = referenceOutcomes.map { Dictionary(uniqueKeysWithValues: $0.performanceMetrics.map { ($0.0, $0.1) }) }
        for (name, value) in currentOutcomes.performanceMetrics {
            let show = name == "count" ? { (value: Double?) in value.map { String(Int($0)) } ?? "-" } : f
            let difference = differences.map { differences in [differences.first { $0.0 == name }.map { f($0.1) } ?? "-"] } ?? []
            performance.add([name, reference.map { show($0[name] ?? nil) } ?? "-", show(value)] + difference)
        }
        sections.append("Performance (labelled predictions)\n" + performance.render())
        if let regression = regressionComparison {
            sections.append("Residual drift (label − prediction, current against reference)\n  psi \(f(regression.residualPSI))  ks \(f(regression.residualKS))")
        }
        if let classes = classComparisons {
            let rates = ["precision", "recall", "f1"]
            var table = TextTable(["class", "support ref", "support cur"] + rates.flatMap { ["\($0) ref", "\($0) cur", "\($0) diff"] })
            for comparison in classes {
                let sides = [comparison.reference, comparison.current].map { $0.map { Dictionary(uniqueKeysWithValues: $0.namedRates.map { ($0.0, $0.1) }) } }
                let differences = comparison.differences.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.0, $0.1) }) }
                table.add([comparison.name, comparison.reference.map { "\($0.support)" } ?? "-", comparison.current.map { "\($0.support)" } ?? "-"]
                          + rates.flatMap { rate in [f(sides[0]?[rate] ?? nil), f(sides[1]?[rate] ?? nil), f(differences?[rate] ?? nil)] })
            }
            let overflow = currentOutcomes.multiclass.overflowCount
            let capped = overflow > 0 ? "\n  \(overflow) current labelled predictions beyond the first \(currentOutcomes.multiclass.maximumClasses) classes left out" : ""
            sections.append("Per-class performance (one-vs-rest)\n" + table.render() + capped)
        }

        for (attributes, report) in regressionFairness where currentOutcomes.isRegression {
            var groups = TextTable(["group", "labelled", "mae", "rmse", "bias"])
            for group in report.groups {
                groups.add([group.key.values.joined(separator: "×"), "\(group.count)", f(group.meanAbsoluteError), f(group.rootMeanSquaredError), f(group.bias)])
            }
            sections.append(groupSection("Per-group errors", attributes: attributes, groups: groups, excluded: report.excluded, minimumGroupSize: report.minimumGroupSize,
                                         gaps: RegressionFairnessMetric.allCases.map { ($0.rawValue, $0.value(of: report)) }))
        }
        for (attributes, report) in multiclassFairness where currentOutcomes.isMulticlass {
            var groups = TextTable(["group", "labelled", "accuracy"])
            for group in report.groups { groups.add([group.key.values.joined(separator: "×"), "\(group.rows)", f(group.accuracy)]) }
            sections.append(groupSection("Per-group accuracy", attributes: attributes, groups: groups, excluded: report.excluded, minimumGroupSize: report.minimumGroupSize,
                                         gaps: MulticlassFairnessMetric.allCases.map { ($0.rawValue, $0.value(of: report)) }))
        }
        for (attributes, report) in fairness where currentOutcomes.modelType == .binary {
            var groups = TextTable(["group", "count", "labelled", "selection rate", "tpr", "fpr", "accuracy", "precision"])
            for group in report.groups {
                groups.add([group.key.values.joined(separator: "×"), "\(group.predictionCount)", "\(group.labelledCount)"]
                           + group.namedRates.map { rate(of: $0.1) })
            }
            let gaps = report.namedGaps.map { "\($0.0) \(f($0.1))" }.joined(separator: "\n  ")
            var text = "Fairness: \(attributes.joined(separator: " × ")) (groups under \(report.minimumGroupSize) excluded from gaps)\n"
            text += groups.render() + "\n  " + gaps
            let excluded = Set(report.excludedFromSelectionGaps + report.excludedFromLabelGaps).sorted()
            if !excluded.isEmpty { text += "\n  excluded: " + excluded.map { $0.values.joined(separator: "×") }.joined(separator: ", ") }
            sections.append(text)
        }
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// A per-group section of a regression model's or multiclass classifier's data: heading, groups, gaps and excluded groups.
    private func groupSection(_ title: String, attributes: [String], groups: TextTable, excluded: [FairnessGroupKey], minimumGroupSize: Int,
                              gaps: [(String, Double?)]) -> String {
        var text = "\(title): \(attributes.joined(separator: " × ")) (groups under \(minimumGroupSize) excluded from gaps)\n"
        text += groups.render() + "\n  " + gaps.map { "\($0.0) \(f($0.1))" }.joined(separator: "\n  ")
        if !excluded.isEmpty { text += "\n  excluded: " + excluded.map { $0.values.joined(separator: "×") }.joined(separator: ", ") }
        return text
    }

    private func rate(of rate: FairnessReport.Rate?) -> String {
        guard let rate else { return "-" }
        guard let interval = rate.interval else { return f(rate.value) }
        return "\(f(rate.value)) [\(f(interval.lower)), \(f(interval.upper))]"
    }

    /// Four decimals, or "-" for an undefined value.
    private func f(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        let scaled = (value * 10_000).rounded() / 10_000
        var text = "\(scaled)"
        if let dot = text.firstIndex(of: "."), !text.contains("e") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            text += String(repeating: "0", count: max(0, 4 - decimals))
        }
        return text
    }
}

/// Columns padded to their widest cell: text left-aligned in the first column, the rest right-aligned.
struct TextTable {
    private var rows: [[String]]

    init(_ header: [String]) { rows = [header] }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
