import ArgumentParser
import Foundation
import Simulation

/// `driftwatch simulate`: a synthetic prediction log with drift injected at known points.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a synthetic credit-risk prediction log with drift injected at known points.",
        discussion: """
        Predictions and their (delayed, 95 %) ground-truth labels are written interleaved in event-time
        order, one JSON object per line. A manifest next to the output lists each injected change with
        the event index and event time where it starts, and the control features that never change.
        Scenarios: stable, mixed (every change kind in turn), or kind@fraction[,kind@fraction...] with
        kinds: \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", ")).
        """
    )

    @Option(name: [.customShort("n"), .long], help: "Number of prediction events.")
    var events = 100_000

    @Option(help: "Random seed; the same seed writes the same bytes.")
    var seed: UInt64 = 42

    @Option(help: "Output file (JSON lines).")
    var out: String

    @Option(help: "Manifest file (default: the output path with .manifest.json).")
    var manifest: String?

    @Option(help: "stable | mixed | kind@fraction[,kind@fraction...]")
    var scenario = "mixed"

    @Option(help: "Event-time milliseconds between predictions.")
    var intervalMs: Int64 = 100

    @Option(help: "Number of models the predictions are spread over.")
    var models = 1

    @Option(help: "Fraction of the stream from which version v2 replaces v1.")
    var versionChangeAt: Double?

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        guard events > 0 else { throw ValidationError("--n must be positive") }
        guard intervalMs > 0 else { throw ValidationError("--interval-ms must be positive") }
        guard models > 0 else { throw ValidationError("--models must be positive") }
        if let versionChangeAt, !(0..<1).contains(versionChangeAt) {
            throw ValidationError("--version-change-at must be in [0, 1)")
        }
        do { _ = try Scenario(parsing: scenario) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        var configuration = StreamSimulator.Configuration()
        configuration.events = events
        configuration.seed = seed
        configuration.scenario = try Scenario(parsing: scenario)
        configuration.intervalMilliseconds = intervalMs
        configuration.models = models
        configuration.versionChangeFraction = versionChangeAt
        let simulator = StreamSimulator(configuration)

        let output = try OutputFile(path: out)
        var predictions = 0
        var labels = 0
        let meter = progress.meter(label: "simulate", estimatedTotal: events, unit: "predictions")
        for line in simulator {
            output.writeLine(line.json)
            if line.kind == .prediction {
                predictions += 1
                meter.advance()
            } else { labels += 1 }
        }
        meter.finish()
        try output.close()

        let manifestPath = manifest ?? (out.hasSuffix(".jsonl") ? String(out.dropLast(6)) : out) + ".manifest.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(simulator.manifest).write(to: URL(fileURLWithPath: manifestPath))

        print("wrote \(predictions) predictions and \(labels) labels to \(out)")
        print("manifest: \(manifestPath)")
        for change in simulator.manifest.changes {
            print("  event \(change.startIndex) (ts \(change.startTimestamp)): \(change.kind.rawValue) → \(change.expected)")
        }
    }
}
