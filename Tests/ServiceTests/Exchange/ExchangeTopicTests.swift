import DriftCore
import Kafka
import MonitorTestSupport
import Testing
@testable import MonitorCore
@testable import Service

/// The exchange between join and merge tasks over a real Kafka topic (the embedded
/// broker): three join tasks, each with a producer of its own, send three versions'
/// hand-overs of real drift panes (split under a small record limit) and their partitions'
/// watermarks to a 4-partition exchange topic; two merge tasks read two partitions each.
@Suite(.serialized) struct ExchangeTopicTests {
    typealias Sent = ExchangeStream.Sent<DriftPane>
    typealias Support = ServiceTestSupport

    /// One version's stream, its drift panes and what three join tasks send of it.
    struct Version {
        var key: VersionKey
        var coding: PaneCoding<DriftPane>
        var sent: Sent

        init(_ key: VersionKey, seed: UInt64, joining: (source: Int, fromPane: Int64)? = nil) throws {
            let stream = ExchangeStream(seed: seed)
            let (layout, template) = try stream.driftPanes()
            self.key = key
            coding = .drift(layout: layout, template: template)
            sent = stream.exchange(sources: ExchangeTopicTests.sources, spec: ExchangeStream.spec(.fixed), makePane: { template },
                                   record: { $0.record(ExchangeStream.event($1), layout: layout) }, coding: coding,
                                   maximumBytes: ExchangeTopicTests.recordLimit, joining: joining)
        }

        func message(_ record: HandOver<DriftPane>) -> ExchangeMessage {
            .handOver(key, record: record.encoded(panes: coding, outcomes: ExchangeStream.outcomes))
        }
    }

    static let sources = 3
    /// Hand-over records at most this long (small, so that hand-overs are split).
    static let recordLimit = 4_000

    /// A merge task's state: every version it may be given.
    static func mergeTask(_ versions: [Version]) -> VersionMerges<DriftPane> {
        VersionMerges(sources: sources) { key in
            guard let version = versions.first(where: { $0.key == key }) else { return nil }
            return .init(merge: PaneMerge(spec: ExchangeStream.spec(.fixed), sources: sources, tracker: ExchangeStream.tracker(.fixed))!,
                         detectors: try! ExchangeStream.detectors(), panes: version.coding, outcomes: ExchangeStream.outcomes)
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
    /// an in-process merge of the same records makes, whatever order Kafka gave the
    /// partitions in; a version that reaches one partition only late is moved on there by
    /// that partition's watermarks; every record is under the limit; and what cannot be
    /// read (a record of unknown kind, a truncated copy of a hand-over) is counted and
    /// changes nothing.
    @Test func mergeTasksReadingTheTopicMakeTheWindowsOfAnInProcessMerge() async throws {
        let versions = try [
            Version(VersionKey(model: "credit", version: "v1"), seed: 41),
            Version(VersionKey(model: "credit", version: "v2"), seed: 42),
            Version(VersionKey(model: "fraud", version: "2026-12"), seed: 43, joining: (source: 2, fromPane: 30)),
        ]
        let broker = try EmbeddedBroker()
        defer { broker.stop() }
        let topic = ExchangeTopic(name: "driftwatch-exchange", partitions: 4)
        try broker.createTopic(topic.name, partitions: topic.partitions)
        #expect(Set(versions.map { ExchangeMessage.handOver($0.key, record: []).partitions(of: 4) }).count > 1,
                "the versions are on more than one partition")

        // Each join task: every version's records in its order (a version's idle watermarks
        // of its partition before its first record there), then its partition's watermark
        // at the end, through a producer of its own.
        var sentRecords = 0
        let end = versions.flatMap { $0.sent.records.joined().map(\.boundary) }.max()!
        for source in 0..<Self.sources {
            let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, ExchangeTopic.producerSettings.merging([
                "message.max.bytes": String(Support.defaultBrokerMessageLimit),
            ]) { $1 }), logger: Support.quietLogger)
            for version in versions {
                for idle in version.sent.idle where idle.source == source {
                    try topic.send(.watermark(source: source, before: idle.boundary), with: producer)
                }
                for record in version.sent.records[source] {
                    let message = version.message(record)
                    #expect(message.value.count <= Self.recordLimit && message.key.count < 40)
                    try topic.send(message, with: producer)
                    sentRecords += 1
                }
            }
            if source == 1 {
                // Damage: a record of unknown kind, and a truncated copy of a record sent.
                try producer.produce(topic: topic.name, key: [9, 1], value: [1], partition: 0)
                let copy = versions[0].message(versions[0].sent.records[source][0])
                try producer.produce(topic: topic.name, key: copy.key, value: Array(copy.value.dropLast(3)),
                                     partition: Int32(copy.partitions(of: topic.partitions).lowerBound))
            }
            try topic.send(.watermark(source: source, before: end), with: producer)
            try producer.flush(timeout: .seconds(30))
            producer.close()
        }
        #expect(sentRecords > 300)

        // Two merge tasks, two partitions each, read to the end.
        var made: [VersionKey: Made] = [:]
        var damaged = 0
        for partitions in [[0, 1], [2, 3]] {
            var task = Self.mergeTask(versions)
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

        #expect(Set(made.keys) == Set(versions.map(\.key)))
        for version in versions {
            let expected = try ExchangeStream.merge(version.sent.records, idle: version.sent.idle, spec: ExchangeStream.spec(.fixed),
                                                    coding: version.coding, seed: 7)
            var bytes = Made()
            bytes.add(expected.drift, expected.performance)
            #expect(expected.drift.count > 40 && expected.performance.count > 5)
            #expect(made[version.key] == bytes, "\(version.key)")
        }
    }

    static func collect(_ judged: [(key: VersionKey, judged: PaneMerge<DriftPane>.Judged)], into made: inout [VersionKey: Made]) {
        for (key, windows) in judged { made[key, default: Made()].add(windows.drift, windows.performance) }
    }
}
