import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// `driftwatch tune`: a threshold (and `for`) sweep of one rule in one pass over the history.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Try several thresholds (and `for` values) of one rule over a history in one pass.",
        discussion: """
        The rule is cloned once per candidate (threshold × for) and one engine evaluates every clone over the
        history, so each candidate's alert episodes are those a replay with that threshold would give. Printed per
        candidate: alert episodes, share of time firing, flaps, and with --incidents the time to detect each
        incident and the episodes outside every incident. The threshold replaces the condition's number as
        written (absolute threshold, reference offset keeping its sign, reference factor, or k of `sigma`).
        """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: "The rule to tune.")
    var rule: String

    @OptionGroup var candidates: SweepOptions

    @Option(help: "table | json | csv")
    var format: SweepFormat = .table

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try history.configurationFile()
        let known = try candidates.knownIncidents()
        var sweep = try candidates.sweep(of: rule, in: try history.loadRules())
        let engine = try history.makeEngine(file, rules: sweep.ruleSet)
        try history.replay(engine, file: file, progress: progress) { outputs in
            for output in outputs { sweep.add(AnalysisRecord(output)) }
        }
        print(format.render(sweep.results(activity: engine.ruleActivity, incidents: known)), terminator: "")
        SweepOptions.warnOverflow(sweep)
    }
}

extension SweepFormat: ExpressibleByArgument {}
