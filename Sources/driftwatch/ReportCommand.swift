import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// `driftwatch report`: a replay of the history written as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Replay a history and write one self-contained HTML report (inline SVG, CSS and script; nothing fetched).",
        discussion: """
        Overview (models, versions, alert timeline); per model version every metric a rule watches over time with
        its threshold and the alert episodes shaded (series downsampled to at most 480 points, min-max band kept);
        performance with label coverage; fairness per group with Wilson intervals where fairness alerts fired;
        data quality; and every rule's judged and skipped evaluations. With --sweep RULE --thresholds ..., the same
        pass also sweeps that rule's threshold (as `driftwatch tune` does) and the report charts episodes, flaps
        and time firing against the threshold.
        """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: "Where the report goes (HTML).")
    var out: String

    @Option(help: "The report's title.")
    var title = "driftwatch report"

    @Option(help: "A rule whose threshold is swept in the same pass (with --thresholds, --for, --incidents) and charted.")
    var sweep: String?

    @OptionGroup var candidates: SweepOptions

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try history.configurationFile()
        let rules = try history.loadRules()
        let known = try candidates.knownIncidents()
        var thresholdSweep = try sweep.map { try candidates.sweep(of: $0, in: rules) }
        let document = try history.reference.map { try ProfileFile.load($0) }
        var distributions = document.map(FeatureDistributions.init)
        // The sweep's clones run beside the rules; their alerts feed the sweep only.
        let clones = Set(thresholdSweep?.ruleSet.rules.map(\.name) ?? [])
        let engine = try history.makeEngine(file, rules: RuleSet(rules: rules.rules + (thresholdSweep?.ruleSet.rules ?? []), files: rules.files))
        var collector = HistoryCollector()
        try history.replay(engine, file: file, progress: progress) { outputs in
            for output in outputs {
                let record = AnalysisRecord(output)
                thresholdSweep?.add(record)
                if case let .alert(transition) = record, clones.contains(transition.rule) { continue }
                collector.add(record)
                distributions?.consider(record)
            }
        }
        if var chosen = distributions, !chosen.targets.isEmpty {
            // A second pass over the input for the chosen windows' feature values.
            var options = DatasetOptions()
            options.decoder = file.decoder
            for input in history.input {
                do {
                    _ = try DatasetReader.read(path: input, options: options) { event in
                        if case let .prediction(prediction) = event { chosen.add(prediction) }
                    }
                } catch let error as DatasetError {
                    throw CommandFailure(error.description)
                }
            }
            if chosen.omitted > 0 || chosen.mismatched > 0 {
                FileHandle.standardError.write(Data("report: \(chosen.omitted) feature alerts past the \(FeatureDistributions.maximumShown) distributions drawn; \(chosen.mismatched) values of another kind than the profile's left out\n".utf8))
            }
            distributions = chosen
        }
        // A regression model's residuals: a second pass joining its predictions and labels.
        var residuals: ResidualDistributions?
        if engine.modelTypes.contains(.regression) {
            var joined = ResidualDistributions(reference: document)
            var options = DatasetOptions()
            options.decoder = file.decoder
            for input in history.input {
                do {
                    _ = try DatasetReader.read(path: input, options: options) { joined.add($0) }
                } catch let error as DatasetError {
                    throw CommandFailure(error.description)
                }
            }
            if joined.overflow > 0 {
                FileHandle.standardError.write(Data("report: \(joined.overflow) residuals past the caps left out of the residual distribution\n".utf8))
            }
            residuals = joined
        }
        let chart = thresholdSweep.map { sweep in
            SweepOptions.warnOverflow(sweep)
            return SweepChart(rule: sweep.base.name, results: sweep.results(activity: engine.ruleActivity, incidents: known))
        }
        try Self.write(collector, activity: engine.ruleActivity.filter { !clones.contains($0.rule) }, rules: rules, title: title,
                       inputs: history.input, reference: document.map(ReferenceValues.init), distributions: distributions, residuals: residuals,
                       sweep: chart, to: out)
    }

    /// Renders and writes the report (also `replay --report`).
    static func write(_ collector: HistoryCollector, activity: [RuleActivity], rules: RuleSet, title: String, inputs: [String],
                      reference: ReferenceValues?, distributions: FeatureDistributions? = nil, residuals: ResidualDistributions? = nil,
                      sweep: SweepChart? = nil, to path: String) throws {
        var report = HTMLReport(title: title, inputs: inputs.map { URL(fileURLWithPath: $0).lastPathComponent }, history: collector,
                                rules: rules, activity: activity, sweep: sweep)
        report.reference = reference
        report.distributions = distributions
        report.residuals = residuals
        let html = report.render()
        let file = try OutputFile(path: path)
        file.writeLine(html)
        try file.close()
    }
}
