import ArgumentParser
import Monitor
import Service
import Simulation

/// `driftwatch bench checkpoint`: size and time of the engine's checkpoint (and of a
/// restore) for a realistic state — several models past their stream reference, a
/// full drift window each, and every prediction of the label time-to-live in the join.
struct CheckpointBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Benchmark checkpoint size, checkpoint time and restore time."
    )

    @Option(help: "Prediction events in the simulated stream (100 ms apart; the default ends two hours in: a one-hour stream reference, then a full one-hour window).")
    var events = 75_000

    @Option(help: "Models the predictions are spread over.")
    var models = 10

    @Option(help: "Rule files or directories.")
    var rules: [String] = ["rules"]

    func run() throws {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.models = models
        simulation.seed = 1
        let ruleSet = try RuleLoader.load(paths: rules).get()
        let engine = MonitorEngine(rules: ruleSet)
        for line in StreamSimulator(simulation) {
            var bytes = Array(line.json.utf8)
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            _ = engine.drainOutputs()
        }
        var checkpoint: [UInt8] = []
        let write = Bench.measure("checkpoint (write)", operations: 1) { checkpoint = engine.checkpoint() }
        var restoreError: (any Error)?
        let read = Bench.measure("checkpoint (restore)", operations: 1) {
            do { blackHole(try MonitorEngine(restoring: checkpoint, rules: ruleSet)) } catch { restoreError = error }
        }
        if let restoreError { throw CommandFailure("restoring the checkpoint failed: \(restoreError)") }
        let counters = engine.counters
        print("== checkpoint (\(models) models, \(counters.predictions) predictions, \(counters.labels) labels, \(engine.pendingLabels) predictions in the label join)")
        print(BenchmarkResult(name: "checkpoint size", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(checkpoint.count) bytes (\(checkpoint.count >> 10) KiB)").line)
        let records = try CheckpointStore.recordSizes(ofEngineBlob: checkpoint,
                                                      maximumRecordBytes: CheckpointOptions.defaultMaximumRecordBytes)
        print(BenchmarkResult(name: "checkpoint records", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(records.count) state-topic records (chunks + manifest), largest \(records.max() ?? 0) bytes (limit \(CheckpointOptions.defaultMaximumRecordBytes)); one record of \(checkpoint.count) bytes before chunking").line)
        for result in [write, read] {
            print(BenchmarkResult(name: result.name, operations: 1, nanosecondsPerOperation: .nan,
                                  note: "\(Int((result.nanosecondsPerOperation / 1e6).rounded())) ms (best of 5)").line)
        }
    }
}
