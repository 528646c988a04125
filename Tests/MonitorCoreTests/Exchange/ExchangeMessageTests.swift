import DriftCore
import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct ExchangeMessageTests {
    static let versions = [VersionKey(model: "credit", version: "v1"), VersionKey(model: "credit", version: "v2"),
                           VersionKey(model: "fraud", version: "2026-12"), VersionKey(model: "churn", version: "a")]

    /// Both kinds read back from their key and value; a version's records go to one
    /// partition, the same whatever the record, and a watermark to every partition.
    @Test func messagesReadBackAndGoToTheirPartitions() throws {
        let record: [UInt8] = [1, 2, 3, 250]
        for version in Self.versions {
            let message = ExchangeMessage.handOver(version, record: record)
            #expect(try ExchangeMessage(key: message.key, value: message.value) == message)
            for count in [1, 3, 12] {
                let partitions = message.partitions(of: count)
                #expect(partitions.count == 1 && partitions.lowerBound >= 0 && partitions.upperBound <= count)
                #expect(ExchangeMessage.handOver(version, record: [9]).partitions(of: count) == partitions)
            }
        }
        #expect(Set(Self.versions.map { ExchangeMessage.handOver($0, record: []).partitions(of: 12) }).count > 1,
                "versions spread over the partitions")
        for (source, boundary) in [(0, Int64.min), (5, -3), (70_000, 1_780_000_000)] {
            let message = ExchangeMessage.watermark(source: source, before: boundary)
            #expect(try ExchangeMessage(key: message.key, value: message.value) == message)
            #expect(message.partitions(of: 6) == 0..<6)
        }
    }

    /// Any truncation, an unknown kind, a missing key or value, bytes left over and a newer
    /// watermark format are refused with an error, never a trap.
    @Test func damagedMessagesAreRefused() {
        let handOver = ExchangeMessage.handOver(Self.versions[2], record: [7])
        let watermark = ExchangeMessage.watermark(source: 3, before: 120)
        for message in [handOver, watermark] {
            for length in 0..<message.key.count {
                #expect(throws: SerializationError.self) { try ExchangeMessage(key: Array(message.key.prefix(length)), value: message.value) }
            }
            #expect(throws: SerializationError.self) { try ExchangeMessage(key: message.key + [0], value: message.value) }
            #expect(throws: SerializationError.self) { try ExchangeMessage(key: nil, value: message.value) }
        }
        for length in 0..<watermark.value.count {
            #expect(throws: SerializationError.self) { try ExchangeMessage(key: watermark.key, value: Array(watermark.value.prefix(length))) }
        }
        #expect(throws: SerializationError.self) { try ExchangeMessage(key: watermark.key, value: watermark.value + [0]) }
        #expect(throws: SerializationError.self) { try ExchangeMessage(key: watermark.key, value: [2] + watermark.value.dropFirst()) }
        #expect(throws: SerializationError.self) { try ExchangeMessage(key: handOver.key, value: nil) }
        #expect(throws: SerializationError.self) { try ExchangeMessage(key: [3] + handOver.key.dropFirst(), value: handOver.value) }
    }

    /// A merge task given, among a stream's messages, a damaged record of its version, a
    /// record of a version it does not monitor and a watermark of an unknown source drops
    /// and counts each, and makes the windows it makes without them. The damaged record's
    /// loss shows as a record missing from its source.
    @Test func aMergeTaskCountsWhatItCannotTakeAndGoesOn() throws {
        let spec = ExchangeStream.spec(.fixed)
        let stream = ExchangeStream(seed: 31)
        let sent = stream.handOvers(sources: 3, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                                    coding: ValuesPane.coding)
        let monitored = Self.versions[0]
        func task() -> VersionMerges<ValuesPane> {
            VersionMerges(sources: 3) { key in
                key == monitored ? .init(merge: PaneMerge(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed))!,
                                         detectors: VersionDetectors(), panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes) : nil
            }
        }
        func windows(_ merges: inout VersionMerges<ValuesPane>) -> [[Int]] { merges.judge().flatMap { $0.judged.drift.map(\.summary.values) } }
        let messages = sent.joined().map { ExchangeMessage.handOver(monitored, record: $0.encoded(panes: ValuesPane.coding, outcomes: ExchangeStream.outcomes)) }

        var clean = task()
        for message in messages { #expect(clean.receive(message, from: 0) == .handOver(.held)) }
        let expected = windows(&clean)
        #expect(expected.count > 40)

        var damaged = task()
        let records = Array(sent.joined())
        let spoiled = try #require(records.indices.first { $0 >= records.count / 2 && !records[$0].panes.isEmpty })
        for (position, message) in messages.enumerated() {
            if position == spoiled {
                guard case let .handOver(key, record) = message else { continue }
                // A truncated copy of the record it replaces, which stays lost.
                guard case .damaged = damaged.receive(.handOver(key, record: Array(record.dropLast())), from: 0) else {
                    Issue.record("a truncated record is refused")
                    continue
                }
                #expect(damaged.receive(.handOver(Self.versions[1], record: record), from: 0) == .unmonitored)
                #expect(damaged.receive(.watermark(source: 3, before: 10), from: 0) == .unknownSource)
                // A partition watermark behind what its source handed over changes nothing.
                #expect(damaged.receive(.watermark(source: 0, before: 5), from: 0) == .watermark(moved: true))
                continue
            }
            _ = damaged.receive(message, from: 0)
        }
        // The lost record is its source's; the merge waits for it as for a missing one, so
        // every window after it is still made once the source moves on: the windows holding its
        // pane lack its events.
        #expect(damaged.counters == .init(damagedRecords: 1, unmonitoredRecords: 1, unknownSources: 1))
        #expect(damaged.keys == [monitored])
        #expect(damaged.merge(of: monitored)?.counters.missingRecords == 1)
        let made = windows(&damaged)
        #expect(made.count == expected.count)
        let differing = zip(made, expected).filter { $0.0 != $0.1 }.count
        #expect(differing > 0 && differing <= spec.panesPerWindow, "only the windows of the lost record's pane differ")
    }
}
