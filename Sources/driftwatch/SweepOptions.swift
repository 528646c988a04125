import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// The candidates of a threshold sweep (`tune`, `report --sweep`) and the known incidents.
struct SweepOptions: ParsableArguments {
    @Option(help: "Candidate thresholds, comma-separated (e.g. 0.05,0.1,0.2).")
    var thresholds: String?

    @Option(name: .customLong("for"), help: "Candidate `for` values (disjoint windows, as in rules), comma-separated (default: the rule's own).")
    var forValues: String?

    @Option(help: "Known incidents (YAML: incidents: [{name, start, end, subjects, models}]).")
    var incidents: String?

    /// The sweep of `rule` over the candidates; --thresholds is required.
    func sweep(of rule: String, in rules: RuleSet) throws -> ThresholdSweep {
        guard let thresholds else { throw ValidationError("--thresholds is needed to sweep \(rule)") }
        let thresholdValues = try Self.list(thresholds, "--thresholds", Double.init)
        let fors = try forValues.map { try Self.list($0, "--for", Int.init) }
        do {
            return try ThresholdSweep(rules: rules, rule: rule, thresholds: thresholdValues, forEvaluations: fors)
        } catch let error as ThresholdSweep.SweepError {
            throw CommandFailure(error.description)
        }
    }

    func knownIncidents() throws -> [Incident] {
        do { return try incidents.map(IncidentFile.load(path:)) ?? [] } catch { throw CommandFailure("\(error)") }
    }

    static func warnOverflow(_ sweep: ThresholdSweep) {
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
