import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
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
        // As close to a default Kafka broker as the embedded one allows: its ~1 MB message
        // limit is enforced by the clients (checked again on the state topic by
        // ``ServiceTestSupport/stateRecords(_:bootstrap:limit:)``), and checkpoints
        // (~0.2-0.5 MB here) are split into several records.
        settings.kafkaProperties["message.max.bytes"] = String(Support.defaultBrokerMessageLimit)
        settings.checkpoint.maximumRecordBytes = maximumRecordBytes
        return settings
    }

    static let maximumRecordBytes = 64_000

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
        // Alerts on both sides of the checkpoints the tests take (the default rules raise 4 here).
        #expect(expected.count >= 3, "the stream must make the engine alert, or the comparison proves nothing")
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
        #expect(second.state.status.checkpointRestores == ["latest": 1])
        try await Self.expectPublishedAsUninterrupted(broker, topics)
        let state = try await Support.stateRecords(topics.state, bootstrap: broker.bootstrapServers, limit: Self.maximumRecordBytes)
        #expect(state.chunked > 0, "the checkpoints must be split into several records")
    }

    /// The newest checkpoint on the state topic is incomplete (its manifest is there, a
    /// chunk is not): the next owner restores the one before and publishes what an
    /// uninterrupted engine does. A state topic without the shard's checkpoints (offsets
    /// committed) stops the service with an error naming the shard and its offsets, unless
    /// `--on-missing-state reset`, which starts empty, counted on `/metrics` and `/v1/status`.
    @Test func anIncompleteNewestCheckpointFallsBackAndMissingStateIsNeverSilent() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        let emptyState = "state-empty-\(topics.suffix)"
        for topic in topics.all + [emptyState] { try broker.createTopic(topic, partitions: 1) }
        var settings = Self.settings(broker, topics, group: "fallback-\(topics.suffix)")
        let split = 10_800
        let first = try await Self.runService(settings, broker: broker, feeding: Self.messages[..<split],
                                              expectedConsumed: split, stop: .graceful)
        #expect(first.state.status.checkpointRestores == ["fresh": 1])

        // A newer generation whose manifest arrived but whose chunk 1 is lost.
        let lost = ShardCheckpoint(engine: Array(repeating: 7, count: 3 * Self.maximumRecordBytes / 2), inputOffsets: [],
                                   outputPositions: [])
        let records = try CheckpointRecord.records(for: lost, group: settings.group, shard: 0,
                                                   placement: CheckpointPlacement(generation: 1000, slot: 0),
                                                   maximumRecordBytes: Self.maximumRecordBytes)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        for record in records where record != records[1] {
            _ = try await producer.send(topic: topics.state, key: record.key, value: record.value, headers: record.headers, partition: 0)
        }
        producer.close()
        let second = try await Self.runService(settings, broker: broker, feeding: Self.messages[split...],
                                               expectedConsumed: Self.messages.count - split, stop: .graceful)
        #expect(second.state.status.checkpointRestores == ["previous": 1])
        #expect(second.state.consumed == Self.messages.count - split, "the previous checkpoint was the newest complete one here")
        try await Self.expectPublishedAsUninterrupted(broker, topics)

        // The group's offsets are committed; this state topic knows nothing of them.
        settings.stateTopic = emptyState
        let failing = try Support.RunningService(settings)
        do {
            try await failing.task.value
            Issue.record("serve must stop when committed offsets have no checkpoint")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("shard 0") && text.contains("\(topics.input)[0]@\(Self.messages.count)")
                && text.contains("--on-missing-state reset"), "\(text)")
        }
        #expect(failing.state.status.checkpointRestores.isEmpty)

        settings.checkpoint.onMissingState = .reset
        let reset = try Support.RunningService(settings)
        #expect(await Support.eventually(.seconds(60)) { reset.state.isReady }, "no assignment")
        #expect(reset.state.status.checkpointRestores == ["missing_reset": 1])
        let exposition = String(decoding: reset.service.metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains(#"driftwatch_checkpoint_restores_total{result="missing_reset"} 1"#), "\(exposition)")
        #expect(exposition.contains(#"driftwatch_checkpoint_restores_total{result="previous"} 0"#))
        await reset.service.shutdown()
        try await reset.task.value
        // It started at the committed offsets and checkpointed there at once.
        #expect(reset.state.consumed == 0)
        let state = try await Support.stateRecords(emptyState, bootstrap: broker.bootstrapServers, limit: Self.maximumRecordBytes)
        #expect(state.checkpoints == 1)
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
}
