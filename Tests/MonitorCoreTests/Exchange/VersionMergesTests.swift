import DriftCore
import MonitorTestSupport
import Simulation
import Testing
@testable import MonitorCore

@Suite struct VersionMergesTests {
    typealias Key = VersionMerges<ValuesPane>.Key

    /// Two versions through one merge task: `v1` on all three partitions, `v2` on partition
    /// 2 only from pane 30 on. Partition 2's watermarks, sent before `v2`'s first record
    /// reached the task, still move `v2`'s merge on when it starts: with the other
    /// partitions' records alone it judges up to them. Each version ends with the windows
    /// of one source recording all its events.
    @Test func aVersionFirstSeenLateStartsFromThePartitionsWatermarks() throws {
        let spec = ExchangeStream.spec(.fixed)
        let streams = [ExchangeStream(seed: 9), ExchangeStream(seed: 10)]
        func sent(_ stream: ExchangeStream, joining: (source: Int, fromPane: Int64)? = nil) -> ExchangeStream.Sent<ValuesPane> {
            stream.exchange(sources: 3, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) }, coding: ValuesPane.coding,
                            joining: joining)
        }
        let first = sent(streams[0]), second = sent(streams[1], joining: (source: 2, fromPane: 30))
        let keys = [Key(model: "m", version: "v1"), Key(model: "m", version: "v2")]
        var merges = VersionMerges<ValuesPane>(sources: 3) { _ in
            .init(merge: PaneMerge(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed))!, detectors: VersionDetectors(),
                  panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)
        }
        func send(_ record: HandOver<ValuesPane>, of key: Key) {
            #expect(merges.receive(.handOver(key, record: record.encoded(panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)), from: 0)
                == .handOver(.held))
        }
        var windows: [Key: [ClosedWindow<ValuesPane>]] = [:]
        func judge() { for (key, judged) in merges.judge() { windows[key, default: []] += judged.drift } }

        // Partition 2 sends all of v1 before its partition's watermarks (a partition's
        // watermark moves every version of it on); the others their first records.
        for (source, records) in first.records.enumerated() { for record in source == 2 ? records : Array(records.prefix(1)) { send(record, of: keys[0]) } }
        for watermark in second.idle { #expect(merges.receive(.watermark(source: watermark.source, before: watermark.boundary), from: 0) == .watermark(moved: true)) }
        judge()
        #expect(merges.keys == [keys[0]])
        for record in second.records[0] + second.records[1] { send(record, of: keys[1]) }
        judge()
        let early = windows[keys[1]] ?? []
        #expect(early.count > 20, "v2 judged up to partition 2's watermark before partition 2 speaks")
        #expect(early.last.map { $0.lastPane < second.idle.last!.boundary } == true)
        for record in second.records[2] { send(record, of: keys[1]) }
        for records in first.records.prefix(2) { for record in records.dropFirst() { send(record, of: keys[0]) } }
        judge()
        #expect(merges.keys == keys)

        for (key, stream) in zip(keys, streams) {
            let one = try ExchangeStream.merge(stream.handOvers(sources: 1, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                                                                coding: ValuesPane.coding), spec: spec, coding: ValuesPane.coding, seed: 1)
            #expect(windows[key]?.map { $0.summary.values.sorted() } == one.drift.map { $0.summary.values.sorted() })
            #expect(merges.merge(of: key)?.counters.troubles == PaneMerge<ValuesPane>.Counters())
        }
        #expect(merges.counters == VersionMerges<ValuesPane>.Counters())
    }

    /// A merge task reading two exchange partitions: every source's last watermark, read
    /// first on partition 1, does not start a version of partition 0 (whose records, still
    /// on their way, would all be late); partition 0's own copies, read after its records,
    /// move it on. The version ends with one source's windows and nothing late.
    @Test func onlyTheWatermarksOfAVersionsOwnPartitionMoveIt() throws {
        let spec = ExchangeStream.spec(.fixed)
        let stream = ExchangeStream(seed: 11)
        let sent = stream.handOvers(sources: 3, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                                    coding: ValuesPane.coding)
        let key = Key(model: "m", version: "v1")
        var merges = VersionMerges<ValuesPane>(sources: 3) { _ in
            .init(merge: PaneMerge(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed))!, detectors: VersionDetectors(),
                  panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)
        }
        let end = sent.joined().map(\.boundary).max()!
        for source in 0..<3 { #expect(merges.receive(.watermark(source: source, before: end), from: 1) == .watermark(moved: true)) }
        // Source 0's records of the version only (the others' still on their way).
        for record in sent[0] {
            _ = merges.receive(.handOver(key, record: record.encoded(panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)), from: 0)
        }
        #expect(merges.judge().isEmpty, "nothing judged before the other sources' records")
        for record in sent[1] + sent[2] {
            _ = merges.receive(.handOver(key, record: record.encoded(panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)), from: 0)
        }
        for source in 0..<3 { _ = merges.receive(.watermark(source: source, before: end), from: 0) }
        let windows = merges.judge().flatMap { $0.judged.drift }
        let one = try ExchangeStream.merge(stream.handOvers(sources: 1, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                                                            coding: ValuesPane.coding), spec: spec, coding: ValuesPane.coding, seed: 1)
        #expect(windows.map { $0.summary.values.sorted() } == one.drift.map { $0.summary.values.sorted() })
        #expect(merges.merge(of: key)?.counters.troubles == PaneMerge<ValuesPane>.Counters())
    }

    /// A merge task of two versions on two exchange partitions, checkpointed and restored
    /// into a new one at points through the stream and given the messages read since, makes
    /// the windows (drift, performance and detector signals, to the byte) of one that never
    /// stopped, with the same counters and in the end the same state. A version the restoring task no longer monitors is
    /// dropped from the state and counted; the other goes on.
    @Test(arguments: [1, 2]) func aTaskRestoredFromItsCheckpointGoesOn(quarters: Int) throws {
        let spec = ExchangeStream.spec(.fixed)
        let keys = [Key(model: "m", version: "v1"), Key(model: "n", version: "v1")]
        var messages: [(message: ExchangeMessage, partition: Int)] = []
        for (number, key) in keys.enumerated() {
            let sent = ExchangeStream(seed: 50 + UInt64(number)).handOvers(sources: 3, spec: spec, makePane: { ValuesPane() },
                                                                          record: { $0.values.append($1.id) }, coding: ValuesPane.coding)
            // The sources' records in the order of their boundaries, as they would be sent.
            for record in sent.joined().sorted(by: { ($0.boundary, $0.origin.source, $0.origin.sequence) < ($1.boundary, $1.origin.source, $1.origin.sequence) }) {
                messages.append((.handOver(key, record: record.encoded(panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)), number))
            }
        }
        // The versions' records interleaved as two partitions read by one task would be.
        var random = RandomSource(seed: 3)
        var byPartition = [messages.filter { $0.partition == 0 }, messages.filter { $0.partition == 1 }]
        var delivered: [(message: ExchangeMessage, partition: Int)] = []
        while let partition = byPartition.indices.filter({ !byPartition[$0].isEmpty }).randomElement(using: &random) {
            delivered.append(byPartition[partition].removeFirst())
        }
        let identity = { (rule: Int) in RuleIdentity(name: "ddm-\(rule)", digest: "d") }
        func task(monitoring: Set<Key> = Set(keys)) -> VersionMerges<ValuesPane> {
            VersionMerges(sources: 3) { key in
                guard monitoring.contains(key) else { return nil }
                return .init(merge: PaneMerge(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed))!, detectors: try! ExchangeStream.detectors(),
                             panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)
            }
        }
        func run(restartingAfter restart: Int?, monitoring: Set<Key> = Set(keys)) throws -> (windows: [Key: MergedWindows<ValuesPane>], task: VersionMerges<ValuesPane>) {
            var merges = task()
            var windows: [Key: MergedWindows<ValuesPane>] = [:]
            for (position, (message, partition)) in delivered.enumerated() {
                if position == restart {
                    var writer = BinaryWriter()
                    merges.encodeState(to: &writer, identity: identity)
                    merges = task(monitoring: monitoring)
                    var reader = BinaryReader(writer.bytes)
                    try merges.restoreState(from: &reader, identity: identity)
                    #expect(reader.remaining == 0)
                    if monitoring.count == keys.count {
                        var again = BinaryWriter()
                        merges.encodeState(to: &again, identity: identity)
                        #expect(again.bytes == writer.bytes, "the restored state is the checkpoint's")
                    }
                }
                _ = merges.receive(message, from: partition)
                if position % 50 == 0 || position == delivered.count - 1 {
                    for (key, judged) in merges.judge() {
                        windows[key, default: MergedWindows()].drift += judged.drift
                        windows[key, default: MergedWindows()].performance += judged.performance
                    }
                }
            }
            return (windows, merges)
        }
        let whole = try run(restartingAfter: nil)
        let restart = delivered.count * quarters / 4
        let restored = try run(restartingAfter: restart)
        for key in keys {
            let expected = try #require(whole.windows[key])
            #expect(expected.drift.count > 40 && expected.performance.count > 5)
            #expect(restored.windows[key]?.drift.map(\.summary.values) == expected.drift.map(\.summary.values))
            #expect(restored.windows[key]?.performanceBytes == expected.performanceBytes)
            #expect(restored.windows[key]?.performance.map(\.detectorSignals) == expected.performance.map(\.detectorSignals))
            #expect(restored.task.merge(of: key)?.counters == whole.task.merge(of: key)?.counters)
        }
        #expect(restored.task.counters == whole.task.counters)
        // In the end, the same state to the byte (detectors included, which these windows
        // alone may not show).
        func state(_ merges: VersionMerges<ValuesPane>) -> [UInt8] {
            var writer = BinaryWriter()
            merges.encodeState(to: &writer, identity: identity)
            return writer.bytes
        }
        #expect(state(restored.task) == state(whole.task))

        let narrowed = try run(restartingAfter: restart, monitoring: [keys[0]])
        #expect(narrowed.task.counters.versionsNotRestored == 1 && narrowed.task.keys == [keys[0]])
        #expect(narrowed.task.counters.unmonitoredRecords == delivered[restart...].filter { $0.partition == 1 }.count)
        #expect(narrowed.windows[keys[0]]?.drift.map(\.summary.values) == whole.windows[keys[0]]?.drift.map(\.summary.values))
    }
}

