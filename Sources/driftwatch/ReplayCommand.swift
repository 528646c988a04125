import ArgumentParser
import DriftCore
import Foundation
import Monitor

/// `driftwatch replay`: the monitor over files, in event-time order, deterministically.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the monitor over JSON-lines files and write its alerts, retraining triggers and metrics.",
        discussion: """
        Inputs are processed in event-time order (several inputs are merged by timestamp). The same input and
        rules always give byte-identical outputs. Without --reference, each model version's first window is its
        reference.
        """
    )

    @Option(help: "Input file of prediction and/or label events (repeatable).")
    var input: [String]

    @Option(help: "Rule files or directories.")
    var rules: [String] = ["rules"]

    @Option(help: "Reference profile (from `driftwatch profile`) for every model and version.")
    var reference: String?

    @Option(help: "Where alert events and retraining triggers go (JSON lines).")
    var alertsOut: String

    @Option(help: "Where the metrics time series goes (JSON lines).")
    var metricsOut: String?

    @Option(help: "Where rejected lines go, with their reason (JSON lines).")
    var deadLetterOut: String?

    @Option(help: "Window length (e.g. 1h), event time.")
    var window = "1h"

    @Option(help: "Window slide (pane length), e.g. 5m.")
    var slide = "5m"

    @Option(help: "Allowed lateness before a pane closes, e.g. 1m.")
    var lateness = "1m"

    @Option(help: "Use count windows of this many events instead of event time (low-traffic models).")
    var countWindow: Int?

    @Option(help: "Slide of count windows, in events.")
    var countSlide: Int?

    @Option(help: "How long a prediction waits for its label (e.g. 7d).")
    var labelTtl = "7d"

    func run() throws {
        let ruleSet: RuleSet
        switch RuleLoader.load(paths: rules) {
        case let .success(loaded): ruleSet = loaded
        case let .failure(failure):
            for error in failure.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
            throw CommandFailure("the rules have \(failure.errors.count) error(s); nothing was replayed")
        }
        var configuration = MonitorConfiguration()
        configuration.window = try windowSpec()
        configuration.join.timeToLiveMilliseconds = try duration(labelTtl, "--label-ttl")
        if let reference {
            let profile = try ProfileFile.load(reference)
            configuration.references.set(profile, identifier: URL(fileURLWithPath: reference).lastPathComponent)
        }
        let engine = MonitorEngine(configuration: configuration, rules: ruleSet)

        let alerts = try OutputFile(path: alertsOut)
        let metrics = try metricsOut.map { try OutputFile(path: $0) }
        let deadLetters = try deadLetterOut.map { try OutputFile(path: $0) }
        try Replay.run(inputs: input, engine: engine, deliver: { outputs in
            for output in outputs {
                switch output.kind {
                case .alert, .retrain:
                    alerts.writeLine(output.json)
                case .metric, .notice:
                    metrics?.writeLine(output.json)
                }
            }
        }, deadLetter: { letter in
            deadLetters?.writeLine(letter.json)
        })
        try alerts.close()
        try metrics?.close()
        try deadLetters?.close()

        for line in engine.summaryLines() { print(line) }
    }

    private func windowSpec() throws -> WindowSpec {
        do {
            if let countWindow {
                return try WindowSpec.count(window: countWindow, slide: countSlide ?? max(1, countWindow / 12))
            }
            return try WindowSpec.eventTime(
                window: try duration(window, "--window"), slide: try duration(slide, "--slide"),
                allowedLateness: try duration(lateness, "--lateness"))
        } catch let error as WindowSpecError {
            throw ValidationError(error.description)
        }
    }

    private func duration(_ text: String, _ option: String) throws -> Int64 {
        do { return try RuleDuration.milliseconds(text) } catch { throw ValidationError("\(option): \(error.message)") }
    }
}

enum ISO8601 {
    static func string(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// Reads a reference profile written by `driftwatch profile` (JSON).
enum ProfileFile {
    static func load(_ path: String) throws -> ReferenceProfile {
        do {
            return try JSONDecoder().decode(ReferenceProfile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandFailure("cannot read reference profile \(path): \(error)")
        }
    }
}
