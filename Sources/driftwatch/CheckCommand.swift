import ArgumentParser
import Foundation
import Monitor
import MonitorCore

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

        With --candidate FILE (the same batch scored by a challenger version: its predictions with the same ids, and
        the labels), the challenger is compared with the champion (--current): accuracy, precision and recall
        overall and per segment group, with 95 % Wilson intervals and Newcombe's interval of the difference. A
        metric fails (a critical failure) when its whole interval lies below -tolerance.
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

    @Option(help: "The same batch scored by the challenger (JSON lines or CSV, repeatable): compared with the champion (--current).")
    var candidate: [String] = []

    @Option(help: "How much worse (absolute, e.g. 0.02 = 2 points of accuracy) the challenger may be before the gate fails.")
    var tolerance = 0.01

    @Option(help: "Groups with fewer predictions are left out of the challenger comparison's fairness gaps.")
    var minGroupSize = 100

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
        var cases = check.cases(rules: gate, activity: engine.ruleActivity)
        print(RuleCheck.table(cases), terminator: "")
        var regressions = 0
        if !candidate.isEmpty {
            let comparison = try compare(file)
            print(comparison.table(), terminator: "")
            cases += comparison.cases
            regressions = comparison.failures.count
        }
        if let junit {
            let out = try OutputFile(path: junit)
            out.writeLine(RuleCheck.junit(cases, suite: "driftwatch check " + current.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ",")))
            try out.close()
        }
        let breaches = RuleCheck.breaches(cases, atOrAbove: failOn)
        let counts = Dictionary(grouping: cases, by: \.outcome).mapValues(\.count)
        print("\(counts[.pass] ?? 0) passed, \(counts[.fail] ?? 0) failed, \(counts[.skipped] ?? 0) skipped; \(breaches.count) failure(s) at or above \(failOn.rawValue)"
            + (candidate.isEmpty ? "" : " (\(regressions) challenger regression(s) beyond \(tolerance))"))
        if !breaches.isEmpty { throw ExitCode.failure }
    }

    /// The champion (--current) and the challenger (--candidate), each one model version.
    private func compare(_ file: DriftwatchConfiguration) throws -> ChallengerComparison {
        guard tolerance >= 0, tolerance < 1 else { throw ValidationError("--tolerance must be in [0, 1), got \(tolerance)") }
        var options = DatasetOptions()
        options.decoder = file.decoder
        let sides = try [("champion", current), ("challenger", candidate)].map { name, paths in
            let batch: ChallengerComparison.Batch
            do {
                batch = try ChallengerComparison.Batch.read(paths: paths, options: options, maximumAttributes: file.monitor.caps.segmentAttributes)
            } catch let error as DatasetError {
                throw CommandFailure(error.description)
            }
            guard batch.version != nil else {
                throw CommandFailure("the \(name) batch (\(paths.joined(separator: ", "))) holds \(batch.versions.count) model versions "
                    + "(\(batch.versions.joined(separator: ", "))); --candidate compares one with one")
            }
            var notes = ["\(name): \(batch.counters.predictions) predictions, \(batch.counters.labels) labels"]
            if batch.counters.rejectedTotal > 0 {
                notes.append("\(batch.counters.rejectedTotal) rejected (" + batch.counters.rejected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")")
            }
            if batch.unclassified > 0 { notes.append("\(batch.unclassified) without a predicted class (left out)") }
            if batch.overflow > 0 { notes.append("\(batch.overflow) beyond the join's row cap (left out)") }
            if batch.duplicateLabels > 0 { notes.append("\(batch.duplicateLabels) duplicate labels (the last one counts)") }
            FileHandle.standardError.write(Data((notes.joined(separator: "; ") + "\n").utf8))
            return batch
        }
        return ChallengerComparison(champion: sides[0], challenger: sides[1], tolerance: tolerance, minimumGroupSize: minGroupSize)
    }
}

extension Severity: ExpressibleByArgument {}
