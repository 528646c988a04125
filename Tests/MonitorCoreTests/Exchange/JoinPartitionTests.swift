import DriftCore
import MonitorTestSupport
import Simulation
import Testing
@testable import MonitorCore

@Suite struct JoinPartitionTests {
    static let spec = ExchangeStream.spec(.fixed)
    static let keys = [VersionKey(model: "credit", version: "v1"), VersionKey(model: "credit", version: "v2"),
                       VersionKey(model: "fraud", version: "a")]
    static let versions = VersionStreams(keys, seed: 60)
    /// Exchange partitions, each read by a merge task of its own.
    static let exchangePartitions = 2

    static func partition() -> JoinPartition<ValuesPane>.Version {
        .init(outcomes: ExchangeStream.outcomes, makePane: { ValuesPane() }, panes: ValuesPane.coding)
    }

    /// What `partitions` join partitions send each exchange partition (see
    /// ``VersionStreams/send(partitions:spec:maximumBytes:restart:makeVersion:record:)``),
    /// one channel per (join partition, exchange partition), in order.
    static func send(partitions: Int, restart: (partition: Int, from: Int, to: Int)? = nil,
                     makeVersion: @escaping (VersionKey) -> JoinPartition<ValuesPane>.Version? = { _ in partition() })
        -> (channels: ExchangeChannels, joins: [JoinPartition<ValuesPane>]) {
        let (messages, joins) = versions.send(partitions: partitions, spec: spec, maximumBytes: 600, restart: restart, makeVersion: makeVersion) {
            $0.values.append($2.id)
        }
        return (ExchangeChannels(messages, exchangePartitions: exchangePartitions), joins)
    }

    /// Each exchange partition's merge task takes its channels' messages in a random
    /// interleaving (each channel in order), judging now and then; returns each version's
    /// windows and the tasks.
    static func merge(_ channels: ExchangeChannels, seed: UInt64) throws -> (windows: [VersionKey: MergedWindows<ValuesPane>], tasks: [VersionMerges<ValuesPane>]) {
        var random = RandomSource(seed: seed)
        var windows: [VersionKey: MergedWindows<ValuesPane>] = [:]
        var tasks: [VersionMerges<ValuesPane>] = []
        for exchange in 0..<exchangePartitions {
            var task = VersionMerges<ValuesPane>(sources: channels.sources) { _ in
                .init(merge: PaneMerge(spec: spec, sources: channels.sources, tracker: ExchangeStream.tracker(.fixed))!,
                      detectors: try! ExchangeStream.detectors(), panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)
            }
            channels.deliver(exchange: exchange, random: &random) { message in
                switch task.receive(key: message.key, value: message.value, from: exchange) {
                case .damaged, .unmonitored, .unknownSource: Issue.record("\(message) refused")
                case .handOver, .watermark: break
                }
            } judge: {
                for (key, judged) in task.judge() {
                    windows[key, default: MergedWindows()].drift += judged.drift
                    windows[key, default: MergedWindows()].performance += judged.performance
                }
            }
            tasks.append(task)
        }
        return (windows, tasks)
    }

    /// One source recording all of a version's events (as ``PaneMergeTests`` checks, the
    /// windows of an in-process sliding window).
    static func oneSource(_ version: Int) throws -> MergedWindows<ValuesPane> {
        try ExchangeStream.merge(versions.streams[version].handOvers(sources: 1, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                                                            coding: ValuesPane.coding), spec: spec, coding: ValuesPane.coding, seed: 1)
    }

    /// Three versions' events spread over one, three or five join partitions by prediction
    /// id (one version reaching a partition only from pane 30 on), their messages taken by
    /// two merge tasks in random interleavings: each version's windows hold the events of
    /// one source recording all of them, nothing is late, missing or refused, and one
    /// partition gives one source's windows to the byte.
    @Test(arguments: [1, 3, 5]) func anyNumberOfPartitionsMakesOneSourcesWindows(partitions: Int) throws {
        let (channels, joins) = Self.send(partitions: partitions)
        #expect(joins.allSatisfy { $0.counters == .init() })
        let (windows, tasks) = try Self.merge(channels, seed: UInt64(partitions))
        #expect(Set(tasks.flatMap(\.keys)) == Set(Self.keys) && tasks.allSatisfy { $0.counters == .init() })
        for (version, key) in Self.keys.enumerated() {
            let one = try Self.oneSource(version)
            let merged = try #require(windows[key])
            #expect(one.drift.count > 40 && one.performance.count > 5)
            PaneMergeTests.expectTheSameEvents(merged, one)
            let counters = try #require(tasks.lazy.compactMap { $0.merge(of: key) }.first).counters
            #expect(counters.troubles == PaneMerge<ValuesPane>.Counters())
            if partitions == 1 {
                #expect(merged.drift.map(\.summary.values) == one.drift.map(\.summary.values))
                #expect(merged.performanceBytes == one.performanceBytes)
            }
        }
    }

    /// A join partition restored from a checkpoint taken 500 events earlier and given its
    /// events since again sends the same messages again: the merge tasks drop them (counted
    /// duplicates) and make the windows of a run without the restart, to the byte.
    @Test func aRestoredPartitionResendsWhatTheMergesDrop() throws {
        let middle = Self.versions.timeline.count / 2
        let restarted = Self.send(partitions: 3, restart: (partition: 1, from: middle - 500, to: middle))
        let plain = Self.send(partitions: 3)
        #expect(restarted.channels.channels.map { $0.map(\.count) } != plain.channels.channels.map { $0.map(\.count) }, "messages sent again")
        let again = try Self.merge(restarted.channels, seed: 5)
        let once = try Self.merge(plain.channels, seed: 5)
        for key in Self.keys {
            #expect(again.windows[key]?.drift.map(\.summary.values) == once.windows[key]?.drift.map(\.summary.values))
            #expect(again.windows[key]?.performanceBytes == once.windows[key]?.performanceBytes)
        }
        let duplicates = again.tasks.flatMap { task in task.keys.compactMap { task.merge(of: $0)?.counters.duplicates } }.reduce(0, +)
        #expect(duplicates > 0)
    }

    /// A version the join partitions do not admit is counted (its predictions and labels)
    /// and sends nothing; the others go on.
    @Test func predictionsOfVersionsNotAdmittedAreCounted() throws {
        let (channels, joins) = Self.send(partitions: 2) { key in key == Self.keys[1] ? nil : Self.partition() }
        let predictions = Self.versions.streams[1].predictions.count
        let labels = Self.versions.streams[1].predictions.filter { $0.labelledAt != nil }.count
        #expect(joins.map(\.counters.unmonitoredPredictions).reduce(0, +) == predictions)
        #expect(joins.map(\.counters.unmonitoredLabels).reduce(0, +) == labels)
        let (windows, _) = try Self.merge(channels, seed: 2)
        #expect(Set(windows.keys) == [Self.keys[0], Self.keys[2]])
        PaneMergeTests.expectTheSameEvents(try #require(windows[Self.keys[0]]), try Self.oneSource(0))
    }

    /// A partition restored by a configuration that no longer monitors one of its versions
    /// drops that version's state (counted) and restores the others, which send what they
    /// would have sent without the restart; the dropped version's later events are counted
    /// as unmonitored.
    @Test func aVersionNoLongerMonitoredIsDroppedAtARestore() throws {
        let (first, second) = (Self.keys[0], Self.keys[1])
        func partition(admitting admitted: Set<VersionKey>) throws -> JoinPartition<ValuesPane> {
            try #require(JoinPartition<ValuesPane>(source: 0, spec: Self.spec, maximumBytes: 1_000_000) { admitted.contains($0) ? Self.partition() : nil })
        }
        var join = try partition(admitting: [first, second])
        for (number, timestamp) in [Int64(500), 1_200, 1_700].enumerated() {
            _ = join.recordPrediction(of: first, timestamp: timestamp, judgeable: true) { $0.values.append(number) }
            _ = join.recordPrediction(of: second, timestamp: timestamp, judgeable: true) { $0.values.append(10 + number) }
        }
        _ = join.takeMessages()
        var writer = BinaryWriter()
        join.encodeState(to: &writer)
        var restored = try partition(admitting: [first])
        var reader = BinaryReader(writer.bytes)
        try restored.restoreState(from: &reader)
        #expect(reader.remaining == 0)
        #expect(restored.counters.versionsNotRestored == 1)
        _ = join.recordPrediction(of: second, timestamp: 2_100, judgeable: true) { $0.values.append(20) }
        #expect(restored.recordPrediction(of: second, timestamp: 2_100, judgeable: true) { $0.values.append(20) } == nil)
        #expect(restored.counters.unmonitoredPredictions == 1)
        join.advance(to: 9_000)
        restored.advance(to: 9_000)
        let expected = join.takeMessages().filter { $0.kind != .handOver(second) }
        #expect(restored.takeMessages().map(\.value) == expected.map(\.value))
        #expect(expected.contains { $0.kind == .handOver(first) })
    }

    /// With allowed lateness, a version first seen after the partition sent a boundary
    /// starts with its panes before it closed: an event that its own (new) time would
    /// still admit, but for a pane the merges were told the partition passed, is late.
    /// Messages: at each boundary crossed, the hand-overs of the versions with something
    /// to hand over, then the watermark.
    @Test func aVersionSeenLateStartsClosedBeforeThePartitionsBoundary() throws {
        let spec = WindowSpec(kind: .eventTime(paneMilliseconds: 1000, allowedLatenessMilliseconds: 2000), panesPerWindow: 3)
        var join = try #require(JoinPartition<ValuesPane>(source: 4, spec: spec, maximumBytes: 1_000_000) { _ in Self.partition() })
        let (first, second) = (Self.keys[0], Self.keys[1])
        #expect(join.recordPrediction(of: first, timestamp: 5_500, judgeable: true) { $0.values.append(1) } == 5)
        #expect(join.takeMessages().map(\.kind) == [.watermark(3)], "nothing to hand over yet")
        #expect(join.recordPrediction(of: first, timestamp: 10_500, judgeable: true) { $0.values.append(2) } == 10)
        #expect(join.takeMessages().map(\.kind) == [.handOver(first), .watermark(8)])
        #expect(join.recordPrediction(of: second, timestamp: 7_900, judgeable: true) { $0.values.append(3) } == nil, "before the boundary sent")
        #expect(join.recordPrediction(of: second, timestamp: 8_200, judgeable: true) { $0.values.append(4) } == 8)
        #expect(join.recordPrediction(of: first, timestamp: 8_900, judgeable: true) { $0.values.append(5) } == 8, "within its lateness")
        #expect(join.takeMessages().isEmpty, "no boundary crossed")
        join.advance(to: 20_000)
        #expect(join.takeMessages().map(\.kind) == [.handOver(first), .handOver(second), .watermark(18)])
        join.advance(to: 30_000)
        #expect(join.takeMessages().map(\.kind) == [.watermark(28)], "nothing to hand over: the watermark moves the merges on")
    }
}

extension ExchangeMessage {
    enum Kind: Equatable {
        case handOver(VersionKey)
        case watermark(Int64)
    }

    /// The message without its record's bytes.
    var kind: Kind {
        switch self {
        case let .handOver(key, _): .handOver(key)
        case let .watermark(_, boundary): .watermark(boundary)
        }
    }
}

