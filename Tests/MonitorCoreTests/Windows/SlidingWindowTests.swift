import MonitorTestSupport
import Testing
import DriftCore
@testable import Monitor
@testable import MonitorCore

@Suite struct SlidingWindowTests {
    func eventTimeWindow(pane: Int64 = 10, panes: Int = 3, lateness: Int64 = 0) -> SlidingWindow<ValuesPane> {
        SlidingWindow(spec: WindowSpec(kind: .eventTime(paneMilliseconds: pane, allowedLatenessMilliseconds: lateness), panesPerWindow: panes)) { ValuesPane() }
    }

    @Test func emitsOneWindowPerClosedPaneWithTheLastPanes() {
        var window = eventTimeWindow()
        var closed: [ClosedWindow<ValuesPane>] = []
        for timestamp in stride(from: Int64(0), through: 45, by: 5) {
            closed += window.add(timestamp: timestamp) { $0.values.append(Int(timestamp)) }
        }
        // Panes [0,10) … [30,40) closed once event 40 arrived; [40,50) is still open.
        #expect(closed.map(\.end) == [10, 20, 30, 40])
        #expect(closed.map(\.start) == [-20, -10, 0, 10])
        #expect(closed.map { $0.summary.values } == [[0, 5], [0, 5, 10, 15], [0, 5, 10, 15, 20, 25], [10, 15, 20, 25, 30, 35]])
        #expect(closed.map(\.eventCount) == [2, 4, 6, 6])
        #expect(window.flush().map { $0.summary.values } == [[20, 25, 30, 35, 40, 45]])
    }

    @Test func lateEventsAreCountedNotMerged() {
        var window = eventTimeWindow(lateness: 5)
        _ = window.add(timestamp: 3) { $0.values.append(3) }
        let closed = window.add(timestamp: 16) { $0.values.append(16) }  // watermark 11 closes [0,10)
        #expect(closed.map { $0.summary.values } == [[3]])
        let late = window.add(timestamp: 9) { $0.values.append(9) }
        #expect(late.isEmpty && window.counters.late == 1)
        // Within the allowed lateness an out-of-order event still counts.
        _ = window.add(timestamp: 12) { $0.values.append(12) }
        #expect(window.flush().last?.summary.values == [3, 16, 12])
        #expect(window.counters.accepted == 3)
    }

    @Test func idleStretchesEmitNoEmptyWindows() {
        var window = eventTimeWindow()
        _ = window.add(timestamp: 0) { $0.values.append(0) }
        let closed = window.add(timestamp: 1_000_000) { $0.values.append(1) }
        #expect(closed.count == 1 && closed[0].end == 10)
        #expect(window.flush().map { $0.summary.values } == [[1]])
    }

    @Test func negativeTimesFallIntoTheRightPane() {
        #expect(floorDivide(-1, 10) == -1 && floorDivide(-10, 10) == -1 && floorDivide(-11, 10) == -2 && floorDivide(9, 10) == 0)
    }

    @Test func countWindowsHoldTheLastNEvents() throws {
        var window = SlidingWindow(spec: try WindowSpec.count(window: 6, slide: 2)) { ValuesPane() }
        var closed: [ClosedWindow<ValuesPane>] = []
        for value in 0..<9 { closed += window.add(timestamp: Int64(100 + value)) { $0.values.append(value) } }
        #expect(closed.map { $0.summary.values } == [[0, 1], [0, 1, 2, 3], [0, 1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7]])
        #expect(closed.last?.start == 102 && closed.last?.end == 108)
    }

    @Test func specValidation() {
        #expect(throws: WindowSpecError.windowNotMultipleOfSlide(window: 3_600_000, slide: 700_000)) {
            try WindowSpec.eventTime(window: 3_600_000, slide: 700_000, allowedLateness: 0)
        }
        #expect(throws: WindowSpecError.notPositive) { try WindowSpec.count(window: 0, slide: 1) }
        #expect(throws: WindowSpecError.negativeLateness) { try WindowSpec.eventTime(window: 10, slide: 5, allowedLateness: -1) }
    }

    // MARK: Growing windows

    func growingWindow(minimumEvents: Int, maximumPanes: Int) -> SlidingWindow<ValuesPane> {
        SlidingWindow(spec: WindowSpec(kind: .eventTime(paneMilliseconds: 10, allowedLatenessMilliseconds: 0), panesPerWindow: 2,
                                       sizing: .growing(minimumEvents: minimumEvents, maximumPanes: maximumPanes))) { ValuesPane() }
    }

    /// A sparse stream: one event per pane, windows of 2 panes, a minimum of 3 events. No
    /// sliding window holds 3, so the closed panes accumulate into tumbling windows of 3.
    @Test func sparseWindowsGrowUntilTheyHoldTheMinimum() {
        var window = growingWindow(minimumEvents: 3, maximumPanes: 100)
        var closed: [ClosedWindow<ValuesPane>] = []
        for pane in 0..<8 { closed += window.add(timestamp: Int64(pane * 10)) { $0.values.append(pane) } }
        // Panes 0–6 closed: windows {0,1,2} and {3,4,5}; pane 6 waits in the accumulation.
        #expect(closed.map { $0.summary.values } == [[0, 1, 2], [3, 4, 5]])
        #expect(closed.map(\.start) == [0, 30] && closed.map(\.end) == [30, 60] && closed.map(\.paneSpan) == [3, 3])
        #expect(closed.map(\.eventCount) == [3, 3])
        #expect(window.eventsInGrowingWindow == 1)
        // End of input: the rest of the stream is judged as it is.
        #expect(window.flush().map { $0.summary.values } == [[6, 7]])
    }

    /// Dense panes give ordinary sliding windows; when traffic thins out, the window grows
    /// from the pane after the last emitted window.
    @Test func aDenseStreamSlidesAndASparseStretchGrows() {
        var window = growingWindow(minimumEvents: 3, maximumPanes: 100)
        var closed: [ClosedWindow<ValuesPane>] = []
        let perPane = [2, 2, 2, 1, 0, 1, 1, 3]
        for (pane, count) in perPane.enumerated() {
            for index in 0..<count { closed += window.add(timestamp: Int64(pane * 10 + index)) { $0.values.append(pane) } }
        }
        closed += window.flush()
        // Window ending at pane 0 holds 2 (accumulated); panes 0–1 hold 4: emitted, clearing
        // the accumulation; 1–2: 4; 2–3: 3; 3 (and 4 is empty) 5: 2 → pane 5 accumulates;
        // 5–6: 2 → pane 6 joins: {5, 6} holds 2; 6–7 hold 4: emitted.
        #expect(closed.map(\.end) == [20, 30, 40, 80])
        #expect(closed.map(\.eventCount) == [4, 4, 3, 4])
        #expect(window.eventsInGrowingWindow == 0)
    }

    /// A window never spans more than the maximum: it is emitted with what it holds.
    @Test func aGrowingWindowStopsAtTheMaximumSpan() {
        var window = growingWindow(minimumEvents: 100, maximumPanes: 3)
        var closed: [ClosedWindow<ValuesPane>] = []
        for pane in [0, 1, 2, 3, 9, 10] { closed += window.add(timestamp: Int64(pane * 10)) { $0.values.append(pane) } }
        // {0,1,2} reaches 3 panes; {3} would stretch past 3 panes with pane 9: emitted alone.
        #expect(closed.map { $0.summary.values } == [[0, 1, 2], [3]])
        #expect(closed.map(\.paneSpan) == [3, 1])
    }

    /// A stream that stops: `advance(to:)` (the partition's time moved on) closes its
    /// panes, and an accumulation no later pane could join any more (all the panes its
    /// maximum span allows have closed) is emitted then — not at the end of input.
    @Test func advancingTimeClosesAStoppedStreamsPanesAndItsLastGrowingWindow() {
        var window = growingWindow(minimumEvents: 100, maximumPanes: 3)
        #expect(window.advance(to: 1000).isEmpty)  // no event yet: nothing to close
        for pane in [0, 1] { _ = window.add(timestamp: Int64(pane * 10)) { $0.values.append(pane) } }
        #expect(window.hasOpenPanesWithEvents)
        #expect(window.advance(to: 5).isEmpty)  // earlier than its own time
        // Time 25: panes 0–1 closed, accumulated; pane 2 could still join.
        #expect(window.advance(to: 25).isEmpty && window.eventsInGrowingWindow == 2 && !window.hasOpenPanesWithEvents)
        // Time 30: panes 0–2 (the maximum span) closed: nothing can join any more.
        let closed = window.advance(to: 30)
        #expect(closed.map { $0.summary.values } == [[0, 1]] && closed.map(\.end) == [20] && closed.map(\.paneSpan) == [2])
        #expect(window.eventsInGrowingWindow == 0 && window.watermark == 30)
    }

    /// The accumulation is part of the checkpointed state.
    @Test func aGrowingWindowSurvivesACheckpoint() throws {
        var window = growingWindow(minimumEvents: 3, maximumPanes: 100)
        for pane in 0..<2 { _ = window.add(timestamp: Int64(pane * 10)) { $0.values.append(pane) } }
        var writer = BinaryWriter()
        window.encodeState(to: &writer) { pane, writer in writer.writeCount(pane.values.count); pane.values.forEach { writer.writeCount($0) } }
        var restored = growingWindow(minimumEvents: 3, maximumPanes: 100)
        var reader = BinaryReader(writer.bytes)
        try restored.restoreState(from: &reader) { reader in
            ValuesPane(values: try (0..<reader.readCount()).map { _ in try reader.readCount() })
        }
        #expect(restored.eventsInGrowingWindow == 1)
        let closed = restored.add(timestamp: 20) { $0.values.append(2) } + restored.add(timestamp: 30) { $0.values.append(3) }
        #expect(closed.map { $0.summary.values } == [[0, 1, 2]])
    }
}
