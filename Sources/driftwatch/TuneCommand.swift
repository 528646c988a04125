import ArgumentParser
import Foundation
import Monitor

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

    @Option(help: "Candidate thresholds, comma-separated (e.g. 0.05,0.1,0.2).")
    var thresholds: String

    @Option(name: .customLong("for"), help: "Candidate `for` values (disjoint windows, as in rules), comma-separated (default: the rule's own).")
    var forValues: String?

    @Option(help: "Known incidents (YAML: incidents: [{name, start, end, subjects, models}]).")
    var incidents: String?

    @Option(help: "table | json | csv")
    var format: SweepFormat = .table

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try history.configurationFile()
        let thresholdValues = try Self.list(thresholds, "--thresholds", Double.init)
        let fors = try forValues.map { try Self.list($0, "--for", Int.init) }
        let known: [Incident]
        do { known = try incidents.map(IncidentFile.load(path:)) ?? [] } catch { throw CommandFailure("\(error)") }
        var sweep: ThresholdSweep
        do { sweep = try ThresholdSweep(rules: try history.loadRules(), rule: rule, thresholds: thresholdValues, forEvaluations: fors) } catch let error as ThresholdSweep.SweepError {
            throw CommandFailure(error.description)
        }
        let engine = try history.makeEngine(file, rules: sweep.ruleSet)
        try history.replay(engine, file: file, progress: progress) { outputs in
            for output in outputs { sweep.add(AnalysisRecord(output)) }
        }
        print(format.render(sweep.results(activity: engine.ruleActivity, incidents: known)), terminator: "")
        if sweep.episodeOverflow > 0 {
            FileHandle.standardError.write(Data("warning: \(sweep.episodeOverflow) alert episodes past the cap were not counted\n".utf8))
        }
    }

    static func list<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
        try text.split(separator: ",").map { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let value = parse(trimmed) else { throw ValidationError("\(option): '\(trimmed)' is not a number") }
            return value
        }
    }
}

extension SweepFormat: ExpressibleByArgument {}
