import Testing
@testable import Kafka

@Suite(.timeLimit(.minutes(3))) struct KafkaConsumerTests {
    /// Tracks one group member's rebalance events and current assignment.
    struct Member {
        let consumer: KafkaConsumer
        var assignment: Set<TopicPartition> = []
        var revoked: [Set<TopicPartition>] = []
        var assigned: [Set<TopicPartition>] = []

        /// Reads events until the assignment satisfies `condition`.
        /// The mock completes a rebalance without a member that is slow to rejoin (a busy
        /// machine), which then costs another rebalance of ~session.timeout.ms: be patient.
        mutating func awaitAssignment(timeout: Duration = .seconds(60),
                                      _ condition: (Set<TopicPartition>) -> Bool) async throws -> Bool {
            var member = self
            let reached = try await TestKafka.readEvents(consumer, timeout: timeout) { event in
                switch event {
                case .partitionsAssigned(let partitions):
                    member.assigned.append(Set(partitions))
                    member.assignment = Set(partitions)
                case .partitionsRevoked(let partitions):
                    member.revoked.append(Set(partitions))
                    member.assignment.subtract(partitions)
                case .messages, .partitionEnd: break
                }
                return condition(member.assignment)
            }
            self = member
            return reached
        }
    }

    /// Two members split the partitions; when one leaves, all return to the other, and
    /// the rebalance events show what was revoked and assigned at each step.
    @Test func groupMembersSplitPartitionsAndTakeOverOnLeave() async throws {
        try await TestKafka.withBroker(brokers: 1, topicPartitions: 4) { broker, topic in
            let all = Set((0..<4).map { TopicPartition(topic, Int32($0)) })
            let group = TestKafka.uniqueName("group")
            var first = Member(consumer: try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: group), logger: TestKafka.logger))
            try first.consumer.subscribe([topic])
            #expect(try await first.awaitAssignment { $0 == all })
            #expect(try Set(first.consumer.assignment()) == all)

            var second = Member(consumer: try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: group), logger: TestKafka.logger))
            try second.consumer.subscribe([topic])
            // Both members must keep reading until the group is stable: a member that stops
            // reading early cannot answer a further rebalance (its callback waits for it),
            // and on a busy machine the mock may need more than one round.
            let deadline = ContinuousClock.now + .seconds(90)
            var split = false
            while !split, ContinuousClock.now < deadline {
                _ = try await first.awaitAssignment(timeout: .milliseconds(300)) { _ in false }
                _ = try await second.awaitAssignment(timeout: .milliseconds(300)) { _ in false }
                split = first.assignment.count == 2 && second.assignment.count == 2
                    && first.assignment.isDisjoint(with: second.assignment)
            }
            #expect(split, "first \(first.assignment), second \(second.assignment)")
            #expect(first.assignment.isDisjoint(with: second.assignment))
            #expect(first.assignment.union(second.assignment) == all)
            #expect(first.revoked.first == all, "eager rebalancing revokes everything first")
            #expect(second.assigned.last == second.assignment)

            second.consumer.close()
            #expect(try await first.awaitAssignment { $0 == all })
            #expect(first.revoked.count >= 2, "revoked for the split and again when the other member left")
            #expect(first.assigned.last == all)
            first.consumer.close()
        }
    }

    /// A restarted member resumes exactly after the last committed offset.
    @Test func restartResumesAfterCommittedOffset() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            try TestKafka.produce(producer, topic: topic, 0..<100)
            producer.close()
            let group = TestKafka.uniqueName("group")
            let partition = TopicPartition(topic, 0)

            let first = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: group), logger: TestKafka.logger)
            try first.subscribe([topic])
            let fetched = try await TestKafka.collect(first, count: 40)
            #expect(fetched.count >= 40)
            let processed = fetched.filter { $0.offset < 40 }
            #expect(processed.map(\.offset) == Array(0..<40))
            try first.storeOffsets(for: processed)
            try first.commit()
            #expect(try first.committed([partition]) == [TopicPartitionOffset(partition, offset: 40)])
            try first.commit()  // nothing new stored: not an error
            // Offsets of partitions this member does not own are refused, not silently kept.
            #expect(throws: KafkaError.self) {
                try first.storeOffsets([TopicPartitionOffset(TopicPartition(topic, 7), offset: 1)])
            }
            first.close()

            let second = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: group), logger: TestKafka.logger)
            try second.subscribe([topic])
            let rest = try await TestKafka.collect(second, count: 60)
            second.close()
            #expect(rest.map(\.offset) == Array(40..<100))
            #expect(rest.compactMap(TestKafka.index(of:)) == Array(40..<100))
        }
    }

    /// Seek re-reads from an offset; pause stops delivery and lag grows; resume catches up.
    @Test func seekPauseResumeAndLag() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let partition = TopicPartition(topic, 0)
            let producer = try KafkaProducer(config: TestKafka.producerConfig(broker), logger: TestKafka.logger)
            try TestKafka.produce(producer, topic: topic, 0..<50)
            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            #expect(try await TestKafka.collect(consumer, count: 50).count == 50)
            #expect(try consumer.lag() == [PartitionLag(topicPartition: partition, position: 50, logEndOffset: 50, lag: 0)])

            try consumer.seek(partition, to: 10)
            let reread = try await TestKafka.collect(consumer, count: 40)
            #expect(reread.map(\.offset) == Array(10..<50))

            try consumer.pause([partition])
            try TestKafka.produce(producer, topic: topic, 50..<60)
            let whilePaused = try await TestKafka.collect(consumer, count: 1, timeout: .seconds(1))
            #expect(whilePaused.isEmpty)
            #expect(try consumer.lag().first?.lag == 10)

            try consumer.resume([partition])
            let caughtUp = try await TestKafka.collect(consumer, count: 10)
            #expect(caughtUp.map(\.offset) == Array(50..<60))
            #expect(try consumer.lag().first?.lag == 0)
            consumer.close()
            producer.close()
        }
    }

    /// Closing ends the event sequence instead of leaving a reader waiting.
    @Test func closeEndsTheEventSequence() async throws {
        try await TestKafka.withBroker(topicPartitions: 1) { broker, topic in
            let consumer = try KafkaConsumer(config: TestKafka.consumerConfig(broker, group: TestKafka.uniqueName("group")),
                                             logger: TestKafka.logger)
            try consumer.subscribe([topic])
            let reader = Task {
                var events = 0
                for try await _ in consumer.events { events += 1 }
                return events
            }
            try await Task.sleep(for: .milliseconds(300))
            consumer.close()
            _ = try await reader.value  // returns instead of hanging
            #expect(consumer.isClosed)
            #expect(throws: KafkaError.self) { try consumer.commit() }
        }
    }
}
