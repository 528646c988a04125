import Kafka
import Logging
import ServiceLifecycle

/// What a ``TopicFollower`` hands its records to.
protocol TopicFollowerSink: Sendable {
    /// A record, in offset order per partition.
    func read(_ message: KafkaMessage)
    /// Records the topic's retention deleted before they could be read at start (the
    /// partitions' low watermarks): what they held is not known to this member.
    func expiredAtStart(_ records: Int64)
    /// Every partition was read up to the end it had when the follower started.
    func caughtUp()
}

/// Reads a whole topic, from its start, for as long as serve runs — the Kafka Streams
/// global-table pattern: every member sees every record, whoever published it. Its
/// consumer has a group id of its own (`<group>-<name>-reader`), is assigned every
/// partition and never commits. Serve follows the retrain topic (triggers and decisions)
/// and, with Alertmanager configured, the alerts topic (the alerts firing now).
final class TopicFollower: Service, Sendable {
    private let topic: String
    private let consumer: KafkaConsumer
    private let sink: any TopicFollowerSink
    private let logger: Logger

    init(topic: String, config: KafkaConfig, sink: any TopicFollowerSink, logger: Logger) throws {
        var config = config
        config["enable.auto.commit"] = "false"
        config["auto.offset.reset"] = "earliest"
        self.topic = topic
        consumer = try KafkaConsumer(config: config, logger: logger)
        self.sink = sink
        self.logger = logger
    }

    func run() async throws {
        defer { consumer.close() }
        try? await cancelWhenGracefulShutdown { try await self.readUntilCancelled() }
    }

    private func readUntilCancelled() async throws {
        let (topic, consumer) = (topic, consumer)
        // The end of each partition that holds records now: caught up once read to there.
        // A broker not reachable yet is waited for.
        var ends: [TopicPartition: Int64]?
        while ends == nil, !Task.isCancelled {
            do {
                let (found, expired) = try await BlockingCalls.run { () throws -> ([TopicPartition: Int64], Int64) in
                    let partitions = try consumer.metadata().topic(topic)?.partitions.count ?? 0
                    let all = (0..<partitions).map { TopicPartition(topic, Int32($0)) }
                    try consumer.assign(all.map { TopicPartitionOffset($0, offset: KafkaOffset.beginning) })
                    var ends: [TopicPartition: Int64] = [:]
                    var expired: Int64 = 0
                    for partition in all {
                        let (low, high) = try consumer.watermarks(partition)
                        if high > low { ends[partition] = high }
                        expired += low
                    }
                    return (ends, expired)
                }
                ends = found
                sink.expiredAtStart(expired)
                if expired > 0 {
                    logger.warning("the topic's retention deleted records before they were read: what they held is not known to this member",
                                   metadata: ["topic": "\(topic)", "records": "\(expired)"])
                }
            } catch {
                logger.warning("cannot read the topic yet; retrying", metadata: ["topic": "\(topic)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        var behind = ends ?? [:]
        if behind.isEmpty { sink.caughtUp() }
        while !Task.isCancelled {
            guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
            for message in batch {
                sink.read(message)
                if let end = behind[message.topicPartition], message.offset + 1 >= end {
                    behind[message.topicPartition] = nil
                    if behind.isEmpty {
                        sink.caughtUp()
                        logger.info("topic read up to its end at start", metadata: ["topic": "\(topic)"])
                    }
                }
            }
        }
    }
}
