import ArgumentParser
import Foundation
import Monitor

/// `driftwatch check`: a rule suite for CI pipelines and promotion gates.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Judge every rule once on a batch against a reference profile: pass/fail per rule and subject, JUnit XML, exit 1 on a breach.",
        discussion: """
        The batch is one window (every model version's predictions in it; its labels joined for performance and
        fairness rules); each alert rule is judged once on it against the profile, `for` and `keep_firing_for` not
        applying. Retraining rules are triggers, not checks, and are left out. Exits 1 when a rule at or above
        --fail-on fails (skipped rules do not fail the gate; they are listed).
        """
    )

    @Option(help: "Reference profile (from `driftwatch profile`).")
    var reference: String

    @Option(help: "The batch: JSON-lines file(s) of prediction and label events.")
    var current: [String]

    @Option(help: "Rule files or directories.")
    var rules: [String] = ["rules"]

    @Option(help: "Configuration file (driftwatch.yaml).")
    var config: String?

    @Option(help: "Where the JUnit XML goes.")
    var junit: String?

    @Option(help: "Lowest severity whose breach fails the check: info | warning | critical.")
    var failOn: Severity = .warning

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try config.map { try ConfigurationFile.load($0) } ?? DriftwatchConfiguration()
        let gate = RuleCheck.gateRules(try HistoryOptions.loadRules(rules))
        // One window holding the whole batch: count the predictions first.
        let counting = try HistoryOptions.makeEngine(file, configuration: file.monitor, rules: RuleSet(rules: [], files: []), reference: reference)
        try HistoryOptions.replay(current, counting, file: file, progress: ProgressOptions(quiet: true)) { _ in }
        let predictions = counting.counters.predictions
        guard predictions > 0 else { throw CommandFailure("\(current.joined(separator: ", ")): no predictions to check") }
        var configuration = file.monitor
        configuration.window = try WindowSpec.count(window: predictions, slide: predictions)
        let engine = try HistoryOptions.makeEngine(file, configuration: configuration, rules: gate, reference: reference)
        var check = RuleCheck()
        try HistoryOptions.replay(current, engine, file: file, progress: progress) { outputs in
            for output in outputs { check.add(AnalysisRecord(output)) }
        }
        let cases = check.cases(rules: gate, activity: engine.ruleActivity)
        print(RuleCheck.table(cases), terminator: "")
        if let junit {
            let out = try OutputFile(path: junit)
            out.writeLine(RuleCheck.junit(cases, suite: "driftwatch check " + current.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ",")))
            try out.close()
        }
        let breaches = RuleCheck.breaches(cases, atOrAbove: failOn)
        let counts = Dictionary(grouping: cases, by: \.outcome).mapValues(\.count)
        print("\(counts[.pass] ?? 0) passed, \(counts[.fail] ?? 0) failed, \(counts[.skipped] ?? 0) skipped; \(breaches.count) failure(s) at or above \(failOn.rawValue)")
        if !breaches.isEmpty { throw ExitCode.failure }
    }
}

extension Severity: ExpressibleByArgument {}
