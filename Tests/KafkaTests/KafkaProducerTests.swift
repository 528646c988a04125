import Testing
@testable import Kafka

@Suite(.timeLimit(.minutes(1))) struct KafkaProducerTests {
    /// The main contract: every keyed message is acknowledged, and the group consumer
    /// reads each one back exactly once, with its key, value, headers and the partition
    /// and offset its delivery report named.
    @Test func producedMessagesAreAcknowledgedAndConsumedExactlyOnce() async throws {
        try await TestKafka.withBroker(brokers: 3, topicPartitions: 4) { broker, topic in
            let count = 300
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            let reports = try await withThrowingTaskGroup(of: (Int, DeliveryReport).self) { group in
                for index in 0..<count {
                    group.addTask {
                        (index, try await producer.send(topic: topic, key: TestKafka.key(index), value: TestKafka.value(index),
                                                         headers: TestKafka.headers(index)))
                    }
                }
                return try await group.reduce(into: [Int: DeliveryReport]()) { $0[$1.0] = $1.1 }
            }
            producer.close()
            #expect(reports.count == count)
            #expect(Set(reports.values).count == count, "two messages reported at the same partition and offset")
            #expect(Set(reports.values.map(\.topicPartition.partition)) == [0, 1, 2, 3])
            #expect(producer.statistics.delivered == count && producer.statistics.failed == 0)

            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            let messages = try await TestKafka.collect(consumer, count: count)
            consumer.close()

            #expect(messages.count == count)
            var seen = Set<Int>()
            for message in messages {
                let index = try #require(TestKafka.index(of: message))
                #expect(seen.insert(index).inserted, "message \(index) delivered twice")
                #expect(message.value == TestKafka.value(index))
                #expect(message.headers == TestKafka.headers(index))
                #expect(message.topic == topic)
                #expect(message.timestamp != nil)
                #expect(reports[index] == DeliveryReport(topicPartition: message.topicPartition, offset: message.offset))
            }
            #expect(seen == Set(0..<count))
        }
    }

    /// An explicit timestamp is the message's CreateTime, as consumers read it (both paths).
    @Test func explicitTimestampsReachTheConsumer() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            _ = try await producer.send(topic: topic, key: TestKafka.key(0), value: TestKafka.value(0), timestamp: 1_772_366_400_123)
            try producer.produce(topic: topic, key: TestKafka.key(1), value: TestKafka.value(1), timestamp: 946_684_800_000)
            try producer.produce(topic: topic, key: TestKafka.key(2), value: TestKafka.value(2))
            try producer.flush(timeout: .seconds(10))
            producer.close()
            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            let messages = try await TestKafka.collect(consumer, count: 3).sorted { $0.offset < $1.offset }
            consumer.close()
            #expect(messages.prefix(2).map(\.timestamp) == [1_772_366_400_123, 946_684_800_000])
            // Without one, librdkafka stamps the current time.
            #expect(messages.count == 3 && messages[2].timestamp.map { $0 > 1_700_000_000_000 } == true)
        }
    }

    /// Fire-and-forget path: the counters account for every message after `flush`.
    @Test func fireAndForgetCountsEveryDelivery() async throws {
        try await TestKafka.withBroker(topicPartitions: 2) { broker, topic in
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            try TestKafka.produce(producer, topic: topic, 0..<1000)
            #expect(producer.statistics.delivered == 1000)
            #expect(producer.statistics.failed == 0)
            #expect(producer.outstanding == 0)
            producer.close()
        }
    }

    /// A broker down for a few seconds while producing: librdkafka retries, reports the
    /// outage as transient errors, and nothing is lost or duplicated (idempotence).
    @Test func brokerOutageLosesNothing() async throws {
        try await TestKafka.withBroker(brokers: 3, topicPartitions: 6) { broker, topic in
            // Two partitions each: the outage of broker 2 stalls partitions 1 and 4.
            for partition in Int32(0)..<6 { try broker.setPartitionLeader(topic, partition: partition, broker: partition % 3 + 1) }
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            try TestKafka.produce(producer, topic: topic, 0..<200)

            try broker.setBrokerDown(2)
            for index in 200..<400 {
                try producer.produce(topic: topic, key: TestKafka.key(index), value: TestKafka.value(index))
            }
            // Wait until the client has noticed the outage and the down broker's partitions stall.
            let noticed = ContinuousClock.now + .seconds(10)
            while producer.statistics.transientErrors == 0 && ContinuousClock.now < noticed {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(2))
            #expect(producer.outstanding > 0, "messages for the down broker's partitions should be waiting")
            try broker.setBrokerUp(2)
            try TestKafka.produce(producer, topic: topic, 400..<600)

            #expect(producer.statistics.delivered == 600)
            #expect(producer.statistics.failed == 0)
            #expect(producer.statistics.transientErrors > 0)
            producer.close()

            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            let messages = try await TestKafka.collect(consumer, count: 600)
            consumer.close()
            let indices = messages.compactMap(TestKafka.index(of:))
            #expect(indices.count == 600)
            #expect(Set(indices) == Set(0..<600))
        }
    }

    /// Injected broker errors on Produce requests are retried transparently.
    @Test func injectedProduceErrorsAreRetried() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            try broker.injectRequestErrors(.produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            let report = try await producer.send(topic: topic, key: TestKafka.key(1), value: TestKafka.value(1))
            #expect(report.topicPartition == TopicPartition(topic, 0))
            #expect(report.offset == 0)
            producer.close()
        }
    }

    /// An unreachable bootstrap address fails within a bounded time with a clear error,
    /// both for a metadata request and for a message's delivery.
    @Test func unreachableBootstrapFailsWithinBoundedTime() async throws {
        let producer = try KafkaProducer(config: ["bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": "1500"],
                                         logger: TestKafka.logger)
        let clock = ContinuousClock()
        let start = clock.now
        let metadataError = try #require(throws: KafkaError.self) { try producer.metadata(timeout: .seconds(1)) }
        #expect([.transport, .timedOut, .allBrokersDown].contains(metadataError.errorCode), "\(metadataError)")
        do {
            _ = try await producer.send(topic: "nowhere", value: [1, 2, 3])
            Issue.record("delivery to an unreachable broker succeeded")
        } catch let error as KafkaError {
            #expect(error.errorCode == .messageTimedOut, "\(error)")
        }
        #expect(clock.now - start < .seconds(10))
        producer.close()
    }

    /// The transactional API drives the mock's transaction state machine (the mock does
    /// not provide exactly-once results, so only the calls' success is checked).
    @Test func transactionsCommitAndAbort() async throws {
        try await TestKafka.withBroker(brokers: 3, topicPartitions: 1) { broker, topic in
            var config = TestKafka.producerConfig(broker)
            config["transactional.id"] = TestKafka.uniqueName("txn")
            let producer = try KafkaProducer(config: config, logger: TestKafka.logger)
            try producer.initTransactions(timeout: .seconds(20))
            try producer.beginTransaction()
            let report = try await producer.send(topic: topic, key: TestKafka.key(0), value: TestKafka.value(0))
            #expect(report.offset >= 0)
            try producer.commitTransaction()
            try producer.beginTransaction()
            try producer.produce(topic: topic, key: TestKafka.key(1), value: TestKafka.value(1))
            try producer.abortTransaction()
            // A second begin without commit/abort of the first is a state error.
            try producer.beginTransaction()
            #expect(throws: KafkaError.self) { try producer.beginTransaction() }
            try producer.abortTransaction()
            producer.close()
        }
    }
}
