import ArgumentParser
import Foundation
import Monitor
import Simulation

/// `driftwatch bench serve`: end-to-end throughput of the serve pipeline on the
/// embedded broker: the demo's simulated stream produced into one input partition
/// (paced to stay within the mock's retention), consumed, decoded, monitored with
/// the default rules on 20-minute windows, outputs produced and acknowledged before
/// each batch's offsets are stored. Wall time includes the ~3 s consumer-group join.
struct ServeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Benchmark the serve pipeline end to end on the embedded broker.")

    @Option(help: "Predictions to simulate (labels come on top).")
    var events = 200_000

    @Option(name: .customLong("rules"), help: "Rule files or directories.")
    var rulePaths: [String] = ["rules/default.yaml"]

    func run() async throws {
        let report = try await DemoRun(events: events, rulePaths: rulePaths, showOutput: false).run()
        let counters = report.status.counters
        print("serve end to end: \(report.consumed) messages (\(counters.predictions) predictions, \(counters.labels) labels) in "
              + "\(format(report.seconds, decimals: 2)) s = \(Int(report.messagesPerSecond.rounded())) msg/s, "
              + "\(Int(report.steadyMessagesPerSecond.rounded())) msg/s after the \(format(report.joinSeconds, decimals: 1)) s group join "
              + "(\(Int((Double(counters.predictions) / max(report.seconds, 1e-9)).rounded())) predictions/s); "
              + "\(counters.evaluations) windows evaluated, \(counters.alerts) alert events; "
              + "peak RSS \(Bench.peakResidentBytes() / 1_048_576) MiB")
    }
}
