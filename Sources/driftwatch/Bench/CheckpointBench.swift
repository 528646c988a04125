import ArgumentParser
import Foundation
import Monitor
import MonitorCore
import Service
import Simulation

/// `driftwatch bench checkpoint`: size and time of the engine's checkpoint (and of a
/// restore) for a realistic state — several models past their stream reference, a
/// full drift window each, and every prediction of the label time-to-live in the join —
/// as one full snapshot, and as serve writes it: incrementally into a compacted state
/// partition (slots in turn, label-join pages once per slot), every `--checkpoint-every`
/// messages while the stream is processed.
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

    @Option(help: "Messages between incremental checkpoints while the stream is processed (0: none, the engine alone).")
    var checkpointEvery = 20_000

    func run() throws {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.models = models
        simulation.seed = 1
        let ruleSet = try RuleLoader.load(paths: rules).get()
        let engine = MonitorEngine(rules: ruleSet)
        var log = CompactedCheckpointLog(maximumRecordBytes: CheckpointOptions.defaultMaximumRecordBytes,
                                         configuration: engine.configuration)
        var incremental: [(bytes: Int, records: Int, largest: Int, nanoseconds: UInt64)] = []
        for (index, line) in StreamSimulator(simulation).enumerated() {
            var bytes = Array(line.json.utf8)
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            _ = engine.drainOutputs()
            if checkpointEvery > 0, (index + 1) % checkpointEvery == 0 {
                let start = Bench.monotonicNanoseconds()
                let sizes = try log.write(engine)
                incremental.append((sizes.reduce(0, +), sizes.count, sizes.max() ?? 0, Bench.monotonicNanoseconds() - start))
            }
        }
        let streamPeak = Bench.peakResidentBytes()
        var checkpoint: [UInt8] = []
        let write = Bench.measure("checkpoint (write)", operations: 1) { checkpoint = engine.checkpoint() }
        var restoreError: (any Error)?
        let read = Bench.measure("checkpoint (restore)", operations: 1) {
            do { blackHole(try MonitorEngine(restoring: checkpoint, rules: ruleSet)) } catch { restoreError = error }
        }
        if let restoreError { throw CommandFailure("restoring the checkpoint failed: \(restoreError)") }
        let counters = engine.counters
        print("== checkpoint (\(models) models, \(counters.predictions) predictions, \(counters.labels) labels, \(engine.pendingLabels) predictions in the label join)")
        print(BenchmarkResult(name: "stream processed", operations: 1, nanosecondsPerOperation: .nan,
                              note: "peak resident \(streamPeak >> 20) MiB (engine\(checkpointEvery > 0 ? " + compacted state log" : ""))").line)
        print(BenchmarkResult(name: "full checkpoint size", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(checkpoint.count) bytes (\(checkpoint.count >> 10) KiB)").line)
        let records = try CheckpointStore.recordSizes(ofEngineBlob: checkpoint,
                                                      maximumRecordBytes: CheckpointOptions.defaultMaximumRecordBytes)
        print(BenchmarkResult(name: "full checkpoint records", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(records.count) state-topic records (chunks + manifest), largest \(records.max() ?? 0) bytes (limit \(CheckpointOptions.defaultMaximumRecordBytes)); one record of \(checkpoint.count) bytes before chunking").line)
        for result in [write, read] {
            print(BenchmarkResult(name: "full " + result.name, operations: 1, nanosecondsPerOperation: .nan,
                                  note: "\(Int((result.nanosecondsPerOperation / 1e6).rounded())) ms (best of 5)").line)
        }
        guard !incremental.isEmpty else { return }
        // The second half: the join past half its final size, refreshes of old pages included.
        let steady = incremental.suffix(max(incremental.count / 2, 1))
        let meanBytes = steady.reduce(0) { $0 + $1.bytes } / steady.count
        let meanMilliseconds = Double(steady.reduce(0) { $0 + $1.nanoseconds }) / Double(steady.count) / 1e6
        let last = incremental[incremental.count - 1]
        print(BenchmarkResult(name: "incremental checkpoint (last \(steady.count))", operations: 1, nanosecondsPerOperation: .nan,
                              note: "mean \(meanBytes) bytes written (\(meanBytes >> 10) KiB), \(String(format: "%.1f", meanMilliseconds)) ms (state, pages, records); most \(steady.map(\.bytes).max() ?? 0) bytes in \(steady.map(\.records).max() ?? 0) records (page refreshes), largest record \(steady.map(\.largest).max() ?? 0) bytes; the last \(last.bytes) bytes, \(String(format: "%.1f", Double(last.nanoseconds) / 1e6)) ms").line)
        print(BenchmarkResult(name: "incremental checkpoints", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(incremental.count) written, \(incremental.reduce(0) { $0 + $1.bytes } >> 20) MiB in all; the compacted partition keeps \(log.retainedBytes >> 20) MiB (two checkpoints)").line)
        var restoredError: (any Error)?
        var restored: MonitorEngine?
        let restore = Bench.measure("incremental restore", operations: 1, runs: 3) {
            do { restored = try log.restore(rules: ruleSet) } catch { restoredError = error }
        }
        if let restoredError { throw CommandFailure("restoring the incremental checkpoint failed: \(restoredError)") }
        print(BenchmarkResult(name: restore.name, operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(Int((restore.nanosecondsPerOperation / 1e6).rounded())) ms (best of 3: read back, reassemble, restore); \(restored?.pendingLabels ?? 0) predictions in the restored join").line)
        print(BenchmarkResult(name: "peak resident", operations: 1, nanosecondsPerOperation: .nan,
                              note: "\(Bench.peakResidentBytes() >> 20) MiB (everything above, restores included)").line)
    }
}
