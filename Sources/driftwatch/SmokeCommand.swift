import ArgumentParser
import Kafka
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `driftwatch smoke`: produce keyed messages, consume them back in a consumer group
/// and check every one arrived exactly once with the right content.
struct SmokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smoke",
        abstract: "End-to-end Kafka check: produce N messages, consume them back, verify exactly-once content."
    )

    @Option(help: "Bootstrap servers of a running cluster. Without it an embedded broker is started in-process.")
    var brokers: String?

    @Option(help: "Use this existing topic instead of creating one (needed with `driftwatch broker`, whose mock cluster cannot create topics on request: start it with --topic NAME:PARTITIONS).")
    var topic: String?

    @Option(help: "Number of messages.")
    var messages = 100_000

    @Option(help: "Partitions of the test topic.")
    var partitions = 8

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property key=value for all clients (repeatable), e.g. -X security.protocol=SASL_SSL.", valueName: "key=value"))
    var properties: [String] = []

    func run() async throws {
        let report = try await KafkaRoundTrip(messages: messages, partitions: partitions, brokers: brokers, topic: topic,
                                              properties: try parseProperties(properties)).run()
        report.printSummary()
        guard report.problems.isEmpty else {
            for problem in report.problems { KafkaCLI.status("smoke FAILED: \(problem)") }
            throw ExitCode(1)
        }
        print("smoke OK: \(messages) messages produced, acknowledged and consumed exactly once")
    }
}

/// A failure of a Kafka subcommand, printed as `Error: <description>` without the usage text.
struct KafkaCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func parseProperties(_ arguments: [String]) throws -> [String: String] {
    var properties: [String: String] = [:]
    for argument in arguments {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw ValidationError("expected key=value, got '\(argument)'")
        }
        properties[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
    }
    return properties
}

/// Produce N keyed ~250-byte messages, consume them back in a fresh consumer group and
/// verify them: the shared body of `driftwatch smoke` and `driftwatch bench kafka`.
///
/// Message `i` has the 10-byte key `k000000000i` and a 250-byte value holding `i` (8
/// bytes little-endian), a per-run nonce (8 bytes) and a fixed pattern, so each consumed
/// message is checked for identity and content in constant time, and messages of earlier
/// runs in a reused topic are recognised and skipped.
struct KafkaRoundTrip {
    static let valueSize = 250

    var messages: Int
    var partitions: Int
    /// nil: start an embedded broker in-process.
    var brokers: String?
    /// An existing topic to use; nil: create a fresh one.
    var topic: String?
    var properties: [String: String] = [:]
    var embeddedBrokerCount = 3
    /// Warnings and errors only: librdkafka's info logs (e.g. assignments) would bury the summary.
    var logger: Logger = {
        var logger = Logger(label: "driftwatch.smoke")
        logger.logLevel = .warning
        return logger
    }()

    struct Report {
        var bootstrap = ""
        var embedded = false
        var delivered = 0
        var deliveryFailures = 0
        var lastDeliveryError: KafkaError?
        var consumed = 0
        /// Messages of earlier runs found in a reused topic (skipped).
        var foreign = 0
        var duplicates = 0
        var corrupted = 0
        var missing = 0
        var produceSeconds = 0.0
        /// CPU time of the whole process (all threads, embedded broker included) per phase:
        /// less sensitive than wall time to other work on the machine.
        var produceCPUSeconds = 0.0
        var consumeCPUSeconds = 0.0
        /// From subscribe to the first batch: the consumer-group join.
        var groupJoinSeconds = 0.0
        /// From the first batch to the last expected message.
        var consumeSeconds = 0.0
        var problems: [String] = []

        func printSummary() {
            print("brokers:   \(bootstrap)\(embedded ? " (embedded, in-process)" : "")")
            print("produced:  \(delivered) acknowledged, \(deliveryFailures) failed in \(format(produceSeconds, decimals: 2)) s"
                  + " = \(rate(delivered, produceSeconds)) msg/s (CPU \(format(produceCPUSeconds, decimals: 2)) s)")
            print("consumed:  \(consumed) (duplicates \(duplicates), corrupted \(corrupted), missing \(missing)"
                  + (foreign > 0 ? ", \(foreign) of earlier runs skipped" : "") + ") in "
                  + "\(format(consumeSeconds, decimals: 2)) s = \(rate(consumed, consumeSeconds)) msg/s"
                  + " (CPU \(format(consumeCPUSeconds, decimals: 2)) s) after a \(format(groupJoinSeconds, decimals: 1)) s group join")
        }

        private func rate(_ count: Int, _ seconds: Double) -> String {
            seconds > 0 ? "\(Int((Double(count) / seconds).rounded()))" : "-"
        }
    }

    func run() async throws -> Report {
        var report = Report()
        let topic = self.topic ?? "driftwatch-smoke-\(UInt32.random(in: 0...UInt32.max))"
        var embedded: EmbeddedBroker?
        if let brokers {
            report.bootstrap = brokers
            let admin = try KafkaAdmin(config: clientConfig(brokers), logger: logger)
            let metadata = try admin.metadata()
            if self.topic == nil {
                do {
                    try admin.createTopic(topic, partitions: partitions, replicationFactor: min(3, metadata.brokers.count),
                                          timeout: .seconds(10))
                } catch {
                    throw KafkaCommandError("could not create topic \(topic): \(error). `driftwatch broker` cannot create topics "
                                          + "on request: start it with --topic NAME:PARTITIONS and pass --topic NAME")
                }
            } else if metadata.topic(topic) == nil {
                throw KafkaCommandError("topic \(topic) does not exist on \(brokers)")
            }
        } else {
            let broker = try EmbeddedBroker(brokers: embeddedBrokerCount, logger: logger)
            try broker.createTopic(topic, partitions: partitions, replicationFactor: min(3, embeddedBrokerCount))
            KafkaCLI.status("no --brokers given: started an embedded broker (librdkafka mock cluster, \(embeddedBrokerCount) brokers) at \(broker.bootstrapServers)")
            report.bootstrap = broker.bootstrapServers
            report.embedded = true
            embedded = broker
        }
        try produce(topic: topic, into: &report)
        try await consume(topic: topic, into: &report)
        withExtendedLifetime(embedded) {}  // clients are closed; now the broker may go
        embedded?.stop()
        return report
    }

    private func clientConfig(_ bootstrap: String, _ extra: [String: String] = [:]) -> KafkaConfig {
        KafkaConfig(bootstrapServers: bootstrap, extra.merging(properties) { _, user in user })
    }

    private func produce(topic: String, into report: inout Report) throws {
        let producer = try KafkaProducer(config: clientConfig(report.bootstrap), logger: logger)
        defer { producer.close() }
        var key = [UInt8](repeating: 0, count: 10)
        var value = Self.valueTemplate
        value.withUnsafeMutableBytes { $0.storeBytes(of: nonce, toByteOffset: 8, as: UInt64.self) }
        let start = Bench.monotonicNanoseconds()
        let startCPU = processCPUSeconds()
        for index in 0..<messages {
            Self.writeKey(index, into: &key)
            value.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(index).littleEndian, as: UInt64.self) }
            try producer.produce(topic: topic, key: key, value: value)
        }
        try producer.flush(timeout: .seconds(120))
        report.produceSeconds = Double(Bench.monotonicNanoseconds() - start) / 1e9
        report.produceCPUSeconds = processCPUSeconds() - startCPU
        let statistics = producer.statistics
        report.delivered = statistics.delivered
        report.deliveryFailures = statistics.failed
        if statistics.delivered != messages || statistics.failed != 0 {
            report.problems.append("\(statistics.delivered) of \(messages) acknowledged, \(statistics.failed) failed"
                                   + (statistics.lastDeliveryError.map { " (last error: \($0))" } ?? ""))
        }
    }

    private func consume(topic: String, into report: inout Report) async throws {
        let consumer = try KafkaConsumer(
            config: clientConfig(report.bootstrap, [
                "group.id": "driftwatch-smoke-\(UInt32.random(in: 0...UInt32.max))",
                "auto.offset.reset": "earliest",
                "session.timeout.ms": "6000",
            ]),
            logger: logger)
        defer { consumer.close() }
        try consumer.subscribe([topic])
        var seen = [Bool](repeating: false, count: messages)
        var distinct = 0
        let start = Bench.monotonicNanoseconds()
        var firstBatch: UInt64?
        var firstBatchCPU = 0.0
        let deadline = ContinuousClock.now + .seconds(60) + .seconds(messages / 50_000)
        while distinct < messages, ContinuousClock.now < deadline {
            guard let event = try await consumer.nextEvent(timeout: .milliseconds(500)) else { continue }
            guard case .messages(let batch) = event else { continue }
            if firstBatch == nil {
                firstBatch = Bench.monotonicNanoseconds()
                firstBatchCPU = processCPUSeconds()
            }
            for message in batch {
                report.consumed += 1
                guard Self.nonce(of: message) == nonce else {
                    report.foreign += 1
                    continue
                }
                guard let index = Self.verifiedIndex(of: message, limit: messages) else {
                    report.corrupted += 1
                    continue
                }
                if seen[index] { report.duplicates += 1 } else { seen[index] = true; distinct += 1 }
            }
            try consumer.storeOffsets(for: batch)
        }
        let end = Bench.monotonicNanoseconds()
        report.consumeCPUSeconds = firstBatch == nil ? 0 : processCPUSeconds() - firstBatchCPU
        try consumer.commit()
        report.groupJoinSeconds = Double((firstBatch ?? end) - start) / 1e9
        report.consumeSeconds = Double(end - (firstBatch ?? end)) / 1e9
        report.missing = messages - distinct
        if report.missing > 0 { report.problems.append("\(report.missing) messages never arrived") }
        if report.duplicates > 0 { report.problems.append("\(report.duplicates) messages arrived more than once") }
        if report.corrupted > 0 { report.problems.append("\(report.corrupted) messages had wrong content") }
    }

    /// User + system CPU time of this process so far.
    private func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static let valueTemplate: [UInt8] = (0..<valueSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }

    private static func writeKey(_ index: Int, into key: inout [UInt8]) {
        var rest = index
        key[0] = UInt8(ascii: "k")
        for position in stride(from: key.count - 1, through: 1, by: -1) {
            key[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// Marks this run's messages (value bytes 8..<16).
    private let nonce = UInt64.random(in: 1...UInt64.max)

    private static func nonce(of message: KafkaMessage) -> UInt64? {
        guard message.value.count >= 16 else { return nil }
        return message.value.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
    }

    /// The message's index if its key and value are exactly what `produce` sent.
    /// Allocation-free, so the check does not dominate the consume benchmark.
    private static func verifiedIndex(of message: KafkaMessage, limit: Int) -> Int? {
        guard message.value.count == valueSize, let key = message.key, key.count == 10, key[0] == UInt8(ascii: "k") else {
            return nil
        }
        var keyIndex = 0
        for digit in key[1...] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            keyIndex = keyIndex * 10 + Int(digit - UInt8(ascii: "0"))
        }
        let matches = message.value.withUnsafeBytes { value in
            valueTemplate.withUnsafeBytes { template in
                value.loadUnaligned(as: UInt64.self) == UInt64(keyIndex).littleEndian
                    && memcmp(value.baseAddress! + 16, template.baseAddress! + 16, valueSize - 16) == 0
            }
        }
        return matches && keyIndex < limit ? keyIndex : nil
    }
}
