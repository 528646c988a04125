import DriftCore
import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct PaneMergeTests {
    /// Records the prediction's id: a pane whose merge order shows (as floating-point sums would).
    static func handOvers(_ stream: ExchangeStream, sources: Int, sizing: WindowSpec.Sizing, maximumBytes: Int = .max,
                          advancingAll: Bool = false, restart: (source: Int, from: Int, to: Int)? = nil) -> [[HandOver<ValuesPane>]] {
        stream.handOvers(sources: sources, spec: ExchangeStream.spec(sizing), makePane: { ValuesPane() }, record: { $0.values.append($1.id) },
                         coding: ValuesPane.coding, maximumBytes: maximumBytes, advancingAll: advancingAll, restart: restart)
    }

    static func merged(_ sent: [[HandOver<ValuesPane>]], sizing: WindowSpec.Sizing, seed: UInt64, redelivering: Bool = false,
                       dropping: HandOver<ValuesPane>.Origin? = nil) throws -> MergedWindows<ValuesPane> {
        try ExchangeStream.merge(sent, spec: ExchangeStream.spec(sizing), coding: ValuesPane.coding, seed: seed, redelivering: redelivering, dropping: dropping)
    }

    /// The same sources' records, delivered in other interleavings, some of them twice, split
    /// into small records, and judged at other points, give the same windows to the byte
    /// (merge order included), with every duplicate counted and dropped.
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 120, maximumPanes: 8)])
    func theWindowsDoNotDependOnWhenRecordsArrive(sizing: WindowSpec.Sizing) throws {
        let stream = ExchangeStream(seed: 5)
        let whole = Self.handOvers(stream, sources: 3, sizing: sizing)
        let split = Self.handOvers(stream, sources: 3, sizing: sizing, maximumBytes: 400)
        #expect(split.map(\.count) != whole.map(\.count), "the small limit splits hand-overs")
        let first = try Self.merged(whole, sizing: sizing, seed: 1)
        #expect(first.drift.count > (sizing == .fixed ? 40 : 5) && first.performance.count > 5, "\(first.drift.count) \(first.performance.count)")
        #expect(first.counters.troubles == PaneMerge<ValuesPane>.Counters() && first.counters.labelsAfterDetectors > 0)
        for (sent, seed, redelivering) in [(whole, UInt64(2), true), (split, 3, false), (split, 4, true)] {
            let other = try Self.merged(sent, sizing: sizing, seed: seed, redelivering: redelivering)
            #expect(other.drift.map(\.summary.values) == first.drift.map(\.summary.values))
            #expect(other.drift.map(\.start) == first.drift.map(\.start) && other.drift.map(\.end) == first.drift.map(\.end))
            #expect(other.drift.map(\.eventCount) == first.drift.map(\.eventCount))
            #expect(other.performanceBytes == first.performanceBytes)
            #expect(other.performance.map(\.detectorSignals) == first.performance.map(\.detectorSignals))
            #expect(other.detectors.detectors == first.detectors.detectors)
            #expect(redelivering ? other.counters.duplicates > 0 : other.counters.duplicates == 0)
            #expect(other.counters.missingRecords == 0 && other.counters.latePaneEvents == 0)
        }
    }

    /// One source, three or seven: the same drift windows (the same events in each) and the
    /// same performance windows (counts exact, sums to rounding), the same detector signals,
    /// whether idle sources are moved on with the others' events or only with their own.
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 120, maximumPanes: 8)])
    func theWindowsDoNotDependOnHowEventsAreSpreadOverSources(sizing: WindowSpec.Sizing) throws {
        let stream = ExchangeStream(seed: 9)
        let one = try Self.merged(Self.handOvers(stream, sources: 1, sizing: sizing), sizing: sizing, seed: 1)
        #expect(one.drift.count > (sizing == .fixed ? 40 : 5) && one.performance.count > 5, "\(one.drift.count) \(one.performance.count)")
        #expect(one.performance.contains { $0.detectorSignals[0] == true }, "the error rate rises from pane 30 on")
        for (sources, advancingAll) in [(3, false), (3, true), (7, false)] {
            let many = try Self.merged(Self.handOvers(stream, sources: sources, sizing: sizing, advancingAll: advancingAll), sizing: sizing, seed: 7)
            Self.expectTheSameEvents(many, one)
            #expect(many.counters.labelsAfterDetectors == one.counters.labelsAfterDetectors)
        }
        #expect(one.counters.labelsAfterDetectors > 0, "labels up to 8 panes late reach panes the detectors judged")
    }

    /// One source's drift windows are those of a sliding window recording every event in
    /// process (the same windows, with the same events in the same order).
    @Test func oneSourceMakesTheWindowsOfASlidingWindow() throws {
        let stream = ExchangeStream(seed: 11)
        let spec = ExchangeStream.spec(.fixed)
        let merged = try Self.merged(Self.handOvers(stream, sources: 1, sizing: .fixed), sizing: .fixed, seed: 1)
        var window = SlidingWindow<ValuesPane>(spec: spec) { ValuesPane() }
        var windows: [ClosedWindow<ValuesPane>] = []
        for prediction in stream.predictions.sorted(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) {
            windows += window.add(timestamp: prediction.timestamp) { $0.values.append(prediction.id) }
        }
        windows += window.advance(to: stream.end)
        #expect(windows.count > 20)
        #expect(merged.drift.map(\.summary.values) == windows.map(\.summary.values))
        #expect(merged.drift.map(\.start) == windows.map(\.start) && merged.drift.map(\.end) == windows.map(\.end))
    }

    /// A source restarted from a copy taken earlier (its checkpoint) and given its events
    /// since again sends the same records again, numbered as before: the merge drops them
    /// (counted) and makes the windows of a source that never stopped.
    @Test func aSourceRestartedFromACheckpointChangesNothing() throws {
        let stream = ExchangeStream(seed: 13)
        let steady = Self.handOvers(stream, sources: 3, sizing: .fixed)
        let restarted = Self.handOvers(stream, sources: 3, sizing: .fixed, restart: (source: 1, from: 300, to: 700))
        #expect(restarted[1].count > steady[1].count && restarted[0].count == steady[0].count)
        let expected = try Self.merged(steady, sizing: .fixed, seed: 3)
        let merged = try Self.merged(restarted, sizing: .fixed, seed: 3)
        #expect(merged.counters.duplicates == restarted[1].count - steady[1].count)
        #expect(merged.drift.map(\.summary.values) == expected.drift.map(\.summary.values))
        #expect(merged.performanceBytes == expected.performanceBytes)
    }

    /// A version whose predictions reach a partition only from pane 30 on: until then the
    /// merge waits for that source, and its partition's idle watermarks move it on; the
    /// windows are those of one source recording everything.
    @Test func aSourceWithoutTheVersionIsMovedOnByItsPartitionsWatermark() throws {
        let stream = ExchangeStream(seed: 9)
        let spec = ExchangeStream.spec(.fixed)
        let one = try Self.merged(Self.handOvers(stream, sources: 1, sizing: .fixed), sizing: .fixed, seed: 1)
        let sent = stream.exchange(sources: 3, spec: spec, makePane: { ValuesPane() }, record: { $0.values.append($1.id) }, coding: ValuesPane.coding,
                                   joining: (source: 2, fromPane: 30))
        let firstBoundary = try #require(sent.records[2].first?.boundary)
        #expect(firstBoundary >= 30 && sent.records[2].first?.panes.isEmpty == true)
        #expect(sent.idle.count > 20 && sent.idle.allSatisfy { $0.source == 2 && $0.boundary <= firstBoundary })

        var merge = PaneMerge<ValuesPane>(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed))!
        var detectors = VersionDetectors()
        for record in sent.records[0] + sent.records[1] { _ = merge.receive(record) }
        #expect(merge.judge(detectors: &detectors).drift.isEmpty, "source 2 has not handed over, nor its partition moved on")
        for watermark in sent.idle { merge.receivePartitionWatermark(source: watermark.source, before: watermark.boundary) }
        let early = merge.judge(detectors: &detectors).drift
        let idleBoundary = try #require(sent.idle.last?.boundary)
        #expect(early.count > 20 && early.last?.lastPane == one.drift.last { $0.lastPane < idleBoundary }?.lastPane)
        #expect(early.map { $0.summary.values.sorted() } == one.drift.prefix(early.count).map { $0.summary.values.sorted() })
        for record in sent.records[2] { _ = merge.receive(record) }
        let moved = merge.receivePartitionWatermark(source: 2, before: firstBoundary)
        #expect(!moved, "not past what its hand-overs carried")

        let merged = try ExchangeStream.merge(sent.records, idle: sent.idle, spec: spec, coding: ValuesPane.coding, seed: 4)
        #expect(merged.drift.map { $0.summary.values.sorted() } == one.drift.map { $0.summary.values.sorted() })
        #expect(merged.performance.map(\.labelled) == one.performance.map(\.labelled))
        #expect(zip(merged.performance, one.performance).allSatisfy { $0.summaries.agrees(with: $1.summaries) })
    }

    /// A merge restored from its checkpoint (written with records of every source held,
    /// not merged yet) and given the records since, some of them taken before, makes the
    /// windows of a merge that never stopped, to the byte.
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 120, maximumPanes: 8)])
    func aMergeRestoredFromItsCheckpointGoesOn(sizing: WindowSpec.Sizing) throws {
        let stream = ExchangeStream(seed: 17)
        let sent = Self.handOvers(stream, sources: 3, sizing: sizing, maximumBytes: 400)
        let steady = try Self.merged(sent, sizing: sizing, seed: 8)
        let total = sent.map(\.count).reduce(0, +)
        for restartingAfter in [total / 3, 2 * total / 3] {
            let restarted = try ExchangeStream.merge(sent, spec: ExchangeStream.spec(sizing), coding: ValuesPane.coding, seed: 8, redelivering: true,
                                                     restartingAfter: restartingAfter)
            #expect(restarted.drift.map(\.summary.values) == steady.drift.map(\.summary.values))
            #expect(restarted.drift.map(\.start) == steady.drift.map(\.start) && restarted.drift.map(\.eventCount) == steady.drift.map(\.eventCount))
            #expect(restarted.performanceBytes == steady.performanceBytes && !steady.performance.isEmpty)
            #expect(restarted.counters.duplicates > 0 && restarted.counters.missingRecords == 0)
        }
    }

    /// A source that stalls holds the others' parts back only up to the cap: then the merge
    /// stops waiting for it (counted), judges what the others sent, and counts as late what
    /// the stalled source sends later for the steps judged since. A merge without the cap
    /// waits, holding every part, and judges all the events once the source is back.
    @Test func aStalledSourceIsOvertakenAtTheCap() throws {
        let stream = ExchangeStream(seed: 5)
        let spec = ExchangeStream.spec(.fixed)
        let sent = Self.handOvers(stream, sources: 3, sizing: .fixed)
        func run(maximumHeld: Int) -> (merge: PaneMerge<ValuesPane>, windows: [ClosedWindow<ValuesPane>], mostHeld: Int) {
            var merge = PaneMerge<ValuesPane>(spec: spec, sources: 3, tracker: ExchangeStream.tracker(.fixed), maximumHeld: maximumHeld)!
            var detectors = VersionDetectors()
            var windows: [ClosedWindow<ValuesPane>] = []
            var mostHeld = 0
            func deliver(_ record: HandOver<ValuesPane>) {
                _ = merge.receive(record)
                mostHeld = max(mostHeld, merge.held)
                windows += merge.judge(detectors: &detectors).drift
            }
            // Source 2 sends its first five records, stalls while the others send all theirs, then comes back.
            for record in sent[2].prefix(5) { deliver(record) }
            for position in 0..<max(sent[0].count, sent[1].count) {
                for source in 0...1 where position < sent[source].count { deliver(sent[source][position]) }
            }
            for record in sent[2].dropFirst(5) { deliver(record) }
            return (merge, windows, mostHeld)
        }
        let capped = run(maximumHeld: 40)
        let waiting = run(maximumHeld: .max)
        let largestRecord = sent.joined().map { $0.panes.count + $0.outcomes.count }.max()!
        #expect(capped.merge.counters.overtakenSources > 0 && waiting.merge.counters.overtakenSources == 0)
        #expect(capped.mostHeld <= 40 + largestRecord && waiting.mostHeld > 200, "\(capped.mostHeld) \(largestRecord) \(waiting.mostHeld) \(capped.merge.counters)")
        #expect(capped.merge.counters.latePaneEvents > 0 && capped.merge.tracker.lateLabels > waiting.merge.tracker.lateLabels)
        let events = stream.predictions.count
        #expect(waiting.windows.last?.lastPane == capped.windows.last?.lastPane)
        #expect(Set(waiting.windows.flatMap(\.summary.values)).count == events)
        #expect(Set(capped.windows.flatMap(\.summary.values)).count == events - capped.merge.counters.latePaneEvents,
                "every event in a window but the stalled source's late ones, counted")
    }

    /// A record that never came is counted where the next one shows the gap (the merge goes
    /// on: its events are missing from the windows, not silently).
    @Test func aMissingRecordIsCounted() throws {
        let stream = ExchangeStream(seed: 13)
        let sent = Self.handOvers(stream, sources: 3, sizing: .fixed)
        let lost = sent[2][sent[2].count / 2]
        let merged = try Self.merged(sent, sizing: .fixed, seed: 3, dropping: lost.origin)
        #expect(merged.counters.missingRecords == 1)
        var merge = PaneMerge<ValuesPane>(spec: ExchangeStream.spec(.fixed), sources: 3, tracker: ExchangeStream.tracker(.fixed))!
        #expect(merge.receive(sent[0][0]) == .held && merge.receive(sent[0][2]) == .heldAfterGap(missing: 1))
        #expect(merge.receive(sent[0][1]) == .duplicate, "a record older than one taken cannot be told from a duplicate")
        var unknown = sent[0][3]
        unknown.origin.source = 3
        #expect(merge.receive(unknown) == .unknownSource && merge.counters.unknownSources == 1)
        var farOff = sent[0][3]
        farOff.boundary = .max / 2
        #expect(merge.receive(farOff) == .implausible && merge.counters.implausibleRecords == 1, "its time would overflow")
        var detectors = VersionDetectors()
        #expect(merge.judge(detectors: &detectors).drift.isEmpty && merge.receive(sent[0][3]) == .held)
    }

    /// Nothing is judged until every source handed over once; then only the steps every
    /// source's watermark passed.
    @Test func judgesOnlyWhatEverySourcePassed() {
        func record(_ source: Int, _ sequence: UInt64, boundary: Int64, panes: [Int64]) -> HandOver<ValuesPane> {
            HandOver(origin: .init(source: source, sequence: sequence), boundary: boundary, isLast: true,
                     panes: panes.map { RecordedPane(index: $0, pane: ValuesPane(values: [source * 100 + Int($0)]), eventCount: 1,
                                                     start: $0 * 1000, end: $0 * 1000 + 1000) }, outcomes: [])
        }
        let spec = WindowSpec(kind: .eventTime(paneMilliseconds: 1000, allowedLatenessMilliseconds: 0), panesPerWindow: 1)
        var merge = PaneMerge<ValuesPane>(spec: spec, sources: 2, tracker: ExchangeStream.tracker(.fixed))!
        var detectors = VersionDetectors()
        #expect(merge.receive(record(0, 0, boundary: 3, panes: [0, 1, 2])) == .held)
        #expect(merge.judge(detectors: &detectors).drift.isEmpty && merge.combinedWatermark == nil)
        #expect(merge.receive(record(1, 0, boundary: 2, panes: [1])) == .held)
        #expect(merge.judge(detectors: &detectors).drift.map(\.summary.values) == [[0], [1, 101]], "panes 0–1; pane 2 waits for source 1")
        var partial = record(1, 1, boundary: 5, panes: [2])
        partial.isLast = false
        #expect(merge.receive(partial) == .held)
        #expect(merge.judge(detectors: &detectors).drift.isEmpty, "a hand-over not whole yet moves no watermark")
        #expect(merge.receive(record(1, 2, boundary: 5, panes: [3])) == .held)
        #expect(merge.judge(detectors: &detectors).drift.map(\.summary.values) == [[2, 102]], "source 0 is at 3")
        #expect(PaneMerge<ValuesPane>(spec: WindowSpec(kind: .count(eventsPerPane: 5), panesPerWindow: 2), sources: 2,
                                      tracker: ExchangeStream.tracker(.fixed)) == nil, "count windows number panes per source")
    }

    /// Expects `many` (a merge of several sources) to hold the events of `one` (one source's):
    /// the same drift windows with the same events in each, the same performance windows
    /// (counts exact, sums to rounding) and the same detector signals.
    static func expectTheSameEvents(_ many: MergedWindows<ValuesPane>, _ one: MergedWindows<ValuesPane>,
                                    sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(many.drift.map { $0.summary.values.sorted() } == one.drift.map { $0.summary.values.sorted() }, sourceLocation: sourceLocation)
        #expect(many.drift.map(\.lastPane) == one.drift.map(\.lastPane) && many.drift.map(\.paneSpan) == one.drift.map(\.paneSpan),
                sourceLocation: sourceLocation)
        #expect(many.performance.map(\.firstPane) == one.performance.map(\.firstPane), sourceLocation: sourceLocation)
        #expect(many.performance.map(\.lastPane) == one.performance.map(\.lastPane), sourceLocation: sourceLocation)
        #expect(many.performance.map(\.predictions) == one.performance.map(\.predictions), sourceLocation: sourceLocation)
        #expect(many.performance.map(\.labelled) == one.performance.map(\.labelled), sourceLocation: sourceLocation)
        #expect(zip(many.performance, one.performance).allSatisfy { $0.summaries.agrees(with: $1.summaries) }, sourceLocation: sourceLocation)
        #expect(many.performance.map(\.detectorSignals) == one.performance.map(\.detectorSignals), sourceLocation: sourceLocation)
    }
}

