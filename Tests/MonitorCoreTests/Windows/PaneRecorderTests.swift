import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct PaneRecorderTests {
    func recorder(lateness: Int64 = 0) -> PaneRecorder<ValuesPane> {
        PaneRecorder(spec: WindowSpec(kind: .eventTime(paneMilliseconds: 10, allowedLatenessMilliseconds: lateness), panesPerWindow: 3)) { ValuesPane() }
    }

    /// Panes close as the watermark passes their end, and are handed on whole, in index
    /// order, with their bounds and counts; the boundary is given while panes before it are open.
    @Test func panesCloseAsTheWatermarkPassesThem() {
        var recorder = recorder(lateness: 5)
        var boundaries: [Int64?] = []
        for timestamp: Int64 in [3, 12, 7, 24, 14] { boundaries.append(recorder.add(timestamp: timestamp) { $0.values.append(Int(timestamp)) }) }
        // Watermarks −2, 7, 7, 19 (pane 0 can close), 19 (still open).
        #expect(boundaries == [nil, nil, nil, 1, 1])
        #expect(recorder.close(before: 1).map(\.pane.values) == [[3, 7]])
        #expect(recorder.add(timestamp: 18) { $0.values.append(18) } == nil, "pane 0 is closed, pane 1 still open at watermark 19")
        #expect(recorder.add(timestamp: 26) { $0.values.append(26) } == 2)
        #expect(recorder.watermark == 21 && recorder.firstOpenPane == 1)
        let closed = recorder.close(before: 2)
        #expect(closed.map(\.index) == [1] && closed.map(\.pane.values) == [[12, 14, 18]])
        #expect(closed.map(\.eventCount) == [3] && closed.map(\.start) == [10] && closed.map(\.end) == [20])
        #expect(recorder.open.map(\.index) == [2] && recorder.firstOpenPane == 2)
        // Pane 1 is closed now: its events are late, counted, not recorded.
        #expect(recorder.add(timestamp: 19) { $0.values.append(19) } == nil)
        #expect(recorder.counters == PaneRecorder<ValuesPane>.Counters(accepted: 7, late: 1))
        #expect(recorder.advance(to: 20) == nil, "an earlier time does not move the watermark")
        #expect(recorder.advance(to: 40) == 3 && recorder.boundaryAfterOpenPanes == 3)
        #expect(recorder.close(before: 3).map(\.pane.values) == [[24, 26]] && !recorder.hasOpenPanesWithEvents)
    }

    /// Count panes close when they hold their events; their bounds are their events' times.
    @Test func countPanesCloseWhenFull() throws {
        var recorder = PaneRecorder(spec: try WindowSpec.count(window: 6, slide: 2)) { ValuesPane() }
        let boundaries = (0..<5).map { value in recorder.add(timestamp: Int64(100 - value)) { $0.values.append(value) } }
        #expect(boundaries == [nil, 1, nil, 2, nil])
        let closed = recorder.close(before: 2)
        #expect(closed.map(\.pane.values) == [[0, 1], [2, 3]] && closed.map(\.start) == [99, 97] && closed.map(\.end) == [101, 99])
    }

    /// Closing before the first event only moves the boundary: earlier events are late.
    @Test func closingWithoutPanesMakesEarlierEventsLate() {
        var recorder = recorder()
        #expect(recorder.close(before: 5).isEmpty && recorder.firstOpenPane == 5)
        #expect(recorder.add(timestamp: 49) { $0.values.append(49) } == nil && recorder.counters.late == 1)
        _ = recorder.add(timestamp: 50) { $0.values.append(50) }
        #expect(recorder.open.map(\.index) == [5])
    }
}
