import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Watermark, lateness and count windows through the whole engine, on committed streams.
@Suite struct WindowReplayTests {
    /// `fixtures/streams/late-events.jsonl`: a reference of four events (panes 0–2),
    /// then `f` out of order but within the 0.5 s lateness (kept), `h` for pane 3 after
    /// it closed and `j` for the reference period after it closed (both late).
    @Test func eventsWithinTheLatenessCountAndLaterOnesAreLate() throws {
        let run = try StreamFixtures.replay([StreamFixtures.path("late-events.jsonl")])
        #expect(run.engine.counters.lateEvents == 2)
        let volume = run.metric("volume", evaluation: "drift")
        #expect(volume.map(\.end) == [4000, 5000, 6000])
        #expect(volume.map(\.value) == [2, 4, 5])  // {e, f}, {e, f, g, i}, {e, f, g, i, k}
        // Share of the events monitored since the previous evaluation that were late:
        // none of e, f, g; h and j of h, i, j, k; nothing arrived before the final flush.
        #expect(run.metric("late_event_rate", evaluation: "drift").map(\.value) == [0, 0.5, nil])
    }

    /// Count windows of 4 events sliding by 2 over `join.jsonl`: the reference is the
    /// first 4 predictions (r1–r4), then panes of 2 monitored predictions each.
    @Test func countWindowsNumberTheirPanesFromTheReferenceOn() throws {
        var configuration = StreamFixtures.configuration()
        configuration.window = try WindowSpec.count(window: 4, slide: 2)
        let run = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], configuration: configuration)
        let drift = run.lines(.metric).filter { $0["evaluation"] as? String == "drift" && $0["metric"] as? String == "volume" }
        // {r5, r6}, {r5, r6, p1, e1}, {p1, e1, p2, p3}, {p2, p3, p4, p5}, {p4, p5, p6}: spans of their events.
        #expect(drift.map { ($0["window_start"] as! NSNumber).int64Value } == [2000, 2000, 3500, 4300, 5500])
        #expect(drift.map { ($0["window_end"] as! NSNumber).int64Value } == [2501, 3901, 5001, 6501, 16001])
        #expect(drift.map { ($0["value"] as! NSNumber).intValue } == [2, 4, 4, 4, 3])
        // Performance windows span their predictions' event times (not a single instant)
        // and wait for coverage: {r5 ✓, r6 ✗, p1 ✓, e1 ✓}, then {p1 ✓, e1 ✓, p2 ✗, p3 ✗}.
        let performance = run.lines(.metric).filter { $0["evaluation"] as? String == "performance" && $0["metric"] as? String == "accuracy" }
        #expect(performance.map { ($0["window_start"] as! NSNumber).int64Value } == [2000, 3500])
        #expect(performance.map { ($0["window_end"] as! NSNumber).int64Value } == [3901, 5001])
        #expect(performance.map { ($0["value"] as! NSNumber).doubleValue } == [0.75, 0.5])
        #expect(run.engine.counters.performanceWindowsAwaitingLabels == 2)  // {p2–p5}, {p4–p6}
        #expect(run.engine.counters.lateEvents == 0)
    }

    /// A count-window reference completes after its events even when the event cap kept
    /// only some of them in the profile (it used to wait for a full last pane forever).
    @Test func aCappedCountWindowReferenceStillCompletes() throws {
        var configuration = StreamFixtures.configuration()
        configuration.window = try WindowSpec.count(window: 4, slide: 2)
        configuration.caps.referenceEvents = 3
        let run = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], configuration: configuration)
        #expect(run.engine.counters.cappedReferenceEvents == 1)  // r4
        #expect(run.metric("volume", evaluation: "drift").map(\.value) == [2, 4, 4, 4, 3])
        #expect(run.engine.counters.versionsWithoutReference == 0)
    }

    /// End of input during the reference's allowed lateness: the period is over (an
    /// event already waits past it), so the reference is built and the waiting event
    /// monitored. End of input within the period: no reference, and that is counted.
    @Test func endOfInputBuildsAReferenceWhosePeriodIsOver() {
        func engine(timestamps: [Int64]) -> (MonitorEngine, [MonitorOutput]) {
            let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
            for timestamp in timestamps {
                engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "\(timestamp)", timestamp: timestamp,
                                                           features: [Feature("x", .number(Double(timestamp)))])))
            }
            engine.finish()
            return (engine, engine.drainOutputs())
        }
        let (over, overOutputs) = engine(timestamps: [0, 1000, 2000, 3200])  // 3200: pane 3, watermark 2700 < 3000
        #expect(over.counters.versionsWithoutReference == 0)
        #expect(overOutputs.filter { $0.json.contains(#""metric":"volume""#) }.map(\.json).count == 1)
        let (within, withinOutputs) = engine(timestamps: [0, 1000])
        #expect(within.counters.versionsWithoutReference == 1)
        #expect(!withinOutputs.contains { $0.kind == .metric })
    }

    /// Count windows have no time, yet a label that arrives days after its window's last
    /// prediction — within the join's time to live — still joins and counts: 400
    /// predictions 10 s apart, every label 3 days later, after all predictions.
    @Test func countWindowsJoinLabelsThatArriveLongAfterTheirWindow() {
        var configuration = MonitorConfiguration()  // the default 7-day time to live
        configuration.window = try! WindowSpec.count(window: 40, slide: 20)
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        let start: Int64 = 1_700_000_000_000, delay: Int64 = 3 * 86_400_000
        for index in 0..<400 {
            let score = Double(index % 10) / 10 + 0.05
            engine.process(.prediction(PredictionEvent(
                model: "m", version: "v1", id: "p\(index)", timestamp: start + Int64(index) * 10_000,
                features: [Feature("x", .number(score))], score: score, predictedLabel: score > 0.5 ? 1 : 0)))
        }
        for index in 0..<400 {
            engine.process(.label(LabelEvent(id: "p\(index)", timestamp: start + Int64(index) * 10_000 + delay, label: index % 3 == 0 ? 1 : 0)))
        }
        engine.finish()
        let accuracy = engine.drainOutputs().filter { if case let .metric(metric) = $0.event { metric.metric == .performance(.accuracy) } else { false } }
        #expect(engine.counters.lateLabels == 0)
        #expect(engine.counters.performanceWindowsAwaitingLabels == 0)
        // The reference is the first 40 predictions; the 360 monitored ones make 18 panes of
        // 20, so 17 windows of 40 sliding by 20, each with every label.
        #expect(accuracy.count == 17)
    }
}
