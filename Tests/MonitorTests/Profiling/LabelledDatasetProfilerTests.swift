import DriftCore
import Foundation
import Testing
@testable import Monitor

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
