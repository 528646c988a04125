import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct WindowAssemblerTests {
    let spec = WindowSpec(kind: .eventTime(paneMilliseconds: 10, allowedLatenessMilliseconds: 0), panesPerWindow: 3)

    /// The windows an assembler makes of what `recorders` close, each recorder's panes given
    /// as parts, closing once every recorder's watermark passed (the slowest one's).
    func assembled(_ recorders: inout [PaneRecorder<ValuesPane>], events: [(recorder: Int, timestamp: Int64)]) -> [ClosedWindow<ValuesPane>] {
        var assembler = WindowAssembler<ValuesPane>(spec: spec)
        var windows: [ClosedWindow<ValuesPane>] = []
        var closedBefore = Int64.min
        var taken: [Bool] = []
        func closeWhereAllPassed() {
            guard let boundary = recorders.map({ $0.watermark.map { floorDivide($0, 10) } ?? .min }).min(), boundary > closedBefore else { return }
            for index in recorders.indices { for pane in recorders[index].close(before: boundary) { taken.append(assembler.add(pane)) } }
            windows += assembler.close(before: boundary)
            closedBefore = boundary
        }
        for event in events {
            _ = recorders[event.recorder].add(timestamp: event.timestamp) { $0.values.append(Int(event.timestamp)) }
            closeWhereAllPassed()
        }
        for index in recorders.indices { _ = recorders[index].advance(to: 1_000) }
        closeWhereAllPassed()
        #expect(!taken.isEmpty && !taken.contains(false), "every part reaches a pane not closed yet")
        return windows
    }

    /// Panes recorded in parts (on two partitions) and merged give the windows one recorder
    /// of all the events gives: the same spans, counts and values.
    @Test func panesGivenInPartsMakeTheSameWindows() {
        let timestamps: [Int64] = [1, 4, 9, 12, 15, 21, 28, 33, 36, 38, 52, 55, 61]
        var one = [PaneRecorder<ValuesPane>(spec: spec) { ValuesPane() }]
        let whole = assembled(&one, events: timestamps.map { (0, $0) })
        var two = [PaneRecorder<ValuesPane>(spec: spec) { ValuesPane() }, PaneRecorder<ValuesPane>(spec: spec) { ValuesPane() }]
        let parts = assembled(&two, events: timestamps.enumerated().map { ($0.offset % 2, $0.element) })
        #expect(whole.count == 6 && parts.count == whole.count)
        #expect(parts.map(\.start) == whole.map(\.start) && parts.map(\.end) == whole.map(\.end))
        #expect(parts.map(\.eventCount) == whole.map(\.eventCount))
        #expect(parts.map { $0.summary.values.sorted() } == whole.map { $0.summary.values.sorted() })
        #expect(whole.map(\.lastPane) == [0, 1, 2, 3, 5, 6], "no window ends at the idle pane 4")
    }

    /// After closing, only the panes later windows need are kept; panes marked closed
    /// end no window but are in the later ones.
    @Test func keepsOnlyThePanesLaterWindowsNeed() {
        var assembler = WindowAssembler<ValuesPane>(spec: spec)
        for index in Int64(0)..<6 {
            let taken = assembler.add(RecordedPane(index: index, pane: ValuesPane(values: [Int(index)]), eventCount: 1, start: index * 10, end: index * 10 + 10))
            #expect(taken)
        }
        assembler.markClosed(before: 2)
        let windows = assembler.close(before: 4)
        #expect(windows.map(\.lastPane) == [2, 3] && windows.map(\.summary.values) == [[0, 1, 2], [1, 2, 3]])
        #expect(assembler.heldPanes.map(\.index) == [2, 3, 4, 5], "panes 2–3 for the windows ending at 4 and 5, 4–5 pending")
    }

    /// A part of a pane that already closed is refused, merging nothing, and a part of a
    /// pending pane is merged into it.
    @Test func aPartOfAClosedPaneIsRefused() {
        var assembler = WindowAssembler<ValuesPane>(spec: spec)
        func part(_ index: Int64, _ value: Int) -> RecordedPane<ValuesPane> {
            RecordedPane(index: index, pane: ValuesPane(values: [value]), eventCount: 1, start: index * 10, end: index * 10 + 10)
        }
        let added = (0..<3).map { assembler.add(part($0, Int($0))) }
        #expect(added == [true, true, true] && assembler.close(before: 3).last?.summary.values == [0, 1, 2])
        let late = assembler.add(part(2, 20))
        #expect(!late, "pane 2 closed")
        let merged = [assembler.add(part(3, 3)), assembler.add(part(3, 30))]
        #expect(merged == [true, true])
        let windows = assembler.close(before: 4)
        #expect(windows.map(\.summary.values) == [[1, 2, 3, 30]] && windows.map(\.eventCount) == [4])
    }
}
