import ArgumentParser
import Foundation
import MonitorCore
import Simulation

/// `driftwatch bench serve`: end-to-end throughput of the serve pipeline on the
/// embedded broker: the demo's simulated stream (generated into memory first, so that
/// the simulator does not compete for the CPU) produced into one input partition, or one
/// model per partition with `--partitions` (paced to stay within the mock's retention), consumed, decoded, monitored with
/// the default rules on 20-minute windows, outputs produced and acknowledged before
/// each batch's offsets are stored. Wall time includes the ~3 s consumer-group join.
/// Also reports the output latency: from the Kafka timestamp of each message that closed
/// a window to the acknowledgement of the window's outputs (`--rate` for a given load), and
/// the engines' CPU time per message (`driftwatch_shard_cpu_seconds_total`), which a noisy
/// host moves far less than the throughput.
struct ServeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Benchmark the serve pipeline end to end on the embedded broker.")

    @Option(help: "Predictions to simulate (labels come on top).")
    var events = 200_000

    @Option(name: .customLong("rules"), help: "Rule files or directories.")
    var rulePaths: [String] = ["rules/default.yaml"]

    @Option(help: "Input rate in messages/s (default: as fast as serve consumes, with at most 12,000 messages waiting).")
    var rate: Int?

    @Option(help: "Input partitions, one simulated model on each (a member's shards are processed side by side).")
    var partitions = 1

    func validate() throws {
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
    }

    func run() async throws {
        let report = try await DemoRun(events: events, rulePaths: rulePaths, showOutput: false, messagesPerSecond: rate,
                                   partitions: partitions).run()
        let counters = report.status.counters
        print("serve end to end: \(report.consumed) messages (\(counters.predictions) predictions, \(counters.labels) labels) in "
              + "\(format(report.seconds, decimals: 2)) s = \(Int(report.messagesPerSecond.rounded())) msg/s, "
              + "\(Int(report.steadyMessagesPerSecond.rounded())) msg/s after the \(format(report.joinSeconds, decimals: 1)) s group join "
              + "(\(Int((Double(counters.predictions) / max(report.seconds, 1e-9)).rounded())) predictions/s); "
              + "\(counters.evaluations) windows evaluated, \(counters.alerts) alert events; "
              + "peak RSS \(Bench.peakResidentBytes() / 1_048_576) MiB (with the pre-generated stream in memory)")
        // CPU time, not wall time: it does not move with what else the host runs, so builds compare on a noisy host.
        print("engines: \(format(counters.shardCPUSeconds, decimals: 2)) s of CPU for \(report.consumed) messages = "
              + "\(format(counters.shardCPUSeconds * 1e6 / Double(max(report.consumed, 1)), decimals: 2)) µs per message "
              + "(\(Int((100 * counters.shardCPUSeconds / max(report.seconds - report.joinSeconds, 1e-9)).rounded())) % of one core "
              + "after the group join; with the messages the engines decoded themselves: "
              + "\(counters.decodedByPipeline), \(Int((100 * Double(counters.decodedByPipeline) / Double(max(report.consumed, 1))).rounded())) %)")
        if let latency = report.status.outputLatency {
            print("output latency (window-closing message produced → its outputs acknowledged), last \(latency.samples) windows"
                  + "\(rate.map { " at \($0) msg/s" } ?? " at full speed"): p50 \(latency.p50) ms, p99 \(latency.p99) ms, max \(latency.max) ms")
        }
    }
}
