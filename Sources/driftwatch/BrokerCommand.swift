import ArgumentParser
import Dispatch
import Kafka
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `driftwatch broker`: a standalone embedded Kafka broker (librdkafka's mock cluster)
/// for demos and crash tests. Prints `bootstrap=host:port,...` as its first stdout line
/// and runs until SIGINT or SIGTERM.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka broker (librdkafka mock cluster) until SIGINT/SIGTERM.",
        discussion: """
        The first line on stdout is machine-readable: bootstrap=127.0.0.1:PORT,...
        Limits of the mock: about 5 MiB kept per partition (older data is dropped), slow \
        group rebalances (~session.timeout.ms - 1 s), transactions without exactly-once.
        """
    )

    @Option(help: "Number of brokers.")
    var brokers = 3

    @Option(name: .customLong("topic"), help: "A topic to create, as name:partitions (repeatable).")
    var topics: [TopicSpec] = []

    func run() throws {
        // A client that disconnects mid-write must not kill the broker with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        let signalSources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)  // handled by the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }

        let broker = try EmbeddedBroker(brokers: brokers, logger: Logger(label: "driftwatch.broker"))
        for topic in topics {
            try broker.createTopic(topic.name, partitions: topic.partitions, replicationFactor: min(3, brokers))
        }
        print("bootstrap=\(broker.bootstrapServers)")
        fflush(nil)  // all output streams: stdout may be a pipe, which is fully buffered
        KafkaCLI.status("driftwatch broker: \(brokers) broker(s), topics: \(topics.map(\.description).joined(separator: " "))"
                   + "; stop with SIGINT or SIGTERM")

        stop.wait()
        broker.stop()
        signalSources.forEach { $0.cancel() }
        KafkaCLI.status("driftwatch broker: stopped")
    }
}

/// `name:partitions` from the command line.
struct TopicSpec: ExpressibleByArgument, CustomStringConvertible {
    var name: String
    var partitions: Int

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let partitions = Int(parts[1]), partitions > 0 else { return nil }
        name = String(parts[0])
        self.partitions = partitions
    }

    var description: String { "\(name):\(partitions)" }
}

/// Output helpers of the Kafka subcommands.
enum KafkaCLI {
    /// Human-readable progress goes to stderr, so stdout stays machine-readable.
    static func status(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}
