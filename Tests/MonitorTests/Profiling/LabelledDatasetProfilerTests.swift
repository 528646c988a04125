import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Profiles of labelled data carry the reference's outcomes and chunk spread through
/// `profile.json`, and the engine reports what a profile without them cannot serve.
@Suite struct LabelledDatasetProfilerTests {
    /// 1,000 predictions, 80 % correct, half labelled after their prediction, in two segments.
    static func events() -> [MonitorEvent] {
        (0..<1000).flatMap { index -> [MonitorEvent] in
            let predicted = index % 2
            let label = index % 5 == 0 ? 1 - predicted : predicted
            let prediction = PredictionEvent(model: "m", version: "v1", id: "p\(index)", timestamp: Int64(index),
                                             features: [Feature("x", .number(Double(index % 7)))],
                                             score: predicted == 1 ? 0.8 : 0.2, predictedLabel: predicted,
                                             segment: [SegmentAttribute("g", index % 3 == 0 ? "a" : "b")])
            return [.prediction(prediction), .label(LabelEvent(id: "p\(index)", timestamp: Int64(index) + 1, label: label))]
        }
    }

    static func document() throws -> ProfileDocument {
        var profiler = LabelledDatasetProfiler(try DatasetProfiler())
        for event in events() { profiler.add(event) }
        return profiler.document(model: "m", version: "v1") { add in
            for case let .prediction(prediction) in events() { add(prediction) }
        }
    }

    @Test func outcomesAndChunkSpreadSurviveTheJSONFile() throws {
        let document = try Self.document()
        let outcomes = try #require(document.outcomes)
        #expect(outcomes.labelled == 1000 && outcomes.performance.accuracy == 0.8)
        #expect(outcomes.fairness.map(\.attributes) == [["g"]] && outcomes.chunkSize == 100)
        // Every chunk of 100 holds exactly 80 correct predictions: no spread.
        let accuracy = try #require(outcomes.chunks[.accuracy])
        #expect(abs(accuracy.mean - 0.8) < 1e-12 && accuracy.standardDeviation < 1e-12)
        #expect(document.chunks?.statistics[MetricKey(.feature("x"), .psi)] != nil)
        let decoded = try ProfileDocument.decode(try document.encoded())
        #expect(decoded == document)
    }

    /// A regression model's labelled data (the first 10 s of `fixtures/streams/regression.jsonl`,
    /// read with the model declared a regression model) gives the profile its regression
    /// outcomes — the summary, per-region errors and residuals of exactly those rows, through
    /// the JSON file (layout version 2) — and the monitor judges relative regression rules
    /// and residual drift against it: MAE and bias alerts after the change, none before.
    @Test func aRegressionModelsProfileServesRelativeRulesAndResidualDrift() throws {
        let configuration = StreamVectors.regression.configuration
        var options = DatasetOptions()
        options.decoder = EventDecoder(modelTypes: configuration.modelTypes)
        let stream = StreamFixtures.path("regression.jsonl")
        let start = StreamVectors.regression.vectors.windows[0].start, referenceEnd = StreamVectors.regression.vectors.windows[0].end
        var events: [MonitorEvent] = []
        try DatasetReader.read(path: stream, options: options) { event in
            switch event {
            case let .prediction(prediction) where prediction.timestamp < referenceEnd: events.append(event)
            case let .label(label) where label.timestamp < referenceEnd + 500: events.append(event)
            default: break
            }
        }
        var profiler = LabelledDatasetProfiler(try DatasetProfiler())
        for event in events { profiler.add(event) }
        let document = profiler.document(model: "house-price", version: nil) { add in
            for case let .prediction(prediction) in events { add(prediction) }
        }
        let outcomes = try #require(document.outcomes)
        var expected = RegressionSummary(), residuals = ResidualHistogram()
        let labels = Dictionary(uniqueKeysWithValues: events.compactMap { event -> (String, Double)? in
            if case let .label(label) = event, let number = label.value.number { (label.id, number) } else { nil }
        })
        for case let .prediction(prediction) in events {
            guard case let .regression(value) = prediction.output, let label = labels[prediction.id] else { continue }
            expected.record(prediction: value, label: label)
            residuals.record(label - value)
        }
        #expect(outcomes.isRegression && outcomes.regression == expected && outcomes.residuals == residuals)
        #expect(outcomes.labelled == StreamVectors.regression.vectors.windows[0].count && outcomes.performance.labelledCount == 0)
        let reference = StreamVectors.regression.vectors.windows[0]
        #expect(abs(outcomes.regression.meanAbsoluteError! - reference.mae) <= 1e-9 * reference.mae && start < referenceEnd)
        #expect(outcomes.regressionFairness.map(\.attributes) == [["region"]] && outcomes.regressionFairness[0].groups.count == 2)
        let json = try document.encoded()
        #expect(try ProfileDocument.decode(json) == document)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let metrics = try #require((object["outcomes"] as? [String: Any])?["metrics"] as? [String: Double])
        #expect(metrics.keys.sorted() == ["bias", "mae", "mape", "r2", "rmse"] && metrics["mae"] == outcomes.regression.meanAbsoluteError)

        var monitored = configuration
        monitored.references.set(document, identifier: "houses.json")
        #expect(MonitorEngine.referenceGaps(configuration: monitored, rules: StreamVectors.regression.rules).isEmpty)
        let run = try StreamFixtures.replay([stream], configuration: monitored, rules: StreamVectors.regression.rules,
                                            decoder: EventDecoder(modelTypes: configuration.modelTypes))
        let change = StreamVectors.regression.vectors.change
        let firings = run.lines(.alert).filter { $0["status"] as? String == "firing" }
        func windowEnds(_ rule: String) -> [Int64] {
            firings.filter { $0["rule"] as? String == rule }.map { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value }
        }
        for rule in ["MaeIncrease", "PredictionBiasHigh", "ResidualDrift"] {
            let first = try #require(windowEnds(rule).min(), "\(rule) never fired against the profile")
            #expect(first > change && first <= change + 10_000, "\(rule) first fired on the window ending \(first)")
        }
        #expect(firings.allSatisfy { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value > change })
        #expect(!run.metric("residual_ks", evaluation: "performance").isEmpty)
    }

    /// A multiclass classifier's labelled data (the first 10 s of `fixtures/streams/multiclass.jsonl`,
    /// the stream reference's window, its type inferred) gives the profile its multiclass
    /// outcomes — accuracy, averages, per-class rates, log loss and Brier score scikit-learn's
    /// (`multiclass_stream.json`'s first window), per-channel accuracies, through the JSON file
    /// (layout version 3) — and the monitor judges relative multiclass rules against it: the
    /// macro F1 threshold is the profile's minus 0.1, and alerts come after the change only.
    @Test func aMulticlassModelsProfileServesRelativeRules() throws {
        let reference = StreamVectors.multiclass.vectors.windows[0]
        let stream = StreamFixtures.path("multiclass.jsonl")
        var events: [MonitorEvent] = []
        try DatasetReader.read(path: stream, options: DatasetOptions()) { event in
            switch event {
            case let .prediction(prediction) where prediction.timestamp < reference.end: events.append(event)
            case let .label(label) where label.timestamp < reference.end + 500: events.append(event)
            default: break
            }
        }
        var profiler = LabelledDatasetProfiler(try DatasetProfiler())
        for event in events { profiler.add(event) }
        let document = profiler.document(model: "triage", version: nil) { add in
            for case let .prediction(prediction) in events { add(prediction) }
        }
        let outcomes = try #require(document.outcomes)
        #expect(outcomes.isMulticlass && !outcomes.isRegression && outcomes.performance.labelledCount == 0)
        #expect(outcomes.labelled == reference.count && outcomes.predictions == reference.count)
        let multiclass = outcomes.multiclass
        for (name, value, expected) in [("accuracy", multiclass.accuracy, reference.accuracy), ("macro_f1", multiclass.macro?.f1, reference.macroF1),
                                        ("weighted_f1", multiclass.weighted?.f1, reference.weightedF1), ("log_loss", multiclass.logLoss, reference.logLoss),
                                        ("brier", multiclass.brierScore, reference.brier)] {
            StreamVectors.expectClose(value, expected, name)
        }
        for metrics in multiclass.perClass {
            let expected = try #require(reference.classes[metrics.name])
            StreamVectors.expectClose(metrics.recall, expected.recall, "recall of \(metrics.name)")
            StreamVectors.expectClose(metrics.f1, expected.f1, "F1 of \(metrics.name)")
        }
        #expect(outcomes.multiclassFairness.map(\.attributes) == [["channel"]] && outcomes.multiclassFairness[0].groups.count == 2)

        // A profile without labels cannot serve the relative multiclass rules: said at start.
        var unlabelled = try DatasetProfiler()
        for case let .prediction(prediction) in events { unlabelled.add(prediction) }
        var withoutOutcomes = StreamVectors.multiclass.configuration
        withoutOutcomes.references.set(unlabelled.finish(), identifier: "triage.json", model: "triage")
        let gaps = MonitorEngine.referenceGaps(configuration: withoutOutcomes, rules: StreamVectors.multiclass.rules)
        #expect(gaps.filter { $0.contains("no multiclass outcomes") }.count == 3, "\(gaps)")
        // The predicted-class mix is the `@prediction` subject's categories, one count per prediction.
        guard case let .categorical(mix)? = document.profile.features[OutputSubject.prediction] else {
            Issue.record("no predicted-class mix in the profile")
            return
        }
        #expect(Set(mix.summary.counts.keys) == Set(multiclass.classes) && mix.summary.counts.values.reduce(0, +) == reference.count)
        let json = try document.encoded()
        #expect(try ProfileDocument.decode(json) == document)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let metrics = try #require((object["outcomes"] as? [String: Any])?["metrics"] as? [String: Double])
        #expect(metrics["macro_f1"] == multiclass.macro?.f1 && metrics["accuracy"] == multiclass.accuracy && metrics["mae"] == nil)

        var configuration = StreamVectors.multiclass.configuration
        configuration.references.set(document, identifier: "triage.json")
        let run = try StreamFixtures.replay([stream], configuration: configuration, rules: StreamVectors.multiclass.rules,
                                            decoder: EventDecoder(modelTypes: configuration.modelTypes))
        let firings = run.lines(.alert).filter { $0["status"] as? String == "firing" }
        let change = StreamVectors.multiclass.vectors.change
        for rule in ["MulticlassAccuracyDrop", "MacroF1Drop", "ClassRecallDrop"] {
            let ends = firings.filter { $0["rule"] as? String == rule }.map { (($0["window"] as! [String: Any])["end"] as! NSNumber).int64Value }
            let first = try #require(ends.min(), "\(rule) never fired against the profile")
            #expect(first > change && first <= change + 10_000, "\(rule) first fired on the window ending \(first)")
        }
        let macroF1 = try #require(firings.first { $0["rule"] as? String == "MacroF1Drop" })
        #expect((macroF1["reference"] as? [String: Any])?["profile_id"] as? String == "triage.json")
        StreamVectors.expectClose((macroF1["threshold"] as? NSNumber)?.doubleValue, reference.macroF1 - 0.1, "MacroF1Drop threshold")
    }

    @Test func rulesTheProfileCannotServeAreReportedAtStart() throws {
        let rules = try RuleFixtures.load("""
        rules:
          - name: AccuracyDrop
            scope: model
            metric: accuracy
            condition: "< reference - 0.05"
        """).get()
        var document = try Self.document()
        var configuration = MonitorConfiguration()
        configuration.references.set(document, identifier: "labelled.json")
        #expect(MonitorEngine(configuration: configuration, rules: rules).referenceGaps.isEmpty)
        document.outcomes = nil
        configuration.references.set(document, identifier: "unlabelled.json")
        let gaps = MonitorEngine(configuration: configuration, rules: rules).referenceGaps
        #expect(gaps.count == 1 && gaps[0].contains("AccuracyDrop") && gaps[0].contains("no labelled outcomes"))
    }
}
