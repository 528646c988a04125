import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Skipped evaluations are counted and reported, never silent; hysteresis releases a firing
/// alert part of the way back to "no effect".
@Suite struct RuleActivityTests {
    /// One-pane windows of `volume` predictions each (the first pane is the reference).
    static func run(volumes: [Int], minSamples: Int, blindAfter: Int) throws -> (notices: [[String: Any]], engine: MonitorEngine) {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 1000, slide: 1000, allowedLateness: 0, minimumEvents: 0)
        configuration.blindNoticeAfter = blindAfter
        let rules = """
        rules:
          - name: Busy
            scope: model
            metric: volume
            condition: "> 100"
            min_samples: \(minSamples)
        """
        let engine = MonitorEngine(configuration: configuration, rules: try RuleFixtures.load(rules).get())
        var outputs: [MonitorOutput] = []
        for (pane, volume) in ([1] + volumes + [1]).enumerated() {
            for index in 0..<volume {
                let timestamp = Int64(pane * 1000 + index)
                engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "\(timestamp)", timestamp: timestamp, score: 0.5)))
                outputs += engine.drainOutputs()
            }
        }
        let notices = outputs.filter { $0.kind == .notice }
            .map { try! JSONSerialization.jsonObject(with: Data($0.json.utf8)) as! [String: Any] }
            .filter { ($0["type"] as? String)?.hasPrefix("rule_") == true }
        return (notices, engine)
    }

    @Test func skippedEvaluationsAreCountedAndAnnouncedThenTheRecoveryToo() throws {
        // Panes of 2 events under min_samples 3: three skipped, then two judged.
        let (notices, engine) = try Self.run(volumes: [2, 2, 2, 5, 5], minSamples: 3, blindAfter: 2)
        let activity = try #require(engine.ruleActivity.first)
        #expect(activity.skippedForTooFewSamples == 3 && activity.evaluated == 2 && activity.medianSkippedSamples == 2)
        #expect(notices.map { $0["type"] as! String } == ["rule_not_evaluated", "rule_evaluated_again"])
        #expect(notices[0]["reason"] as? String == "too_few_samples" && notices[0]["samples"] as? Int == 2
            && notices[0]["min_samples"] as? Int == 3 && notices[0]["skipped_evaluations"] as? Int == 2)
        #expect(notices[1]["skipped_evaluations"] as? Int == 3)
        #expect(engine.counters.ruleEvaluations["Busy"]?["too_few_samples"] == 3)
        #expect(engine.summaryLines().contains("  Busy: 2 of 5 evaluations judged — 3 skipped with too few samples (median 2 < min_samples 3); 0 firing(s), 0 flap(s)"))
    }

    @Test func aFewSkipsInARowSayNothing() throws {
        let (notices, engine) = try Self.run(volumes: [2, 5, 2, 5], minSamples: 3, blindAfter: 2)
        #expect(notices.isEmpty && engine.ruleActivity.first?.skippedForTooFewSamples == 2)
    }

    /// A binary classifier's fairness rule on a segment attribute its events lack is skipped
    /// as missing, naming it, not as too few samples.
    @Test func aBinaryFairnessRuleOnAnAbsentAttributeNamesIt() throws {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 1000, slide: 1000, allowedLateness: 0, minimumEvents: 0)
        let rules = try RuleFixtures.load("""
        rules:
          - {name: ParityGap, scope: fairness, attributes: [gender], metric: demographic_parity_ratio, condition: "< 0.8", min_samples: 1}
        """).get()
        let engine = MonitorEngine(configuration: configuration, rules: rules)
        for index in 0..<40 {
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "\(index)", timestamp: Int64(index * 100), features: [],
                                                       score: 0.5, predictedLabel: index % 2, segment: [SegmentAttribute("region", "a")])))
        }
        _ = engine.drainOutputs()
        let activity = try #require(engine.ruleActivity.first)
        #expect(activity.skippedForMissingAttribute >= 2 && activity.skippedForTooFewSamples == 0 && activity.evaluated == 0)
        #expect(activity.missingAttributes == ["gender"])
    }

    /// So is a multiclass classifier's group-accuracy rule, evaluated on labelled windows.
    @Test func aMulticlassGroupAccuracyRuleOnAnAbsentAttributeNamesIt() throws {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 1000, slide: 1000, allowedLateness: 0, minimumEvents: 0)
        configuration.modelTypes = ModelTypes(["m": .multiclass])
        let rules = try RuleFixtures.load("""
        rules:
          - {name: AccuracyGap, scope: fairness, attributes: [channel], metric: accuracy_ratio, condition: "< 0.8", min_samples: 1}
        """).get()
        let engine = MonitorEngine(configuration: configuration, rules: rules)
        let classes = ["a", "b", "c"]
        for index in 0..<60 {
            let timestamp = Int64(index * 100)
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "\(index)", timestamp: timestamp,
                                                       output: .multiclass(class: classes[index % 3], probabilities: nil),
                                                       segment: [SegmentAttribute("region", "a")])))
            engine.process(.label(LabelEvent(id: "\(index)", timestamp: timestamp + 50, value: .named(classes[index % 2]))))
        }
        _ = engine.drainOutputs()
        let activity = try #require(engine.ruleActivity.first)
        #expect(activity.skippedForMissingAttribute >= 2 && activity.skippedForTooFewSamples == 0 && activity.evaluated == 0)
        #expect(activity.missingAttributes == ["channel"])
    }

    /// Skips for a missing attribute survive a checkpoint (format 7); a format-6 activity,
    /// written before they existed, restores with none.
    @Test func missingAttributeSkipsSurviveACheckpoint() throws {
        var activity = RuleActivity(rule: "Gap", minSamples: 10)
        activity.recordSkip(.missingAttributes(["region", "district"]))
        activity.recordSkip(.missingAttributes(["district"]))
        activity.recordSkip(.tooFewSamples(4))
        #expect(activity.skippedForMissingAttribute == 2 && activity.missingAttributes == ["district", "region"] && activity.skipped == 3)
        var writer = BinaryWriter()
        activity.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        var restored = RuleActivity(rule: "Gap", minSamples: 10)
        try restored.restore(from: &reader, format: 7)
        #expect(restored == activity && reader.remaining == 0)
        var old = RuleActivity(rule: "Gap", minSamples: 10)
        var oldReader = BinaryReader(writer.bytes)
        try old.restore(from: &oldReader, format: 6)
        #expect(old.skippedForMissingAttribute == 0 && old.skippedForTooFewSamples == 1 && old.missingAttributes.isEmpty)
    }

    @Test func hysteresisMovesTheThresholdTowardsNoEffect() {
        #expect(ThresholdResult.bound(.greater, 0.1).released(by: 0.2, towards: 0) == .bound(.greater, 0.08))
        #expect(ThresholdResult.bound(.less, 0.8).released(by: 0.2, towards: 1) == .bound(.less, 0.8 + 0.2 * 0.2))
        #expect(ThresholdResult.bound(.less, 0.75).released(by: 0.2, towards: nil) == .bound(.less, 0.75))
        #expect(ThresholdResult.band(lower: 1, upper: 3).released(by: 0.5, towards: nil) == .band(lower: 1.5, upper: 2.5))
    }
}
