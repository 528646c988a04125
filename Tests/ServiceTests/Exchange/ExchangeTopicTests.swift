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

    typealias Panes = [(layout: FeatureLayout, template: DriftPane, coding: PaneCoding<DriftPane>)]

    /// What the three join partitions send (see ``VersionStreams/send(partitions:spec:maximumBytes:restart:makeVersion:record:)``).
    static func joinPartitions(_ panes: Panes, restart: (partition: Int, from: Int, to: Int)? = nil) -> [[ExchangeMessage]] {
        let (sent, joins) = versions.send(partitions: sources, spec: ExchangeStream.spec(.fixed), maximumBytes: recordLimit, restart: restart,
                                          makeVersion: { key in
                                              let version = panes[versions.keys.firstIndex(of: key)!]
                                              return .init(outcomes: ExchangeStream.outcomes, makePane: { version.template }, panes: version.coding)
                                          },
                                          record: { pane, version, prediction in pane.record(ExchangeStream.event(prediction), layout: panes[version].layout) })
        #expect(joins.allSatisfy { $0.counters == .init() })
        return sent
    }

    /// Sends each join partition's messages in its order, through a producer of its own,
    /// the partitions taking turns (as join tasks running side by side would); with
    /// `damaging`, a record of unknown kind and a truncated copy of a hand-over among them.
    static func produce(_ sent: [[ExchangeMessage]], to topic: ExchangeTopic, on broker: EmbeddedBroker, damaging: Bool) throws {
        let producers = try sent.indices.map { _ in
            try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, ExchangeTopic.producerSettings.merging([
                "message.max.bytes": String(Support.defaultBrokerMessageLimit),
            ]) { $1 }), logger: Support.quietLogger)
        }
        for position in 0..<sent.map(\.count).max()! {
            for (source, messages) in sent.enumerated() where position < messages.count {
                let message = messages[position]
                #expect(message.value.count <= recordLimit && message.key.count < 40)
                try topic.send(message, with: producers[source])
                if damaging, source == 1, position == messages.count / 2, case let .handOver(key, record) = message {
                    try producers[source].produce(topic: topic.name, key: [9, 1], value: [1], partition: 0)
                    try producers[source].produce(topic: topic.name, key: message.key, value: Array(record.dropLast(3)),
                                                  partition: Int32(ExchangeMessage.handOver(key, record: []).partitions(of: topic.partitions).lowerBound))
                }
            }
        }
        for producer in producers {
            try producer.flush(timeout: .seconds(30))
            producer.close()
        }
    }

    /// A merge task reading `partitions` of `topic` from `offsets` (the beginning when
    /// none): it takes each record, judges now and then, and stops at the partitions'
    /// ends or as soon as `stopping` says so, given the records it took and the windows
    /// made (as a `kill -9` would stop it, judging and keeping no more). Returns the
    /// offsets it reached (the next to read) and whether `stopping` stopped it.
    static func read(_ partitions: [Int], of topic: ExchangeTopic, on broker: EmbeddedBroker, into task: inout VersionMerges<DriftPane>,
                     from offsets: [Int32: Int64] = [:], stopping: (_ taken: Int, _ made: [VersionKey: Made]) -> Bool = { _, _ in false },
                     made: inout [VersionKey: Made]) async throws -> (offsets: [Int32: Int64], stopped: Bool) {
        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, [
            "group.id": "merge-\(partitions[0])", "enable.auto.commit": "false",
        ]), logger: Support.quietLogger)
        defer { consumer.close() }
        let assigned = partitions.map { TopicPartition(topic.name, Int32($0)) }
        try consumer.assign(assigned.map { TopicPartitionOffset($0, offset: offsets[$0.partition] ?? KafkaOffset.beginning) })
        let ends = try Dictionary(uniqueKeysWithValues: assigned.map { ($0.partition, try consumer.watermarks($0).high) })
        var next = Dictionary(uniqueKeysWithValues: assigned.map { ($0.partition, offsets[$0.partition] ?? 0) })
        let deadline = ContinuousClock.now + .seconds(60)
        var delivered = 0
        reading: while next.contains(where: { $0.value < ends[$0.key]! }), ContinuousClock.now < deadline {
            guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
            for message in batch {
                if stopping(delivered, made) { return (next, true) }
                next[message.partition] = message.offset + 1
                delivered += 1
                _ = task.receive(key: message.key, value: message.value, from: Int(message.partition))
                // Judge now and then, as a task would between batches.
                if delivered % 97 == 0 { collect(task.judge(), into: &made) }
            }
        }
        #expect(next.allSatisfy { $0.value == ends[$0.key]! }, "read partitions \(partitions) to their end")
        collect(task.judge(), into: &made)
        return (next, false)
    }

    /// The same messages merged in process, each exchange partition's in its order.
    static func inProcess(_ sent: [[ExchangeMessage]], partitions: Int, panes: Panes) -> [VersionKey: Made] {
        var expected: [VersionKey: Made] = [:]
        for exchange in 0..<partitions {
            var task = mergeTask(panes)
            for messages in sent {
                for message in messages where message.partitions(of: partitions).contains(exchange) { _ = task.receive(message, from: exchange) }
            }
            collect(task.judge(), into: &expected)
        }
        return expected
    }

    /// Each merge task makes, for the versions of its partitions, byte for byte the windows
    /// an in-process merge of the same messages makes, whatever order Kafka gave the
    /// partitions in; a version that reaches one partition only late is moved on there by
    /// that partition's watermarks; every record is under the limit; and what cannot be
    /// read (a record of unknown kind, a truncated copy of a hand-over) is counted and
    /// changes nothing.
    @Test func mergeTasksReadingTheTopicMakeTheWindowsOfAnInProcessMerge() async throws {
        let panes = try Self.driftPanes()
        let sent = Self.joinPartitions(panes)
        #expect(sent.map(\.count).reduce(0, +) > 300)
        let broker = try EmbeddedBroker()
        defer { broker.stop() }
        let topic = ExchangeTopic(name: "driftwatch-exchange", partitions: 4)
        try broker.createTopic(topic.name, partitions: topic.partitions)
        #expect(Set(Self.versions.keys.map { ExchangeMessage.handOver($0, record: []).partitions(of: 4) }).count > 1,
                "the versions are on more than one partition")
        try Self.produce(sent, to: topic, on: broker, damaging: true)

        // Two merge tasks, two partitions each, read to the end.
        var made: [VersionKey: Made] = [:]
        var damaged = 0
        for partitions in [[0, 1], [2, 3]] {
            var task = Self.mergeTask(panes)
            _ = try await Self.read(partitions, of: topic, on: broker, into: &task, made: &made)
            damaged += task.counters.damagedRecords
            for key in task.keys {
                #expect(task.merge(of: key)?.counters.troubles == PaneMerge<DriftPane>.Counters(), "\(key)")
            }
        }
        #expect(damaged == 2)

        let expected = Self.inProcess(sent, partitions: topic.partitions, panes: panes)
        #expect(Set(made.keys) == Set(Self.versions.keys))
        for key in Self.versions.keys {
            let windows = try #require(expected[key])
            #expect(windows.drift.count > 40 && windows.performance.count > 5)
            #expect(made[key] == windows, "\(key)")
        }
    }

    /// Both sides restart over Kafka: a join partition restored from its checkpoint 500
    /// events old sends its messages since again, and the merge task, stopped halfway
    /// through the topic and restored from its checkpoint and offsets, reads on from them.
    /// The windows are those of an in-process merge of what the join partitions sent with
    /// no restart, byte for byte, every resent record dropped as a duplicate.
    @Test func restartsOnBothSidesLoseAndDuplicateNothing() async throws {
        let panes = try Self.driftPanes()
        let middle = Self.versions.timeline.count / 2
        let sent = Self.joinPartitions(panes, restart: (partition: 1, from: middle - 500, to: middle))
        let plain = Self.joinPartitions(panes)
        #expect(sent[1].count > plain[1].count, "messages sent again")
        let broker = try EmbeddedBroker()
        defer { broker.stop() }
        let topic = ExchangeTopic(name: "driftwatch-exchange", partitions: 4)
        try broker.createTopic(topic.name, partitions: topic.partitions)
        try Self.produce(sent, to: topic, on: broker, damaging: false)

        let partitions = Array(0..<topic.partitions)
        var made: [VersionKey: Made] = [:]
        var task = Self.mergeTask(panes)
        // Stopped once it has taken a third of the records and judged windows (the order
        // Kafka gives the partitions in decides when): what it judged stays made; its
        // checkpoint is its state after its last judgement, with the offsets it reached.
        let records = sent.joined().map { $0.partitions(of: topic.partitions).count }.reduce(0, +)
        let (offsets, stopped) = try await Self.read(partitions, of: topic, on: broker, into: &task, stopping: { taken, made in
            taken >= records / 3 && made.values.contains { !$0.drift.isEmpty }
        }, made: &made)
        #expect(stopped, "stopped before the end")
        Self.collect(task.judge(), into: &made)
        var writer = BinaryWriter()
        task.encodeState(to: &writer) { RuleIdentity(name: "ddm-\($0)", digest: "d") }
        var restored = Self.mergeTask(panes)
        var reader = BinaryReader(writer.bytes)
        try restored.restoreState(from: &reader) { RuleIdentity(name: "ddm-\($0)", digest: "d") }
        _ = try await Self.read(partitions, of: topic, on: broker, into: &restored, from: offsets, made: &made)

        let expected = Self.inProcess(plain, partitions: topic.partitions, panes: panes)
        for key in Self.versions.keys {
            #expect(made[key] == expected[key], "\(key)")
        }
        func handOvers(_ messages: [ExchangeMessage]) -> Int { messages.filter { if case .handOver = $0 { true } else { false } }.count }
        let duplicates = restored.keys.compactMap { restored.merge(of: $0)?.counters.duplicates }.reduce(0, +)
        #expect(duplicates == handOvers(sent[1]) - handOvers(plain[1]) && duplicates > 0)
        for key in restored.keys {
            var troubles = try #require(restored.merge(of: key)).counters.troubles
            troubles.duplicates = 0
            #expect(troubles == PaneMerge<DriftPane>.Counters(), "\(key)")
        }
    }

    static func collect(_ judged: [(key: VersionKey, judged: PaneMerge<DriftPane>.Judged)], into made: inout [VersionKey: Made]) {
        for (key, windows) in judged { made[key, default: Made()].add(windows.drift, windows.performance) }
    }
}
