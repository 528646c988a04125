import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

@Suite struct RunSummaryTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_700_000_000_000, "2023-11-14T22:13:20.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
    ])
    func formatsEventTimesInUTC(milliseconds: Int64, text: String) {
        #expect(ISO8601Time.string(milliseconds: milliseconds) == text)
    }

    /// What `driftwatch replay` prints for join.jsonl with the small rules.
    @Test func summarisesEveryCounterAndEachRulesFirings() throws {
        let run = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], rules: StreamFixtures.smallRules)
        let lines = run.engine.summaryLines()
        #expect(lines[0] == "replayed 14 predictions and 12 labels; 0 rejected, 0 late")
        #expect(lines.contains("labels: joined=10 (after waiting 1), unmatched=1, duplicate labels=1, duplicate predictions=1, expired=1, "
            + "evicted predictions=0, evicted early labels=0, late labels=0, predictions kept for joining=2"))
        #expect(lines.contains { $0.hasPrefix("evaluations: 6; performance windows still waiting for labels: 4,") })
        #expect(lines.contains { $0.hasPrefix("alerts fired: 2, retraining triggers: 0, suppressed by cooldown: 0") })
        #expect(Array(lines.suffix(5)) == [
            "  ParityGap: 1 firing, first at 5000 (1970-01-01T00:00:05.000Z)",
            "  AccuracyDrop: 1 firing, first at 6000 (1970-01-01T00:00:06.000Z)",
            "rule evaluations:",
            "  AccuracyDrop: 1 of 1 evaluations judged — 1 firing(s), 0 flap(s)",
            "  ParityGap: 3 of 5 evaluations judged — 2 skipped with the metric undefined; 1 firing(s), 0 flap(s)",
        ])
    }
}
