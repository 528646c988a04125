import DriftCore
import Kafka
import MonitorTestSupport
import Testing
@testable import MonitorCore
@testable import Service

/// The exchange between join and merge tasks over a real Kafka topic (the embedded
/// broker): three join partitions (``JoinPartition``), each with a producer of its own,
/// send three versions' hand-overs of real drift panes (split under a small record limit)
/// and their partitions' watermarks to a 4-partition exchange topic; two merge tasks read
/// two partitions each.
@Suite(.serialized) struct ExchangeTopicTests {
    typealias Support = ServiceTestSupport

    static let sources = 3
    /// Hand-over records at most this long (small, so that hand-overs are split).
    static let recordLimit = 4_000
    static let versions = VersionStreams([VersionKey(model: "credit", version: "v1"), VersionKey(model: "credit", version: "v2"),
                                          VersionKey(model: "fraud", version: "2026-12")], seed: 41)

    /// Each version's drift panes (on a reference of its stream's first predictions).
    static func driftPanes() throws -> [(layout: FeatureLayout, template: DriftPane, coding: PaneCoding<DriftPane>)] {
        try versions.streams.map { stream in
            let (layout, template) = try stream.driftPanes()
            return (layout, template, .drift(layout: layout, template: template))
        }
    }

    /// A merge task's state: every version it may be given.
    static func mergeTask(_ panes: [(layout: FeatureLayout, template: DriftPane, coding: PaneCoding<DriftPane>)]) -> VersionMerges<DriftPane> {
        VersionMerges(sources: sources) { key in
            guard let version = versions.keys.firstIndex(of: key) else { return nil }
            return .init(merge: PaneMerge(spec: ExchangeStream.spec(.fixed), sources: sources, tracker: ExchangeStream.tracker(.fixed))!,
                         detectors: try! ExchangeStream.detectors(), panes: panes[version].coding, outcomes: ExchangeStream.outcomes)
        }
    }

    /// What a merge made, as bytes: the drift windows (last pane, events, summary) and the
    /// performance windows (spans, counts, outcomes), each kind in the order made.
    struct Made: Equatable {
        var drift: [[UInt8]] = []
        var performance: [[UInt8]] = []

        mutating func add(_ drift: [ClosedWindow<DriftPane>], _ performance: [PerformanceTracker.Window]) {
            self.drift += drift.map { window in
                var writer = BinaryWriter()
                writer.write(window.lastPane)
                writer.writeCount(window.eventCount)
                window.summary.encode(to: &writer)
                return writer.bytes
            }
            var windows = MergedWindows<DriftPane>()
            windows.performance = performance
            self.performance += windows.performanceBytes
        }
    }

    /// Each merge task makes, for the versions of its partitions, byte for byte the windows
    /// an in-process merge of the same messages makes, whatever order Kafka gave the
    /// partitions in; a version that reaches one partition only late is moved on there by
    /// that partition's watermarks; every record is under the limit; and what cannot be
    /// read (a record of unknown kind, a truncated copy of a hand-over) is counted and
    /// changes nothing.
    @Test func mergeTasksReadingTheTopicMakeTheWindowsOfAnInProcessMerge() async throws {
        let panes = try Self.driftPanes()
        let (sent, joins) = Self.versions.send(partitions: Self.sources, spec: ExchangeStream.spec(.fixed), maximumBytes: Self.recordLimit,
                                               makeVersion: { key in
                                                   let version = panes[Self.versions.keys.firstIndex(of: key)!]
                                                   return .init(outcomes: ExchangeStream.outcomes, makePane: { version.template }, panes: version.coding)
                                               },
                                               record: { pane, version, prediction in pane.record(ExchangeStream.event(prediction), layout: panes[version].layout) })
        #expect(joins.allSatisfy { $0.counters == .init() })
        let broker = try EmbeddedBroker()
        defer { broker.stop() }
        let topic = ExchangeTopic(name: "driftwatch-exchange", partitions: 4)
        try broker.createTopic(topic.name, partitions: topic.partitions)
        #expect(Set(Self.versions.keys.map { ExchangeMessage.handOver($0, record: []).partitions(of: 4) }).count > 1,
                "the versions are on more than one partition")

        // Each join partition's messages in its order, through a producer of its own.
        for (source, messages) in sent.enumerated() {
            let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, ExchangeTopic.producerSettings.merging([
                "message.max.bytes": String(Support.defaultBrokerMessageLimit),
            ]) { $1 }), logger: Support.quietLogger)
            for (position, message) in messages.enumerated() {
                #expect(message.value.count <= Self.recordLimit && message.key.count < 40)
                try topic.send(message, with: producer)
                if source == 1, position == messages.count / 2, case let .handOver(key, record) = message {
                    // Damage: a record of unknown kind, and a truncated copy of the record just sent.
                    try producer.produce(topic: topic.name, key: [9, 1], value: [1], partition: 0)
                    try producer.produce(topic: topic.name, key: message.key, value: Array(record.dropLast(3)),
                                         partition: Int32(ExchangeMessage.handOver(key, record: []).partitions(of: topic.partitions).lowerBound))
                }
            }
            try producer.flush(timeout: .seconds(30))
            producer.close()
        }
        #expect(sent.map(\.count).reduce(0, +) > 300)

        // Two merge tasks, two partitions each, read to the end.
        var made: [VersionKey: Made] = [:]
        var damaged = 0
        for partitions in [[0, 1], [2, 3]] {
            var task = Self.mergeTask(panes)
            let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, [
                "group.id": "merge-\(partitions[0])", "enable.auto.commit": "false",
            ]), logger: Support.quietLogger)
            defer { consumer.close() }
            let assigned = partitions.map { TopicPartition(topic.name, Int32($0)) }
            try consumer.assign(assigned.map { TopicPartitionOffset($0, offset: KafkaOffset.beginning) })
            var remaining = try Dictionary(uniqueKeysWithValues: assigned.map { ($0.partition, try consumer.watermarks($0).high) })
            let deadline = ContinuousClock.now + .seconds(60)
            var delivered = 0
            while remaining.values.contains(where: { $0 > 0 }), ContinuousClock.now < deadline {
                guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
                for message in batch {
                    remaining[message.partition]! -= 1
                    delivered += 1
                    if case .damaged = task.receive(key: message.key, value: message.value, from: Int(message.partition)) { damaged += 1 }
                    // Judge now and then, as a task would between batches.
                    if delivered % 97 == 0 { Self.collect(task.judge(), into: &made) }
                }
            }
            #expect(remaining.values.allSatisfy { $0 == 0 }, "read partitions \(partitions) to their end")
            Self.collect(task.judge(), into: &made)
            for key in task.keys {
                #expect(task.merge(of: key)?.counters.troubles == PaneMerge<DriftPane>.Counters(), "\(key)")
            }
        }
        #expect(damaged == 2)

        // The same messages merged in process, each exchange partition's in its order.
        var expected: [VersionKey: Made] = [:]
        for exchange in 0..<topic.partitions {
            var task = Self.mergeTask(panes)
            for messages in sent {
                for message in messages where message.partitions(of: topic.partitions).contains(exchange) { _ = task.receive(message, from: exchange) }
            }
            Self.collect(task.judge(), into: &expected)
        }
        #expect(Set(made.keys) == Set(Self.versions.keys))
        for key in Self.versions.keys {
            let windows = try #require(expected[key])
            #expect(windows.drift.count > 40 && windows.performance.count > 5)
            #expect(made[key] == windows, "\(key)")
        }
    }

    static func collect(_ judged: [(key: VersionKey, judged: PaneMerge<DriftPane>.Judged)], into made: inout [VersionKey: Made]) {
        for (key, windows) in judged { made[key, default: Made()].add(windows.drift, windows.performance) }
    }
}
