import Testing
@testable import Kafka

@Suite(.timeLimit(.minutes(1))) struct KafkaClientTests {
    /// After a fatal error the producer refuses new messages with that error instead of
    /// crashing or silently dropping them, and still closes cleanly.
    @Test func fatalErrorStopsTheProducer() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            _ = try await producer.send(topic: topic, value: TestKafka.value(0))
            try producer.triggerFatalErrorForTesting(.notLeaderForPartition, reason: "injected by the test")
            do {
                _ = try await producer.send(topic: topic, value: TestKafka.value(1))
                Issue.record("a fatally failed producer accepted a message")
            } catch let error as KafkaError {
                #expect(error.isFatal)
                #expect(error.errorCode == .notLeaderForPartition, "\(error)")
                #expect(error.message.contains("injected by the test"))
            }
            producer.close()
        }
    }

    /// A fatal error ends the consumer's event sequence with that error.
    @Test func fatalErrorEndsTheConsumerEvents() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            try consumer.triggerFatalErrorForTesting(.notLeaderForPartition, reason: "injected by the test")
            let error = await #expect(throws: KafkaError.self) {
                _ = try await TestKafka.readEvents(consumer, timeout: .seconds(10)) { _ in false }
            }
            #expect(error?.isFatal == true)
            #expect(consumer.isClosed)
            consumer.close()
        }
    }
}
