import Kafka
import Logging
import ServiceLifecycle

/// Reads the whole retrain topic, from its start, into the desk for as long as serve runs:
/// every member sees every trigger and decision, whoever published them. Its consumer
/// has a group id of its own (`<group>-retrain-reader`), is assigned every partition and never commits.
final class RetrainTopicReader: Service, Sendable {
    private let topic: String
    private let consumer: KafkaConsumer
    private let desk: RetrainDesk
    private let logger: Logger

    init(topic: String, config: KafkaConfig, desk: RetrainDesk, logger: Logger) throws {
        var config = config
        config["enable.auto.commit"] = "false"
        config["auto.offset.reset"] = "earliest"
        self.topic = topic
        consumer = try KafkaConsumer(config: config, logger: logger)
        self.desk = desk
        self.logger = logger
    }

    func run() async throws {
        defer { consumer.close() }
        try? await cancelWhenGracefulShutdown { try await self.readUntilCancelled() }
    }

    private func readUntilCancelled() async throws {
        let (topic, consumer) = (topic, consumer)
        // The end of each partition that holds records now: caught up once read to there.
        // A broker not reachable yet is waited for (decisions answer 503 meanwhile).
        // Records the broker already deleted (retention) are counted: a trigger among them
        // that still waited is not known to this member.
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
                desk.ledger.expiredAtStart(expired)
                if expired > 0 {
                    logger.warning("the retrain topic's retention deleted records before they were read: triggers waiting among them are not known",
                                   metadata: ["topic": "\(topic)", "records": "\(expired)"])
                }
            } catch {
                logger.warning("cannot read the retrain topic yet; retrying", metadata: ["topic": "\(topic)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        var behind = ends ?? [:]
        if behind.isEmpty { desk.markCaughtUp() }
        while !Task.isCancelled {
            guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
            for message in batch {
                desk.read(message)
                if let end = behind[message.topicPartition], message.offset + 1 >= end {
                    behind[message.topicPartition] = nil
                    if behind.isEmpty {
                        desk.markCaughtUp()
                        logger.info("retrain topic read up to its end at start", metadata: ["topic": "\(topic)"])
                    }
                }
            }
        }
    }
}
