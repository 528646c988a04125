import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// `fixtures/streams/join.jsonl` through the whole engine: six reference predictions
/// (panes 0–2) and their labels, then monitored predictions with a label that comes
/// before its prediction (`e1`), a redelivered prediction and label (`p1`), a label
/// whose prediction never comes (`ghost`), a prediction never labelled (`p4`, expires
/// after the 10 s time-to-live) and two left pending at the end (`p5`, `p6`).
@Suite struct JoinReplayTests {
    /// A few dozen events: replayed afresh for each test (the engine is not `Sendable`).
    let run: StreamFixtures.Run

    init() throws {
        run = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")])
    }

    @Test func joinCountersAccountForEveryLabel() throws {
        let join = run.engine.joinCounters
        #expect(join.joined == 10)  // r1–r6, e1, p1, p2, p3
        #expect(join.joinedAfterWaiting == 1)  // e1: its label came first
        #expect(join.duplicatePredictions == 1 && join.duplicateLabels == 1)  // p1 twice, its label twice
        #expect(join.unmatchedLabels == 1)  // ghost, once its 2 s wait was over
        #expect(join.expiredPredictions == 1)  // p4
        #expect(join.evictedPredictions == 0 && join.evictedEarlyLabels == 0)
        #expect(run.engine.pendingLabels == 2)  // p5, p6
        let counters = run.engine.counters
        #expect(counters.predictions == 14 && counters.labels == 12 && counters.rejectedTotal == 0)
        #expect(counters.lateEvents == 0 && counters.lateLabels == 0)
        #expect(run.deadLetters.isEmpty)
    }

    @Test func aRedeliveredPredictionIsKeptOutOfTheWindows() throws {
        // Drift windows end at panes 3, 4, 5, 6 and 16; p1's second copy is in none.
        let volumes = run.metric("volume", evaluation: "drift")
        #expect(volumes.map(\.end) == [4000, 5000, 6000, 7000, 17000])
        #expect(volumes.map(\.value) == [2, 3, 5, 4, 1])
    }

    @Test func thePerformanceWindowStartsAfterTheReferenceAndWaitsForCoverage() throws {
        // Panes 3–5 (not reaching back into the reference period 0–2), evaluated once
        // 4 of its 5 predictions were labelled: p1 and e1 right, p2 and p3 wrong.
        let coverage = run.metric("label_coverage", evaluation: "performance")
        #expect(coverage.map(\.end) == [6000] && coverage.map(\.value) == [0.8])
        #expect(run.metric("accuracy", evaluation: "performance").map(\.value) == [0.5])
        let window = run.lines(.metric).first { $0["evaluation"] as? String == "performance" }
        #expect((window?["window_start"] as? NSNumber)?.int64Value == 3000)
        // Windows ending at panes 6, 7, 8 (p2–p5) and 16 (p6) are below coverage at the end.
        #expect(run.engine.counters.performanceWindowsAwaitingLabels == 4)
    }

    /// With a partial wait of 1 s and at least 2 labels, the window of panes 4–6 (p2–p5,
    /// half labelled) is judged on what it has once event time (p6 at 16 s, less the
    /// lateness) is past its end by the wait — well before its 10 s TTL — and counted;
    /// panes 5–7 hold one label and still wait, holding the later ones.
    @Test func pastThePartialWaitAWindowIsJudgedOnTheLabelsItHas() throws {
        var configuration = StreamFixtures.configuration()
        configuration.labelReadiness.partialWaitMilliseconds = 1000
        configuration.labelReadiness.partialMinimumLabelled = 2
        let partial = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], configuration: configuration)
        let coverage = partial.metric("label_coverage", evaluation: "performance")
        #expect(coverage.map(\.end) == [6000, 7000] && coverage.map(\.value) == [0.8, 0.5])
        #expect(partial.metric("accuracy", evaluation: "performance").map(\.value) == [0.5, 0])
        #expect(partial.engine.counters.belowCoveragePerformanceEvaluations == 1)
        #expect(partial.engine.counters.performanceWindowsAwaitingLabels == 3)
        // The defaults ask for 5,000 labels: the same window waits (see above).
        #expect(run.engine.counters.belowCoveragePerformanceEvaluations == 0)
    }

    @Test func referenceConditionsWaitForTheReferencePerformance() throws {
        // With every reference label: accuracy 0.5 < 5/6 − 0.05 and a parity gap of
        // 1.0 > 1/3 + 0.1 fire.
        let settled = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], rules: StreamFixtures.smallRules)
        let fired = settled.lines(.alert).filter { $0["status"] as? String == "firing" }
        #expect(fired.map { $0["rule"] as! String }.sorted() == ["AccuracyDrop", "ParityGap"])
        #expect(fired.first { $0["rule"] as? String == "ParityGap" }?["starts_at_ms"] as? NSNumber == 5000)
        #expect(fired.first { $0["rule"] as? String == "AccuracyDrop" }?["starts_at_ms"] as? NSNumber == 6000)

        // Without r5's and r6's labels (and before they could expire) the reference
        // period never reaches coverage: both conditions are skipped, not breached — the
        // four labelled reference predictions alone would give a parity gap of 0.
        let unsettledInput = try StreamFixtures.filtered("join.jsonl", excluding: [#""label","id":"r5""#, #""label","id":"r6""#, #""id":"p6""#])
        defer { try? FileManager.default.removeItem(atPath: unsettledInput) }
        let unsettled = try StreamFixtures.replay([unsettledInput], rules: StreamFixtures.smallRules)
        #expect(unsettled.lines(.alert).isEmpty)
        #expect(unsettled.metric("accuracy", evaluation: "performance").map(\.value) == [0.5])
    }

    /// A prediction redelivered while its version still waits for the reference period's
    /// lateness to pass (p1 at 3.5 s and again at 3.6 s, before the watermark reaches
    /// 3 s) is dropped like any other duplicate.
    @Test func aRedeliveryWhileWaitingForTheReferenceIsDropped() {
        var configuration = StreamFixtures.configuration()
        configuration.window = try! WindowSpec.eventTime(window: 3000, slide: 1000, allowedLateness: 1000, minimumEvents: 0)
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        for (id, timestamp) in [("r1", 0), ("r2", 1000), ("r3", 2000), ("p1", 3500), ("p1", 3600), ("p2", 4100), ("p3", 5100)] {
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: id, timestamp: Int64(timestamp), predictedLabel: 1)))
        }
        engine.finish()
        let volumes = engine.drainOutputs().filter { $0.json.contains(#""metric":"volume""#) }.map(\.json)
        #expect(engine.joinCounters.duplicatePredictions == 1)
        // Windows ending at panes 3, 4 and 5: {p1}, {p1, p2}, {p1, p2, p3}.
        #expect(volumes.map { $0.contains(#""value":1,"#) } == [true, false, false])
        #expect(volumes.map { $0.contains(#""value":3,"#) } == [false, false, true])
    }

    @Test func labelsInTheirOwnFileMergeByEventTime() throws {
        // The same events split into a predictions file and a labels file give the same outputs.
        let predictions = try StreamFixtures.filtered("join.jsonl", excluding: [#""event":"label""#])
        let labels = try StreamFixtures.filtered("join.jsonl", excluding: [#""event":"prediction""#])
        defer { for file in [predictions, labels] { try? FileManager.default.removeItem(atPath: file) } }
        let split = try StreamFixtures.replay([predictions, labels])
        #expect(split.outputs == run.outputs)
        #expect(split.engine.joinCounters == run.engine.joinCounters)
    }
}
