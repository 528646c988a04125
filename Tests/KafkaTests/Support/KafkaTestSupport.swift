import Kafka
import Logging

/// Shared setup for tests that run real clients over TCP against an `EmbeddedBroker`.
/// Each test starts its own broker on its own ephemeral ports, so tests can run in parallel.
enum TestKafka {
    /// Tests log warnings and worse only; librdkafka's info logs would drown the output.
    static var logger: Logger {
        var logger = Logger(label: "driftwatch.kafka.test")
        logger.logLevel = .warning
        return logger
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Starts a broker with one topic, runs `body`, and stops the broker afterwards.
    /// `body` must close its clients before returning (clients go before the broker).
    static func withBroker<Result>(brokers: Int = 1, topicPartitions: Int = 1,
                                   _ body: (EmbeddedBroker, String) async throws -> Result) async throws -> Result {
        let broker = try EmbeddedBroker(brokers: brokers, logger: logger)
        defer { broker.stop() }
        let topic = uniqueName("topic")
        try broker.createTopic(topic, partitions: topicPartitions, replicationFactor: min(brokers, 3))
        return try await body(broker, topic)
    }

    /// Consumer settings for fast tests: the mock rebalances after `session.timeout.ms` − 1 s.
    static func consumerConfig(_ broker: EmbeddedBroker, group: String) -> KafkaConfig {
        KafkaConfig(bootstrapServers: broker.bootstrapServers, [
            "group.id": group,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "500",
        ])
    }

    static func producerConfig(_ broker: EmbeddedBroker) -> KafkaConfig {
        KafkaConfig(bootstrapServers: broker.bootstrapServers, ["linger.ms": "1"])
    }

    /// Deterministic test content: message `index` has key `key-<index>`, a 250-byte value
    /// that depends on the index, and an `index` header.
    static func key(_ index: Int) -> [UInt8] { Array("key-\(index)".utf8) }
    static func value(_ index: Int) -> [UInt8] { (0..<250).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) } }
    static func headers(_ index: Int) -> [KafkaHeader] { [KafkaHeader("index", "\(index)")] }

    static func index(of message: KafkaMessage) -> Int? {
        guard let key = message.key, key.starts(with: Array("key-".utf8)) else { return nil }
        return Int(String(decoding: key.dropFirst(4), as: UTF8.self))
    }

    /// Produces messages `indices` with `produce` (fire-and-forget) and flushes.
    static func produce(_ producer: KafkaProducer, topic: String, _ indices: Range<Int>) throws {
        for index in indices {
            try producer.produce(topic: topic, key: key(index), value: value(index), headers: headers(index))
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// Reads events until `handle` returns `true` or `timeout` passes; returns whether
    /// `handle` finished. Polls in short slices, so it never waits longer than needed.
    static func readEvents(_ consumer: KafkaConsumer, timeout: Duration,
                           _ handle: (KafkaConsumerEvent) throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let event = try await consumer.nextEvent(timeout: .milliseconds(200)) else {
                if consumer.isClosed { return false }
                continue
            }
            if try handle(event) { return true }
        }
        return false
    }

    /// Collects messages until `count` have arrived (or `timeout`); returns them in arrival order.
    static func collect(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30),
                        store: Bool = false) async throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        _ = try await readEvents(consumer, timeout: timeout) { event in
            if case .messages(let batch) = event {
                messages += batch
                if store { try consumer.storeOffsets(for: batch) }
            }
            return messages.count >= count
        }
        return messages
    }
}
