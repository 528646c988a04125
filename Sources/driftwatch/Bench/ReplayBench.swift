import ArgumentParser
import Foundation
import Monitor
import Simulation

/// `driftwatch bench replay`: the monitor's throughput and peak memory on a simulated
/// credit-risk stream (10 numeric + 3 categorical features, 3 segment attributes, labels
/// for 95 % of predictions) with the default rules — issue 4's benchmark.
struct ReplayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Benchmark replay throughput and peak memory on a simulated stream."
    )

    @Option(help: "Prediction events in the simulated stream.")
    var events = 1_000_000

    @Option(help: "Rule files or directories.")
    var rules: [String] = ["rules"]

    @Option(help: "Where to write the simulated stream (deleted afterwards unless given).")
    var stream: String?

    @Flag(help: "Replay the file at --stream as it is, without simulating it again (repeated runs, profiling).")
    var reuseStream = false

    func run() throws {
        let path = stream ?? FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-bench-\(getpid()).jsonl").path
        defer { if stream == nil { try? FileManager.default.removeItem(atPath: path) } }
        if reuseStream {
            guard stream != nil else { throw ValidationError("--reuse-stream needs --stream") }
        } else {
            var simulation = StreamSimulator.Configuration()
            simulation.events = events
            simulation.seed = 1
            let output = try OutputFile(path: path)
            for line in StreamSimulator(simulation) { output.writeLine(line.json) }
            try output.close()
        }

        let ruleSet = try RuleLoader.load(paths: rules).get()
        let engine = MonitorEngine(rules: ruleSet)
        var alerts = 0
        let residentBefore = Bench.peakResidentBytes()
        let start = Bench.monotonicNanoseconds()
        try Replay.run(inputs: [path], engine: engine, deliver: { outputs in
            alerts += outputs.filter { $0.kind == .alert || $0.kind == .retrain }.count
        }, deadLetter: { _ in })
        let seconds = Double(Bench.monotonicNanoseconds() - start) / 1e9
        let counters = engine.counters
        let messages = counters.predictions + counters.labels
        print("== replay (\(counters.predictions) predictions, \(counters.labels) labels, rules digest \(engine.rulesDigest))")
        print(BenchmarkResult(name: "replay per prediction", operations: counters.predictions,
                              nanosecondsPerOperation: seconds * 1e9 / Double(counters.predictions),
                              note: "target >= 1 M predictions/s").line)
        print(BenchmarkResult(name: "replay per message (predictions + labels)", operations: messages,
                              nanosecondsPerOperation: seconds * 1e9 / Double(messages)).line)
        print(BenchmarkResult(name: "replay peak memory", operations: 1, nanosecondsPerOperation: .nan,
                              note: "peak RSS \(Bench.peakResidentBytes() >> 20) MiB (before the run \(residentBefore >> 20) MiB; target <= 300 MiB); \(alerts) alerts and triggers").line)
    }
}
