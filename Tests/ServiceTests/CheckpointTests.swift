import Foundation
import Kafka
@testable import Monitor
@testable import Service
import Testing

/// Checkpoints on the state topic: a stream processed by one pipeline that stops (gracefully
/// or like a crash) and a second one in the same group that takes over must publish
/// exactly what one engine that never stopped emits: same alerts and ids, none lost,
/// none twice.
@Suite(.serialized) struct CheckpointTests {
    typealias Support = ServiceTestSupport
    typealias Topics = MonitorServiceTests.Topics

    /// 16,000 events with drift and bias after 40% and 60%, malformed messages every 5,000.
    static let messages = try! Support.messages(events: 16_000, scenario: "income_shift@0.4,gender_bias@0.6", malformedEvery: 5_000)

    enum Stop { case graceful, crash }

    /// Runs a service over `part` of the stream (fed after the ones before it), until it
    /// consumed at least `expectedConsumed` and caught up, then stops it as told.
    static func runService(_ settings: ServeSettings, broker: EmbeddedBroker, feeding part: ArraySlice<StreamFeeder.Message>,
                           expectedConsumed: Int, stop: Stop) async throws -> MonitorService {
        let running = try Support.RunningService(settings)
        let service = running.service
        #expect(await Support.eventually(.seconds(60)) { service.state.isReady }, "no assignment")
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        try await StreamFeeder(topic: settings.inputTopics[0], partition: 0, maximumAhead: 4000)
            .feed(part, producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(await Support.eventually(.seconds(60)) { state.consumed >= expectedConsumed },
                "consumed \(state.consumed) of \(expectedConsumed)")
        #expect(await Support.caughtUp([state]))
        switch stop {
        case .graceful: await service.shutdown()
        case .crash: service.pipeline.stopLikeACrashForTesting()
        }
        try await running.task.value
        return service
    }

    static func settings(_ broker: EmbeddedBroker, _ topics: Topics, group: String) -> ServeSettings {
        var settings = MonitorServiceTests.settings(broker, topics, group: group)
        settings.checkpointInterval = .seconds(3600)  // by message count only: deterministic checkpoint points
        settings.checkpointMessages = 6000
        return settings
    }

    /// The alerts topic (and the metrics topic, with `metrics`) read in full equals the
    /// uninterrupted engine's outputs, and the dead-letter topic holds each malformed message once.
    static func expectPublishedAsUninterrupted(_ broker: EmbeddedBroker, _ topics: Topics, metrics: Bool = false) async throws {
        let outputs = Support.engineOutputs(messages).outputs
        if metrics {
            let expected = outputs.filter { $0.kind == .metric || $0.kind == .notice }
            let published = try await Support.read(topics.metrics, bootstrap: broker.bootstrapServers, count: expected.count)
            #expect(published.count == expected.count, "metric events: \(published.count) published, \(expected.count) expected")
            #expect(published.map { String(decoding: $0.value, as: UTF8.self) } == expected.map(\.json))
            #expect(published.map { Support.header(OutputRouting.idHeader, of: $0) } == expected.map(\.id))
        }
        let expected = outputs.filter { $0.kind == .alert }
        // Alerts after messages 10,392, 11,220 and 15,444.
        #expect(expected.count == 3, "the stream must make the engine alert, or the comparison proves nothing")
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expected.count)
        #expect(alerts.count == expected.count)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expected.map(\.json))
        #expect(alerts.map { Support.header(OutputRouting.idHeader, of: $0) } == expected.map(\.id))
        let malformed = messages.filter { $0.key != nil }.count
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: malformed)
        #expect(deadLetters.map { Support.header(DeadLetter.offsetHeader, of: $0) }
            == messages.indices.filter { messages[$0].key != nil }.map { String($0) })
    }

    @Test func aGracefulRestartContinuesFromTheCheckpoint() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let settings = Self.settings(broker, topics, group: "restart-\(topics.suffix)")
        let split = 10_800  // an alert before, two after
        let first = try await Self.runService(settings, broker: broker, feeding: Self.messages[..<split],
                                              expectedConsumed: split, stop: .graceful)
        #expect(first.pipeline.suppressedOutputs == 0)
        // The final checkpoint covers everything: the second service re-reads nothing.
        let second = try await Self.runService(settings, broker: broker, feeding: Self.messages[split...],
                                               expectedConsumed: Self.messages.count - split, stop: .graceful)
        #expect(second.state.consumed == Self.messages.count - split)
        #expect(second.pipeline.suppressedOutputs == 0)
        try await Self.expectPublishedAsUninterrupted(broker, topics)
    }

    /// A crash after the checkpoint at ~6,000 messages, or before any regular checkpoint
    /// (only the one written when the shard started): the second service processes the
    /// messages after it again and must recognise what was already published there —
    /// the alert after message 10,392 and the dead letter of message 10,000 (and of 5,000),
    /// and the metric events published since the checkpoint.
    @Test(arguments: [(checkpointMessages: 6000, suppressed: 2), (checkpointMessages: 100_000, suppressed: 3)])
    func aCrashReprocessesSinceTheCheckpointWithoutPublishingTwice(_ scenario: (checkpointMessages: Int, suppressed: Int)) async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        var settings = Self.settings(broker, topics, group: "crash-\(topics.suffix)")
        settings.checkpointMessages = scenario.checkpointMessages
        settings.metricsTopic = topics.metrics
        let split = 11_000
        _ = try await Self.runService(settings, broker: broker, feeding: Self.messages[..<split],
                                      expectedConsumed: split, stop: .crash)
        let second = try await Self.runService(settings, broker: broker, feeding: Self.messages[split...],
                                               expectedConsumed: Self.messages.count - split, stop: .graceful)
        let reprocessed = second.state.consumed - (Self.messages.count - split)
        let lastCheckpoint = scenario.checkpointMessages < split ? scenario.checkpointMessages : 0
        #expect(reprocessed > 0 && reprocessed <= split - lastCheckpoint, "reprocessed \(reprocessed)")
        // Besides the alert and dead letters: the metric events of the windows evaluated since the checkpoint.
        #expect(second.pipeline.suppressedOutputs > scenario.suppressed)
        try await Self.expectPublishedAsUninterrupted(broker, topics, metrics: true)
    }

    @Test func checkpointRecordsRoundTripThroughTheirHeaders() throws {
        let checkpoint = ShardCheckpoint(engine: [1, 2, 3],
                                         inputOffsets: [TopicPartitionOffset(TopicPartition("in.a-b_c", 2), offset: 77)],
                                         outputPositions: [TopicPartitionOffset(TopicPartition("alerts", 0), offset: 5),
                                                           TopicPartitionOffset(TopicPartition("dead", 3), offset: 0)])
        let record = KafkaMessage(topic: "state", partition: 2, offset: 9, key: Array("g/2".utf8), value: checkpoint.engine,
                                  headers: checkpoint.headers)
        #expect(try ShardCheckpoint(record: record) == checkpoint)
        var damaged = record
        damaged.headers = [KafkaHeader(ShardCheckpoint.formatHeader, "1"), KafkaHeader(ShardCheckpoint.inputOffsetsHeader, "in:x:3")]
        #expect(throws: CheckpointError.self) { try ShardCheckpoint(record: damaged) }
        damaged.headers = []
        #expect(throws: CheckpointError.self) { try ShardCheckpoint(record: damaged) }
    }
}
