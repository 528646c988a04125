import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// A regression model monitored end to end: `fixtures/streams/regression.jsonl` (house
/// prices, a bias shift of +25,000 at 20 s; generated with its window values from
/// scikit-learn by `Tests/ReferenceVectors/regression_stream.py` into
/// `fixtures/vectors/regression_stream.json`) replayed under `rules/examples/regression.yaml`.
@Suite struct RegressionStreamTests {
    /// Every performance window's MAE, RMSE, MAPE, bias and R² is scikit-learn's on the
    /// same predictions, the regions' MAE gap Fairlearn's, and the window holds all of them.
    @Test func windowValuesMatchScikitLearn() throws {
        let (run, references) = try StreamVectors.regression.replayWindows(\.windows, end: \.end)
        let metrics: [(String, String, (RegressionVectors.Window) -> Double?)] = [
            ("mae", "model", \.mae), ("rmse", "model", \.rmse), ("mape", "model", \.mape), ("bias", "model", \.bias), ("r2", "model", \.r2),
            ("mae_difference", "region", \.maeDifference), ("mae_ratio", "region", \.maeRatio),
        ]
        for (name, subject, path) in metrics {
            try StreamVectors.expectWindows(run, name, subject: subject, references: references, path)
        }
        for line in run.lines(.metric) where line["metric"] as? String == "mae" {
            let end = (line["window_end"] as! NSNumber).int64Value
            #expect((line["samples"] as! NSNumber).intValue == references[end]?.count, "labelled predictions of the window ending \(end)")
        }
        // Classification metrics are not computed for a regression model, nor its (absent)
        // predicted class compared, nor selection rates; its prediction drifts as the score.
        #expect(run.metric("accuracy", evaluation: "performance").isEmpty)
        #expect(!run.lines(.metric).contains { $0["subject"] as? String == "prediction" || $0["metric"] as? String == "demographic_parity_ratio" })
        #expect(run.metric("psi", evaluation: "drift", subject: "score").count >= 20)
    }

    /// The MAE, over-prediction and prediction-drift alerts fire once enough of a window's
    /// predictions are shifted, never before the change; under-prediction never fires, nor
    /// the regions' MAE gap (the shift hits both regions alike).
    @Test func errorAlertsFireAfterTheBiasShiftAndNotBefore() throws {
        let change = StreamVectors.regression.vectors.change
        let firings = try StreamVectors.regression.replay().lines(.alert).filter { $0["status"] as? String == "firing" }
        func windowEnds(_ rule: String) -> [Int64] {
            firings.filter { $0["rule"] as? String == rule }.map { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value }
        }
        for rule in ["MaeIncrease", "PredictionBiasHigh", "PredictionDrift"] {
            let ends = windowEnds(rule)
            let first = try #require(ends.min(), "\(rule) never fired")
            #expect(first > change && first <= change + 10_000, "\(rule) first fired on the window ending \(first)")
        }
        #expect(windowEnds("PredictionBiasLow").isEmpty && windowEnds("MaeGapBetweenGroups").isEmpty)
    }

    /// Rules on another model type's metrics skip a declared model, said once at start; the
    /// drift rules apply to every type. Against a profile (whose outcomes are a binary
    /// classifier's), a relative regression condition can never be judged: said at start too.
    @Test func rulesOfAnotherModelTypeAreReportedAtStart() throws {
        var configuration = StreamVectors.regression.configuration
        configuration.modelTypes.declare("credit-risk", .binary)
        var rules = StreamFixtures.defaultRules
        rules.rules += StreamVectors.regression.rules.rules
        let gaps = MonitorEngine.modelTypeGaps(configuration: configuration, rules: rules)
        #expect(gaps.contains("rule AccuracyDrop (accuracy) does not apply to regression model house-price: it has no such metric (skipped for its versions)"))
        #expect(gaps.contains("rule MaeIncrease (mae) does not apply to binary model credit-risk: it has no such metric (skipped for its versions)"))
        #expect(!gaps.contains { $0.contains("ScoreDrift") || $0.contains("NumericFeatureDrift") || $0.contains("PredictionDrift") })
        let classes = try RuleFixtures.load("rules:\n  - {name: ClassMix, scope: prediction, metric: psi, condition: \"> 0.1\"}\n").get()
        #expect(MonitorEngine.modelTypeGaps(configuration: configuration, rules: classes)
            == ["rule ClassMix (psi of the predicted class) does not apply to regression model house-price: it has no predicted class; "
                + "its numeric prediction is the score subject (skipped for its versions)"])

        var profiler = try DatasetProfiler()
        profiler.add(PredictionEvent(model: "house-price", version: "v1", id: "h", timestamp: 0, output: .regression(1)))
        configuration.references.set(profiler.finish(), identifier: "houses.json", model: "house-price")
        let referenceGaps = MonitorEngine.referenceGaps(configuration: configuration, rules: StreamVectors.regression.rules)
        // MaeIncrease, both bias rules, MaeGapBetweenGroups and ResidualDrift (the reference's
        // residuals); PredictionDrift's psi needs no outcomes.
        #expect(referenceGaps.count == 5)
        #expect(referenceGaps.allSatisfy { $0.contains("no regression outcomes") && $0.contains("stream reference") })
    }

    /// Concept drift (`fixtures/streams/regression_concept.jsonl`, from
    /// `Tests/ReferenceVectors/residual_drift.py`): from 20 s the sale prices scatter 2.5
    /// times as widely around unchanged predictions. Every window's residual KS and PSI
    /// against the stream reference's residuals follow scipy's on the raw residuals (within
    /// the buckets' resolution); the residual-drift rules fire within a window of the
    /// change and not before, while the predictions' drift and the bias rules stay quiet.
    @Test func residualDriftCatchesConceptDriftThePredictionsDoNotShow() throws {
        struct Vectors: Decodable {
            struct Window: Decodable {
                var end: Int64
                var count: Int
                var residual_ks, residual_psi: Double
            }

            struct Stream: Decodable {
                var change: Int64
                var windows: [Window]
            }

            var stream: Stream
        }
        let vectors = try JSONDecoder().decode(
            Vectors.self, from: Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/vectors/residual_drift.json")))).stream
        let rules = try RuleFixtures.load("""
        rules:
          - {name: ResidualKS, scope: model, metric: residual_ks, condition: "> 0.15", min_samples: 50}
          - {name: ResidualPSI, scope: model, metric: residual_psi, condition: "> 0.35", min_samples: 50}
          - {name: PredictionDrift, scope: score, metric: psi, condition: "> 0.2", min_samples: 50}
          - {name: BiasHigh, scope: model, metric: bias, condition: "> reference + 5000", min_samples: 50}
          - {name: BiasLow, scope: model, metric: bias, condition: "< reference - 5000", min_samples: 50}
        """).get()
        let run = try StreamFixtures.replay([StreamFixtures.path("regression_concept.jsonl")], configuration: StreamVectors.regression.configuration, rules: rules,
                                            decoder: EventDecoder(modelTypes: StreamVectors.regression.configuration.modelTypes))
        #expect(run.deadLetters.isEmpty)
        let references = Dictionary(uniqueKeysWithValues: vectors.windows.map { ($0.end, $0) })
        // KS at the bucket bounds misses at most the residuals sharing a bucket (measured: one
        // of a window's 250); PSI's deciles end at bucket bounds (measured: within 2.7 %).
        let tolerances: [(String, KeyPath<Vectors.Window, Double>, (Vectors.Window) -> Double)] = [
            ("residual_ks", \.residual_ks, { 2 / Double($0.count) }), ("residual_psi", \.residual_psi, { 0.01 + 0.03 * $0.residual_psi }),
        ]
        for (name, path, tolerance) in tolerances {
            let lines = run.metric(name, evaluation: "performance")
            #expect(lines.count == 21, "\(name): \(lines.count) windows")
            for (end, value) in lines {
                let reference = try #require(references[end], "\(name) window ending \(end)")
                let computed = try #require(value, "\(name) window ending \(end)")
                #expect(abs(computed - reference[keyPath: path]) <= tolerance(reference), "\(name) window ending \(end): \(computed) vs \(reference[keyPath: path])")
            }
        }
        let firings = run.lines(.alert).filter { $0["status"] as? String == "firing" }
        func firstFiring(_ rule: String) -> Int64? {
            firings.filter { $0["rule"] as? String == rule }.map { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value }.min()
        }
        for rule in ["ResidualKS", "ResidualPSI"] {
            let first = try #require(firstFiring(rule), "\(rule) never fired")
            #expect(first > vectors.change && first <= vectors.change + 10_000, "\(rule) first fired on the window ending \(first)")
        }
        #expect(firstFiring("PredictionDrift") == nil && firstFiring("BiasHigh") == nil && firstFiring("BiasLow") == nil)
    }

    /// A fairness rule on a segment attribute the events do not carry is skipped saying so
    /// and naming it — in the counts, the notice and the summary — rather than as "too few
    /// samples (median 0)"; a rule on an attribute they carry is judged as before.
    @Test func aFairnessRuleOnAnAbsentAttributeIsSkippedNamingIt() throws {
        var configuration = StreamVectors.regression.configuration
        configuration.blindNoticeAfter = 3
        let rules = try RuleFixtures.load("""
        rules:
          - {name: DistrictGap, scope: fairness, attributes: [district], metric: mae_ratio, condition: "< 0.5", min_samples: 50}
          - {name: RegionGap, scope: fairness, attributes: [region], metric: mae_ratio, condition: "< 0.01", min_samples: 50}
        """).get()
        let run = try StreamFixtures.replay([StreamFixtures.path("regression.jsonl")], configuration: configuration, rules: rules,
                                            decoder: EventDecoder(modelTypes: configuration.modelTypes))
        let district = try #require(run.engine.ruleActivity.first { $0.rule == "DistrictGap" })
        let region = try #require(run.engine.ruleActivity.first { $0.rule == "RegionGap" })
        #expect(district.skippedForMissingAttribute == 21 && district.skippedForTooFewSamples == 0 && district.evaluated == 0)
        #expect(district.missingAttributes == ["district"])
        #expect(region.evaluated == 21 && region.skippedForMissingAttribute == 0)
        #expect(run.engine.counters.ruleEvaluations["DistrictGap"]?["missing_attribute"] == 21)
        #expect(run.engine.summaryLines().contains(
            "  DistrictGap: 0 of 21 evaluations judged — 21 skipped with segment attribute district missing from the events; 0 firing(s), 0 flap(s)"))
        let notice = try #require(run.lines(.notice).first { $0["rule"] as? String == "DistrictGap" })
        #expect(notice["type"] as? String == "rule_not_evaluated" && notice["reason"] as? String == "missing_attribute")
        #expect(notice["attributes"] as? [String] == ["district"] && notice["samples"] == nil)
    }

    /// A prediction that does not fit its model's declared type is rejected with its
    /// reason, whether decoded or given decoded; nothing else of the run is lost.
    @Test func anEventOfTheWrongTypeIsRejected() {
        var configuration = StreamVectors.regression.configuration
        configuration.modelTypes.declare("credit-risk", .binary)
        let engine = MonitorEngine(configuration: configuration, rules: StreamVectors.regression.rules)
        let binary = PredictionEvent(model: "house-price", version: "v1", id: "b", timestamp: 1_767_225_600_000, score: 0.5, predictedLabel: 1)
        let regression = PredictionEvent(model: "credit-risk", version: "v1", id: "r", timestamp: 1_767_225_600_000, output: .regression(3))
        #expect(engine.process(.prediction(binary)) == .modelTypeMismatch(model: "house-price", type: .regression, field: "score"))
        #expect(engine.process(.prediction(regression)) == .modelTypeMismatch(model: "credit-risk", type: .binary, field: "prediction"))
        let classOnly = PredictionEvent(model: "house-price", version: "v1", id: "c", timestamp: 1_767_225_600_000, predictedLabel: 1)
        #expect(engine.process(.prediction(classOnly)) == .modelTypeMismatch(model: "house-price", type: .regression, field: "label_pred"))
        let fitting = PredictionEvent(model: "house-price", version: "v1", id: "h", timestamp: 1_767_225_600_000, output: .regression(3))
        #expect(engine.process(.prediction(fitting)) == nil)
        #expect(engine.counters.rejected == ["model_type_mismatch": 3] && engine.counters.predictions == 1)
    }

    /// A binary classifier's label must be 0 or 1: a number joined to its prediction (read
    /// as such while some model is a regression model) is counted, not scored.
    @Test func aBinaryClassifiersLabelThatIsNotAClassIsCounted() {
        let engine = MonitorEngine(configuration: StreamVectors.regression.configuration, rules: StreamVectors.regression.rules)
        let time: Int64 = 1_767_225_600_000
        engine.process(.prediction(PredictionEvent(model: "credit-risk", version: "v1", id: "c", timestamp: time, score: 0.4, predictedLabel: 0)))
        engine.process(.label(LabelEvent(id: "c", timestamp: time + 10, value: .value(2.5))))
        #expect(engine.counters.mismatchedLabels == 1)
        #expect(engine.summaryLines().contains { $0.hasPrefix("labels not of their prediction's model type") && $0.hasSuffix("left out of performance): 1") })
    }

    /// The regression state (pending values, panes' summaries, the reference's) survives a
    /// checkpoint: an engine restored mid-stream emits exactly what the uninterrupted one does.
    @Test func aRestoredEngineContinuesExactly() throws {
        let configuration = StreamVectors.regression.configuration
        let (lines, decoder, expected, first, firstOutputs) = try StreamVectors.regression.interrupted(at: 1_100)
        var produced = firstOutputs
        let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: configuration, rules: StreamVectors.regression.rules, decoder: decoder)
        produced += StreamVectors.feed(restored, lines[1_100...])
        #expect(produced == expected)
        #expect(expected.contains { $0.contains(#""rule":"MaeIncrease""#) })
        // Its panes hold regression summaries: restoring them for a binary classifier is refused, saying why.
        StreamVectors.regression.expectRefusedForBinary(first, checkpointing: "regression")
    }
}
