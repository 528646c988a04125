import ArgumentParser
import Kafka

/// `driftwatch bench kafka`: produce and consume throughput through the Kafka layer on
/// the embedded broker, with 250-byte messages. Runs the same round trip as `smoke`
/// (including its exactly-once verification) and reports its rates.
struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Benchmark producing and consuming 250-byte messages on the embedded broker."
    )

    @Option(help: "Number of messages.")
    var messages = 1_000_000

    @Option(help: "Partitions; keep each under ~4 MiB (the mock keeps ~5 MiB per partition).")
    var partitions = 64

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property key=value for all clients (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    func run() async throws {
        // ~20 bytes of record overhead and a 10-byte key per message.
        let perPartition = messages / max(1, partitions) * (KafkaRoundTrip.valueSize + 30)
        if perPartition > 9 << 19 {
            KafkaCLI.status("warning: ~\(perPartition >> 20) MiB per partition; the mock broker drops data beyond ~5 MiB")
        }
        let report = try await KafkaRoundTrip(messages: messages, partitions: partitions, brokers: nil,
                                              properties: try parseProperties(properties)).run()
        let produce = BenchmarkResult(name: "kafka produce until acknowledged", operations: report.delivered,
                                      nanosecondsPerOperation: report.produceSeconds * 1e9 / Double(max(1, report.delivered)),
                                      note: "target >= 1 M msg/s; process CPU \(cpuPerMessage(report.produceCPUSeconds, report.delivered))")
        let consume = BenchmarkResult(name: "kafka consume to application (batches)", operations: report.consumed,
                                      nanosecondsPerOperation: report.consumeSeconds * 1e9 / Double(max(1, report.consumed)),
                                      note: "target >= 400 k msg/s; process CPU \(cpuPerMessage(report.consumeCPUSeconds, report.consumed));"
                                          + " group join \(format(report.groupJoinSeconds)) s excluded")
        print("== Kafka (embedded broker, \(messages) messages of \(KafkaRoundTrip.valueSize) bytes, \(partitions) partitions)")
        print(produce.line)
        print(consume.line)
        print("peak RSS: \(Bench.peakResidentBytes() >> 20) MiB")
        for problem in report.problems { KafkaCLI.status("bench kafka: \(problem)") }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }

    /// CPU time of all threads (the in-process broker included) per message: a number
    /// less sensitive than throughput to other work on a shared machine.
    private func cpuPerMessage(_ seconds: Double, _ messages: Int) -> String {
        "\(format(seconds * 1e9 / Double(max(1, messages)), decimals: 0)) ns/msg"
    }
}
