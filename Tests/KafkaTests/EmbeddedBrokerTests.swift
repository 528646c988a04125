import Testing
@testable import Kafka

@Suite(.timeLimit(.minutes(1))) struct EmbeddedBrokerTests {
    /// Metadata read over TCP lists the brokers and the created topic's partitions.
    @Test func servesMetadataForItsBrokersAndTopics() throws {
        let broker = try EmbeddedBroker(brokers: 3, logger: TestKafka.logger)
        defer { broker.stop() }
        try broker.createTopic("events", partitions: 5, replicationFactor: 2)
        #expect(broker.bootstrapServers.split(separator: ",").count == 3)

        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: TestKafka.logger)
        let metadata = try admin.metadata()
        #expect(metadata.brokers.map(\.id).sorted() == [1, 2, 3])
        #expect(Set(metadata.brokers.map { "\($0.host):\($0.port)" }) == Set(broker.bootstrapServers.split(separator: ",").map(String.init)))
        let topic = try #require(metadata.topic("events"))
        #expect(topic.partitions.map(\.id) == [0, 1, 2, 3, 4])
        // The mock places replicas on every broker whatever the factor; leaders are spread.
        #expect(topic.partitions.allSatisfy { [1, 2, 3].contains($0.leader) && $0.replicas.contains($0.leader) && $0.error == .noError },
                "\(topic.partitions)")
        #expect(Set(topic.partitions.map(\.leader)).count > 1)
    }

    @Test func stoppedBrokerRejectsOperations() throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: TestKafka.logger)
        broker.stop()
        broker.stop()  // idempotent
        let error = #expect(throws: KafkaError.self) { try broker.createTopic("t", partitions: 1) }
        #expect(error?.errorCode == .destroyed)
        #expect(throws: KafkaError.self) { try EmbeddedBroker(brokers: 0) }
    }

    /// The mock does not implement CreateTopics: the admin call must fail cleanly and
    /// in bounded time rather than hang.
    @Test func adminCreateTopicFailsCleanlyOnTheMock() throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: TestKafka.logger)
        defer { broker.stop() }
        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: TestKafka.logger)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: KafkaError.self) {
            try admin.createTopic("compacted", partitions: 3, config: ["cleanup.policy": "compact"], timeout: .seconds(3))
        }
        #expect(clock.now - start < .seconds(15))
    }
}
