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

    @Option(help: "Configuration file (driftwatch.yaml); options given on the command line override it.")
    var config: String?

    @OptionGroup var windowOptions: WindowOptions

    @OptionGroup var rejections: RejectionOptions

    func run() throws {
        let file = try config.map { try ConfigurationFile.load($0) } ?? DriftwatchConfiguration()
        let ruleSet: RuleSet
        switch RuleLoader.load(paths: rules) {
        case let .success(loaded): ruleSet = loaded
        case let .failure(failure):
            for error in failure.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
            throw CommandFailure("the rules have \(failure.errors.count) error(s); nothing was replayed")
        }
        var configuration = file.monitor
        try windowOptions.apply(to: &configuration)
        configuration.emitsMetricEvents = metricsOut != nil
        if let reference {
            configuration.references.set(try ProfileFile.load(reference), identifier: URL(fileURLWithPath: reference).lastPathComponent)
        }
        let engine = MonitorEngine(configuration: configuration, rules: ruleSet, decoder: file.decoder)
        for gap in engine.referenceGaps { FileHandle.standardError.write(Data(("warning: " + gap + "\n").utf8)) }

        let alerts = try OutputFile(path: alertsOut)
        let metrics = try metricsOut.map { try OutputFile(path: $0) }
        let deadLetters = try deadLetterOut.map { try OutputFile(path: $0) }
        try Replay.run(inputs: input, engine: engine, maximumLineBytes: file.limits.maximumEventBytes, deliver: { outputs in
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
        try rejections.check(engine.counters.rejectionTally, of: input.joined(separator: ", "), configuration: file)
    }
}

enum ISO8601 {
    static func string(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// Reads a reference profile written by `driftwatch profile` (JSON), with or without its model/version wrapper.
enum ProfileFile {
    static func load(_ path: String) throws -> ProfileDocument {
        do {
            return try ProfileDocument.load(path: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
