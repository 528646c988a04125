import Testing
@testable import Monitor

/// A pane that remembers its values, so tests can see exactly what each window holds.
struct ValuesPane: WindowPane {
    var values: [Int] = []
    mutating func merge(_ other: ValuesPane) { values += other.values }
}

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
}
