import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct PaneSourceTests {
    static let outcomes = OutcomeShape(modelType: .binary, fairnessAttributes: [])

    func source(lateness: Int64 = 0) -> PaneSource<ValuesPane> {
        PaneSource(source: 4, spec: WindowSpec(kind: .eventTime(paneMilliseconds: 10, allowedLatenessMilliseconds: lateness), panesPerWindow: 2),
                   outcomes: Self.outcomes) { ValuesPane() }!
    }

    /// A hand-over is due each time the watermark passes a boundary: the drift panes closed
    /// since the last one and the outcome parts recorded before the boundary, each with
    /// its step (the boundary then, plus one); parts recorded since wait for the next one.
    @Test func handsOverWhatTheWatermarkPassed() {
        var source = source()
        #expect(source.recordPrediction(timestamp: 3, judgeable: true) { $0.values.append(3) } == 0)
        let first = source.handOver()
        #expect(first?.boundary == 0 && first?.panes.isEmpty == true && first?.outcomes.isEmpty == true)
        #expect(first?.origin == HandOver<ValuesPane>.Origin(source: 4, sequence: 0))
        #expect(source.handOver() == nil, "the watermark did not move")
        source.advance(to: 8)
        source.recordOutcome(pane: 0) { $0.recordLabel(label: true, predicted: true, score: nil, groups: []) }
        #expect(source.recordPrediction(timestamp: 15, judgeable: false) { $0.values.append(15) } == 1)
        source.recordOutcome(pane: 0) { $0.recordLabel(label: false, predicted: true, score: nil, groups: []) }
        let second = source.handOver()
        #expect(second?.boundary == 1 && second?.origin.sequence == 1)
        #expect(second?.panes.map(\.index) == [0] && second?.panes.map(\.pane.values) == [[3]])
        #expect(second?.outcomes.map(\.step) == [1] && second?.outcomes.map(\.part.summaries.predictions) == [1],
                "the prediction and the first label (step 1); the second label is of step 2")
        #expect(second?.outcomes.map(\.part.summaries.labelled) == [1])
        source.advance(to: 31)
        let third = source.handOver()
        #expect(third?.boundary == 3 && third?.panes.map(\.index) == [1] && third?.outcomes.map(\.step) == [2])
        #expect(third?.outcomes.map(\.part.summaries.labelled) == [1] && third?.outcomes.map(\.part.summaries.predictions) == [0],
                "a prediction no label can judge counts in its drift pane only")
    }

    /// A pane closes when the watermark passes it, whether or not the hand-over was taken:
    /// an event for it is late then, counted, recorded nowhere.
    @Test func aPaneClosesWithoutWaitingForTheHandOver() {
        var source = source(lateness: 5)
        _ = source.recordPrediction(timestamp: 12, judgeable: true) { $0.values.append(12) }
        _ = source.recordPrediction(timestamp: 26, judgeable: true) { $0.values.append(26) }
        #expect(source.recordPrediction(timestamp: 19, judgeable: true) { $0.values.append(19) } == nil)
        #expect(source.counters.late == 1 && source.counters.accepted == 2)
        let handOver = source.handOver()
        #expect(handOver?.panes.map(\.pane.values) == [[12]] && handOver?.outcomes.map(\.part.summaries.predictions) == [1],
                "the prediction at 26 is of step 3")
        #expect(PaneSource<ValuesPane>(source: 0, spec: WindowSpec(kind: .count(eventsPerPane: 3), panesPerWindow: 2), outcomes: Self.outcomes) {
            ValuesPane()
        } == nil, "count windows number panes per source")
    }
}
