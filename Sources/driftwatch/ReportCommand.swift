import ArgumentParser
import Foundation
import Monitor

/// `driftwatch report`: a replay of the history written as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Replay a history and write one self-contained HTML report (inline SVG, CSS and script; nothing fetched).",
        discussion: """
        Overview (models, versions, alert timeline); per model version every metric a rule watches over time with
        its threshold and the alert episodes shaded (series downsampled to at most 480 points, min-max band kept);
        performance with label coverage; fairness per group with Wilson intervals where fairness alerts fired;
        data quality; and every rule's judged and skipped evaluations.
        """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: "Where the report goes (HTML).")
    var out: String

    @Option(help: "The report's title.")
    var title = "driftwatch report"

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try history.configurationFile()
        let rules = try history.loadRules()
        let engine = try history.makeEngine(file, rules: rules)
        var collector = HistoryCollector()
        try history.replay(engine, file: file, progress: progress) { outputs in
            for output in outputs { collector.add(AnalysisRecord(output)) }
        }
        try Self.write(collector, engine: engine, rules: rules, title: title, inputs: history.input, to: out)
    }

    /// Renders and writes the report (also `replay --report`).
    static func write(_ collector: HistoryCollector, engine: MonitorEngine, rules: RuleSet, title: String, inputs: [String], to path: String) throws {
        let html = HTMLReport(title: title, inputs: inputs.map { URL(fileURLWithPath: $0).lastPathComponent }, history: collector,
                              rules: rules, activity: engine.ruleActivity).render()
        let file = try OutputFile(path: path)
        file.writeLine(html)
        try file.close()
    }
}
