import ArgumentParser
import DriftCore
import Foundation
import Monitor
import MonitorCore

/// `driftwatch profile`: the reference profile of a training or validation dataset.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Build a reference profile (profile.json) from a JSON-lines or CSV dataset, in two passes.",
        discussion: """
        JSON lines are decoded with the configuration's field mapping (only prediction events are profiled).
        CSV: one column per feature, except the reserved columns \(DatasetReader.reservedCSVColumns.joined(separator: ", ")),
        the --segment-columns and the --ignore-columns. The score is profiled as @score and the predicted class
        as @prediction. Labels (label events joined by id, or a `label` column) add the reference's outcomes:
        performance and per-group fairness, and each metric's spread over chunks, which relative and `sigma`
        rule conditions need. A regression model (declared in --config: models: {name: {type: regression}})
        gets its MAE, RMSE, MAPE, bias, R², per-group errors and residuals instead. A second pass measures each drift statistic's spread over chunks of the data.
        Use the profile with `driftwatch replay --reference` or `driftwatch compare --reference`.
        """
    )

    @Option(help: "Dataset: .csv, or JSON lines (any other extension).")
    var input: String

    @Option(help: "Where the profile goes (JSON).")
    var out: String

    @OptionGroup var dataset: DatasetArguments

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let configuration = try dataset.configuration()
        var labelled: LabelledDatasetProfiler
        do {
            labelled = LabelledDatasetProfiler(try DatasetProfiler(configuration: try dataset.profileConfiguration(configuration),
                                                                   kinds: try dataset.featureKinds(configuration),
                                                                   maximumFeatures: configuration.limits.maximumFeatures))
        } catch let error as ProfileError {
            throw ValidationError(error.description)
        }
        let options = dataset.datasetOptions(configuration)
        let counters: DatasetReadCounters
        let document: ProfileDocument
        do {
            let meter = progress.meter(label: "profile", estimatedTotal: ProgressMeter.estimateLines(in: [input]), unit: "rows")
            counters = try DatasetReader.read(path: input, options: options) { event in
                labelled.add(event)
                meter.advance()
            }
            meter.finish()
            try dataset.rejections.check(counters.rejectionTally, of: input, configuration: configuration)
            guard labelled.profiler.rowCount > 0 else { throw CommandFailure("\(input): no predictions to profile (\(counters.summary))") }
            document = try labelled.document(model: dataset.model, version: dataset.version) { add in
                _ = try DatasetReader.read(path: input, options: options) { event in
                    if case let .prediction(prediction) = event { add(prediction) }
                }
            }
        } catch let error as DatasetError {
            throw CommandFailure(error.description)
        }
        let profiler = labelled.profiler
        let profile = document.profile
        var notes: [String] = []
        do {
            try document.encoded().write(to: URL(fileURLWithPath: out))
        } catch {
            throw CommandFailure("cannot write \(out): \(error.localizedDescription)")
        }

        print("profiled \(profiler.rowCount) rows of \(input): \(counters.summary)")
        print(ProfileSummary.table(profile))
        if let outcomes = document.outcomes, outcomes.isRegression {
            let regression = outcomes.regression
            func value(_ number: Double?) -> String { number.map { String(format: "%.6g", $0) } ?? "-" }
            print("outcomes: \(outcomes.labelled) labelled of \(outcomes.predictions) predictions (regression), MAE \(value(regression.meanAbsoluteError)), "
                + "RMSE \(value(regression.rootMeanSquaredError)), MAPE \(value(regression.meanAbsolutePercentageError)), "
                + "bias \(value(regression.bias)), R² \(value(regression.r2))")
        } else if let outcomes = document.outcomes, outcomes.isMulticlass {
            let multiclass = outcomes.multiclass
            func value(_ number: Double?) -> String { number.map { String(format: "%.4f", $0) } ?? "-" }
            print("outcomes: \(outcomes.labelled) labelled of \(outcomes.predictions) predictions (multiclass, \(multiclass.classes.count) classes), "
                + "accuracy \(value(multiclass.accuracy)), macro F1 \(value(multiclass.macro?.f1)), log loss \(value(multiclass.logLoss))")
        } else if let outcomes = document.outcomes {
            let accuracy = outcomes.performance.accuracy.map { String(format: "%.4f", $0) } ?? "-"
            print("outcomes: \(outcomes.labelled) labelled of \(outcomes.predictions) predictions, accuracy \(accuracy); "
                + "performance spread over \(outcomes.chunks[.accuracy] == nil ? "too few" : "chunks of \(outcomes.chunkSize)") labelled predictions")
        } else {
            print("outcomes: none (no labels joined): performance and fairness rules relative to the reference cannot use this profile")
        }
        if let chunks = document.chunks { print("drift statistics' spread over chunks of \(chunks.size) predictions: \(chunks.statistics.count) statistics") }
        if let multiclass = document.outcomes?.multiclass, multiclass.overflowCount > 0 {
            notes.append("\(multiclass.overflowCount) labelled predictions naming a class beyond the first \(multiclass.maximumClasses) left out of the outcomes")
        }
        if labelled.outcomeOverflowCount > 0 { notes.append("\(labelled.outcomeOverflowCount) predictions beyond the label join's capacity left out of the outcomes") }
        if profiler.typeMismatchCount > 0 { notes.append("\(profiler.typeMismatchCount) values of the wrong type (numeric: counted missing; categorical: kept as text)") }
        if profiler.invalidValueCount > 0 { notes.append("\(profiler.invalidValueCount) object/array values counted missing") }
        if profiler.ignoredFeatureCount > 0 { notes.append("\(profiler.ignoredFeatureCount) values of features beyond the first \(profiler.maximumFeatures) left out") }
        for note in notes { print("note: " + note) }
        print("wrote \(out)")
    }
}

/// A profile as a readable table: kind, rows, missing rate and a short description per feature.
enum ProfileSummary {
    static func table(_ profile: ReferenceProfile) -> String {
        var rows = [["feature", "kind", "rows", "missing", "summary"]]
        for name in profile.featureNames {
            switch profile.features[name]! {
            case let .numeric(reference):
                let moments = reference.moments
                let summary = moments.count > 0
                    ? "mean \(short(moments.mean)) std \(short(moments.populationStandardDeviation ?? 0)) range [\(short(moments.minimum)), \(short(moments.maximum))]"
                    : "no values"
                rows.append([name, "numeric", "\(reference.summary.totalCount)", percent(reference.missingRate), summary])
            case let .categorical(reference):
                let summary = reference.summary
                let top = summary.counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(3).map { "\($0.key) \($0.value)" }
                let other = summary.overflowCount > 0 ? ", other \(summary.overflowCount)" : ""
                rows.append([name, "categorical", "\(summary.totalCount)", percent(reference.missingRate),
                             "\(summary.counts.count) categories: " + top.joined(separator: ", ") + other])
            }
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0 == row.count - 1 ? $1 : $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    private static func percent(_ rate: Double?) -> String {
        rate.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
    }

    private static func short(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}
