import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// A multiclass classifier monitored end to end: `fixtures/streams/multiclass.jsonl`
/// (triage into urgent, routine and refer; from 20 s urgent cases are predicted routine;
/// generated with its window values from scikit-learn by
/// `Tests/ReferenceVectors/multiclass_stream.py` into `fixtures/vectors/multiclass_stream.json`)
/// replayed under `rules/examples/multiclass.yaml`.
@Suite struct MulticlassStreamTests {
    /// Every performance window's accuracy, averages, per-class precision, recall and F1,
    /// log loss and Brier score are scikit-learn's on the same predictions, over all of them;
    /// the channels' accuracy gap Fairlearn's definition on scikit-learn's accuracies.
    @Test func windowValuesMatchScikitLearn() throws {
        let (run, references) = try StreamVectors.multiclass.replayWindows(\.windows, end: \.end)
        let metrics: [(String, (MulticlassVectors.Window) -> Double)] = [
            ("accuracy", \.accuracy), ("macro_f1", \.macroF1), ("micro_f1", \.microF1), ("weighted_f1", \.weightedF1),
            ("macro_precision", \.macroPrecision), ("macro_recall", \.macroRecall), ("log_loss", \.logLoss), ("brier", \.brier),
        ]
        for (name, path) in metrics {
            try StreamVectors.expectWindows(run, name, references: references, path)
        }
        for (metric, path) in [("accuracy_difference", \MulticlassVectors.Window.accuracyDifference), ("accuracy_ratio", \MulticlassVectors.Window.accuracyRatio)] {
            try StreamVectors.expectWindows(run, metric, subject: "channel", references: references) { $0[keyPath: path] }
        }
        let perClass: [(String, (MulticlassVectors.ClassValues) -> Double)] = [("class_precision", \.precision), ("class_recall", \.recall), ("class_f1", \.f1)]
        for name in StreamVectors.multiclass.vectors.classes {
            for (metric, path) in perClass {
                let lines = run.metric(metric, evaluation: "performance", subject: name)
                #expect(lines.count == 21, "\(metric) of \(name): \(lines.count) windows")
                for (end, value) in lines {
                    StreamVectors.expectClose(value, path(try #require(references[end]?.classes[name])), "\(metric) of \(name), window ending \(end)")
                }
            }
            #expect(run.metric("class_calibration_error", evaluation: "performance", subject: name).allSatisfy { ($0.value ?? -1) >= 0 })
        }
        for line in run.lines(.metric) where line["metric"] as? String == "accuracy" {
            let end = (line["window_end"] as! NSNumber).int64Value
            #expect((line["samples"] as! NSNumber).intValue == references[end]?.count, "labelled predictions of the window ending \(end)")
        }
        // A binary classifier's metrics are not computed for it, nor its (absent) score compared.
        #expect(run.metric("roc_auc", evaluation: "performance").isEmpty && run.metric("precision", evaluation: "performance").isEmpty)
        #expect(!run.lines(.metric).contains { $0["subject"] as? String == "score" })
        #expect(run.metric("psi", evaluation: "drift", subject: "prediction").count >= 20)
    }

    /// The accuracy, macro F1, log-loss, urgent recall and class-mix alerts fire once enough
    /// of a window's urgent cases are missed, never before the change; recall alerts only
    /// for urgent (routine and refer keep theirs).
    @Test func alertsFireAfterTheChangeAndNotBefore() throws {
        let change = StreamVectors.multiclass.vectors.change
        let firings = try StreamVectors.multiclass.replay().lines(.alert).filter { $0["status"] as? String == "firing" }
        func windowEnds(_ rule: String) -> [Int64] {
            firings.filter { $0["rule"] as? String == rule }.map { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value }
        }
        for rule in ["MulticlassAccuracyDrop", "MacroF1Drop", "ClassRecallDrop", "LogLossIncrease", "PredictedClassMix", "ClassShareDrop"] {
            let ends = windowEnds(rule)
            let first = try #require(ends.min(), "\(rule) never fired")
            #expect(first > change && first <= change + 10_000, "\(rule) first fired on the window ending \(first)")
        }
        // The change hits both channels alike: their accuracy gap does not move.
        #expect(windowEnds("AccuracyGapBetweenGroups").isEmpty)
        let recallAlerts = firings.filter { $0["rule"] as? String == "ClassRecallDrop" }
        #expect(recallAlerts.allSatisfy { ($0["labels"] as? [String: String])?["class"] == "urgent" })
        // Only urgent is predicted half as often (routine rises, refer stays).
        let shareAlerts = firings.filter { $0["rule"] as? String == "ClassShareDrop" }
        #expect(shareAlerts.allSatisfy { ($0["labels"] as? [String: String])?["class"] == "urgent" })
    }

    /// `class_share` on every drift window: each class's share of the window's predictions,
    /// counted here from the stream file itself (a window overlapping the stream reference's
    /// first 10 s holds only the predictions after it), the reference's share its first 10 s'.
    @Test func classSharesAreTheWindowsPredictedClassShares() throws {
        let lines = try String(contentsOfFile: StreamFixtures.path("multiclass.jsonl"), encoding: .utf8).split(separator: "\n")
        let predictions = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .filter { $0["event"] as? String == "prediction" }
            .map { (time: ($0["ts"] as! NSNumber).int64Value, predicted: $0["label_pred"] as! String) }
        func share(_ name: String, from start: Int64, to end: Int64) -> Double {
            let window = predictions.filter { $0.time >= start && $0.time < end }
            return Double(window.filter { $0.predicted == name }.count) / Double(window.count)
        }
        let run = try StreamVectors.multiclass.replay()
        let referenceEnd = try #require(predictions.first).time + 10_000
        for name in StreamVectors.multiclass.vectors.classes {
            let shares = run.lines(.metric).filter {
                $0["metric"] as? String == "class_share" && $0["evaluation"] as? String == "drift" && $0["subject"] as? String == name
            }
            #expect(shares.count >= 20, "\(name): \(shares.count) windows")
            for line in shares {
                let start = (line["window_start"] as! NSNumber).int64Value, end = (line["window_end"] as! NSNumber).int64Value
                StreamVectors.expectClose((line["value"] as! NSNumber).doubleValue, share(name, from: max(start, referenceEnd), to: end),
                                          "\(name), window ending \(end)")
            }
        }
        let alert = try #require(run.lines(.alert).first { $0["rule"] as? String == "ClassShareDrop" })
        let threshold = try #require((alert["threshold"] as? NSNumber)?.doubleValue)
        StreamVectors.expectClose(threshold, 0.5 * share("urgent", from: referenceEnd - 10_000, to: referenceEnd), "half the reference's urgent share")
    }

    /// The multiclass state (pending outputs kept out of line, panes' summaries, the
    /// reference's) survives a checkpoint, taken twice in a row and as pages: an engine
    /// restored mid-stream emits exactly what the uninterrupted one does.
    @Test func aRestoredEngineContinuesExactly() throws {
        let configuration = StreamVectors.multiclass.configuration
        let (lines, decoder, expected, first, firstOutputs) = try StreamVectors.multiclass.interrupted(at: 1_101)
        var produced = firstOutputs
        let paged = first.checkpointWithoutJoinPages()
        let pages = Dictionary(uniqueKeysWithValues: paged.joinPages.map { ($0.number, first.joinPage($0.number)) })
        let restored = try MonitorEngine(restoring: paged.state, joinPages: pages, configuration: configuration, rules: StreamVectors.multiclass.rules, decoder: decoder)
        let sameBytes = restored.checkpoint() == first.checkpoint()
        #expect(sameBytes, "a restored engine writes the checkpoint it was restored from")
        let again = try MonitorEngine(restoring: restored.checkpoint(), configuration: configuration, rules: StreamVectors.multiclass.rules, decoder: decoder)
        produced += StreamVectors.feed(again, lines[1_101...])
        #expect(produced == expected)
        #expect(expected.contains { $0.contains(#""rule":"ClassRecallDrop""#) })
        // Its panes hold multiclass summaries: restoring them for a binary classifier is refused, saying why.
        StreamVectors.multiclass.expectRefusedForBinary(first, checkpointing: "multiclass")
    }

    /// A prediction that does not fit its model's declared type is rejected with its reason,
    /// whether decoded or given decoded; a label that is not a class is counted, not scored.
    @Test func eventsOfTheWrongTypeAreRejectedOrCounted() {
        var configuration = StreamVectors.multiclass.configuration
        configuration.modelTypes.declare("credit-risk", .binary)
        let engine = MonitorEngine(configuration: configuration, rules: StreamVectors.multiclass.rules)
        let time = StreamVectors.multiclass.vectors.windows[0].start
        let binary = PredictionEvent(model: "triage", version: "v1", id: "b", timestamp: time, score: 0.5, predictedLabel: 1)
        let multiclass = PredictionEvent(model: "credit-risk", version: "v1", id: "m", timestamp: time,
                                         output: .multiclass(class: "urgent", probabilities: ["urgent": 1]))
        let regression = PredictionEvent(model: "triage", version: "v1", id: "r", timestamp: time, output: .regression(3))
        #expect(engine.process(.prediction(binary)) == .modelTypeMismatch(model: "triage", type: .multiclass, field: "score"))
        #expect(engine.process(.prediction(multiclass)) == .modelTypeMismatch(model: "credit-risk", type: .binary, field: "probabilities"))
        #expect(engine.process(.prediction(regression)) == .modelTypeMismatch(model: "triage", type: .multiclass, field: "prediction"))
        let fitting = PredictionEvent(model: "triage", version: "v1", id: "t", timestamp: time, output: .multiclass(class: "refer", probabilities: nil))
        #expect(engine.process(.prediction(fitting)) == nil)
        #expect(engine.counters.rejected == ["model_type_mismatch": 3] && engine.counters.predictions == 1)
        engine.process(.label(LabelEvent(id: "t", timestamp: time + 10, value: .value(2.5))))
        #expect(engine.counters.mismatchedLabels == 1)
    }

    /// With nothing declared, triage is monitored as the multiclass classifier its first
    /// prediction shows, said once (`model_type_inferred`, with how to declare it) and in the
    /// run summary: the same window values as declared; a later prediction of another type is
    /// rejected, through a checkpoint too; a declared type wins over what a prediction shows.
    @Test func anUndeclaredModelTakesItsFirstPredictionsType() throws {
        var configuration = StreamVectors.multiclass.configuration
        configuration.modelTypes = ModelTypes()
        let inferred = try StreamFixtures.replay([StreamFixtures.path("multiclass.jsonl")], configuration: configuration, rules: StreamVectors.multiclass.rules)
        let declared = try StreamVectors.multiclass.replay()
        #expect(inferred.metric("macro_f1", evaluation: "performance").map(\.value) == declared.metric("macro_f1", evaluation: "performance").map(\.value))
        #expect(inferred.lines(.alert).count == declared.lines(.alert).count)
        let notices = inferred.lines(.notice).filter { $0["type"] as? String == "model_type_inferred" }
        #expect(notices.count == 1)
        #expect(notices.first?["model"] as? String == "triage" && notices.first?["model_type"] as? String == "multiclass")
        #expect(notices.first?["declare"] as? String == "models: {triage: {type: multiclass}}")
        #expect(notices.first?["skipped_rules"] as? [String] == [])

        let engine = MonitorEngine(configuration: configuration, rules: StreamVectors.multiclass.rules)
        let time = StreamVectors.multiclass.vectors.windows[0].start
        engine.process(.prediction(PredictionEvent(model: "triage", version: "v1", id: "a", timestamp: time, output: .multiclass(class: "refer", probabilities: nil))))
        #expect(engine.summaryLines().contains("model types inferred from first predictions (declare them in models: to make them firm): triage=multiclass"))
        let binary = PredictionEvent(model: "triage", version: "v2", id: "b", timestamp: time, score: 0.3, predictedLabel: 0)
        #expect(engine.process(.prediction(binary)) == .modelTypeMismatch(model: "triage", type: .multiclass, field: "score"))
        let restored = try MonitorEngine(restoring: engine.checkpoint(), configuration: configuration, rules: StreamVectors.multiclass.rules)
        #expect(restored.modelTypes.inferred == ["triage": .multiclass])
        #expect(restored.process(.prediction(binary)) == .modelTypeMismatch(model: "triage", type: .multiclass, field: "score"))
        // A binary classifier is said only when rules that select it cannot judge it (as every
        // undeclared model was binary before): here the multiclass-only ones, named.
        engine.process(.prediction(PredictionEvent(model: "credit-risk", version: "v1", id: "c", timestamp: time, score: 0.3, predictedLabel: 0)))
        let said = engine.drainOutputs().filter { $0.kind == .notice && $0.json.contains("model_type_inferred") }
            .map { try! JSONSerialization.jsonObject(with: Data($0.json.utf8)) as! [String: Any] }
        #expect(engine.modelTypes["credit-risk"] == .binary && said.count == 2)
        #expect(said.last?["model"] as? String == "credit-risk" && said.last?["model_type"] as? String == "binary")
        #expect(said.last?["skipped_rules"] as? [String] == ["MacroF1Drop", "ClassRecallDrop", "AccuracyGapBetweenGroups", "ClassShareDrop"])
        let quiet = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        quiet.process(.prediction(PredictionEvent(model: "credit-risk", version: "v1", id: "c", timestamp: time, score: 0.3, predictedLabel: 0)))
        #expect(!quiet.drainOutputs().contains { $0.json.contains("model_type_inferred") })
        // Declared wins: a declared binary model's multiclass prediction is rejected, not inferred.
        var strict = configuration
        strict.modelTypes.declare("triage", .binary)
        let declaredEngine = MonitorEngine(configuration: strict, rules: StreamVectors.multiclass.rules)
        #expect(declaredEngine.process(.prediction(PredictionEvent(model: "triage", version: "v1", id: "a", timestamp: time,
                                                                   output: .multiclass(class: "refer", probabilities: nil))))
            == .modelTypeMismatch(model: "triage", type: .binary, field: "label_pred"))
        #expect(declaredEngine.modelTypes.inferred.isEmpty)
    }

    /// A version's classes are capped: labelled predictions naming a class beyond the first
    /// 50 are left out of performance and counted, in the run summary and `capped{classes}`.
    @Test func classesBeyondTheCapAreCounted() {
        let engine = MonitorEngine(configuration: StreamVectors.multiclass.configuration, rules: StreamVectors.multiclass.rules)
        let time = StreamVectors.multiclass.vectors.windows[0].start
        let cap = MulticlassOutcomeSummary.defaultMaximumClasses
        for index in 0..<(cap + 10) {
            let id = "t-\(index)"
            engine.process(.prediction(PredictionEvent(model: "triage", version: "v1", id: id, timestamp: time + Int64(index),
                                                       output: .multiclass(class: "c\(index)", probabilities: nil))))
            engine.process(.label(LabelEvent(id: id, timestamp: time + Int64(index) + 1, value: .named("c\(index)"))))
        }
        #expect(engine.counters.cappedClasses == 10)
        #expect(engine.summaryLines().contains("labelled multiclass predictions naming a class beyond the first \(cap) of their version "
            + "(left out of performance): 10"))
    }

    /// Out-of-line outputs are kept under keys never reused and taken out once: what a
    /// labelled prediction's payload names afterwards is gone, not another prediction's.
    @Test func pendingOutputsAreTakenOnce() {
        let outputs = PendingMulticlassOutputs()
        let first = outputs.keep(MulticlassOutput(predicted: "a", probabilities: ["a": 1]))
        let second = outputs.keep(MulticlassOutput(predicted: "b", probabilities: nil))
        #expect(first != second && outputs.count == 2)
        #expect(outputs.take(first) == MulticlassOutput(predicted: "a", probabilities: ["a": 1]))
        #expect(outputs.take(first) == nil && outputs.output(first) == nil && outputs.count == 1)
        let third = outputs.keep(MulticlassOutput(predicted: "c", probabilities: nil))
        #expect(third != first && outputs.output(second)?.predicted == "b")
    }
}
