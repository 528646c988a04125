import Testing
@testable import DriftCore

/// NannyML's multiclass CBPE estimates per chunk (fixtures/vectors/cbpe_multiclass.json,
/// from Tests/ReferenceVectors/cbpe_multiclass_vectors.py): its synthetic credit-card
/// product model (three string classes, two-decimal probabilities) and a generated
/// four-class model with continuous probabilities.
struct MulticlassCBPEVectors: Decodable, Sendable {
    struct Chunk: Decodable, Sendable, CustomTestStringConvertible {
        var start: Int
        var end: Int
        var estimated: [String: Double]
        var realized: [String: Double]
        /// [p of each class × scale, predicted class index, rows]
        var rows: [[Int]]
        var testDescription: String { "rows \(start)..<\(end)" }
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var classes: [String]
        var scale: Int
        /// [p of each class × scale, true class index, rows]
        var referenceRows: [[Int]]
        /// The reference's realized values (scikit-learn): `roc_auc`.
        var referenceRealized: [String: Double]
        var chunks: [Chunk]
        var testDescription: String { name }

        enum CodingKeys: String, CodingKey {
            case name, classes, scale, chunks
            case referenceRows = "reference_rows"
            case referenceRealized = "reference_realized"
        }

        func probabilities(_ row: [Int]) -> [Double] { row.prefix(classes.count).map { Double($0) / Double(scale) } }

        /// The calibration fitted on the reference rows themselves, as NannyML fits it.
        func calibration() throws -> MulticlassCalibration {
            try MulticlassCalibration(reference: referenceRows.map {
                .init(probabilities: probabilities($0), trueClass: $0[classes.count], rows: Double($0[classes.count + 1]))
            }, classCount: classes.count)
        }

        func window(_ rows: [[Int]], calibration: MulticlassCalibration) throws -> CalibratedClassProbabilities {
            var window = try CalibratedClassProbabilities(classCount: classes.count)
            for row in rows {
                for _ in 0..<row[classes.count + 1] {
                    window.record(predicted: row[classes.count], probabilities: probabilities(row), calibration: calibration)
                }
            }
            return window
        }
    }

    var cases: [Case]
    static let shared: MulticlassCBPEVectors = try! Fixtures.vectors("cbpe_multiclass")
    static var creditCard: Case { shared.cases.first { $0.name == "credit_card" }! }
}

@Suite struct MulticlassConfidenceBasedEstimationTests {
    private static func values(_ estimate: EstimatedMulticlassPerformance) -> [String: Double?] {
        ["accuracy": estimate.accuracy, "precision": estimate.precision, "recall": estimate.recall, "f1": estimate.f1,
         "roc_auc": estimate.rocAUC]
    }

    /// Accuracy and the macro precision, recall and F1 agree with NannyML's to rounding
    /// (1e-9; measured 1e-14). The macro one-vs-rest ROC AUC, where the rows of one bin
    /// count as tied (NannyML orders tied rows arbitrarily and rounds its cumulative counts
    /// to 5 decimals), with the default 1,000 bins: within 1e-5 where each probability has
    /// a bin of its own (credit card's two decimals; measured 4.9e-7), within 2e-3 on
    /// continuous probabilities (generated; measured 1.0e-3).
    @Test(arguments: MulticlassCBPEVectors.shared.cases)
    func matchesNannyML(_ testCase: MulticlassCBPEVectors.Case) throws {
        let calibration = try testCase.calibration()
        var largest: [String: Double] = [:]
        for chunk in testCase.chunks {
            let window = try testCase.window(chunk.rows, calibration: calibration)
            let estimate = try #require(EstimatedMulticlassPerformance(window))
            #expect(estimate.predictions == UInt64(chunk.end - chunk.start))
            for (metric, value) in Self.values(estimate) {
                let ours = try #require(value, "\(metric) of \(chunk.testDescription)")
                let reference = try #require(chunk.estimated[metric])
                largest[metric] = max(largest[metric] ?? 0, abs(ours - reference))
            }
        }
        print("multiclass CBPE, \(testCase.name): largest differences from NannyML \(largest.sorted { $0.key < $1.key })")
        for metric in ["accuracy", "precision", "recall", "f1"] { #expect(try #require(largest[metric]) <= 1e-9, "\(metric)") }
        #expect(try #require(largest["roc_auc"]) <= (testCase.name == "credit_card" ? 1e-5 : 2e-3))
    }

    /// Before the dataset's drift the estimates follow realized performance (scikit-learn
    /// on the labels) within 0.01; after it, realized accuracy falls 0.07 further than the
    /// estimate: the part of the change that left the probabilities calibrated-looking is
    /// the documented blind spot (NannyML's own estimate, above, shows the same gap).
    @Test func estimatesFollowRealizedPerformanceUntilTheConceptChanges() throws {
        let testCase = MulticlassCBPEVectors.creditCard
        let calibration = try testCase.calibration()
        let chunks = testCase.chunks
        for chunk in chunks.prefix(2) {
            let estimate = try #require(EstimatedMulticlassPerformance(try testCase.window(chunk.rows, calibration: calibration)))
            for (metric, value) in Self.values(estimate) {
                #expect(abs(try #require(value) - (try #require(chunk.realized[metric]))) <= 0.01, "\(metric) of \(chunk.testDescription)")
            }
        }
        let drifted = try #require(chunks.last)
        let estimate = try #require(EstimatedMulticlassPerformance(try testCase.window(drifted.rows, calibration: calibration)))
        let realized = try #require(drifted.realized["accuracy"])
        #expect(estimate.accuracy < 0.7 && estimate.accuracy - realized > 0.05, "estimated \(estimate.accuracy), realized \(realized)")
    }

    /// Panes merge into the window's estimate: the confusion expectations of two halves add up.
    @Test func mergedHalvesEstimateAsTheWhole() throws {
        let testCase = MulticlassCBPEVectors.creditCard
        let calibration = try testCase.calibration()
        let rows = testCase.chunks[0].rows
        var first = try testCase.window(Array(rows[..<(rows.count / 2)]), calibration: calibration)
        try first.merge(try testCase.window(Array(rows[(rows.count / 2)...]), calibration: calibration))
        let whole = try #require(EstimatedMulticlassPerformance(try testCase.window(rows, calibration: calibration)))
        let merged = try #require(EstimatedMulticlassPerformance(first))
        #expect(merged.predictions == whole.predictions)
        for (metric, value) in Self.values(merged) {
            #expect(abs(try #require(value) - (try #require(Self.values(whole)[metric] ?? nil))) <= 1e-12, "\(metric)")
        }
    }

    /// A class never expected (all its calibrated probabilities 0) has no ROC curve: the
    /// macro ROC AUC is undefined, as NannyML's NaN, while the other metrics remain.
    @Test func aClassWithoutExpectedPositivesLeavesROCAUCUndefined() throws {
        // Class 2 never occurs in the reference: its calibration maps everything to 0.
        let calibration = try MulticlassCalibration(reference: [
            .init(probabilities: [0.7, 0.2, 0.1], trueClass: 0, rows: 3), .init(probabilities: [0.2, 0.7, 0.1], trueClass: 1, rows: 3),
            .init(probabilities: [0.6, 0.3, 0.1], trueClass: 1, rows: 1),
        ], classCount: 3)
        var window = try CalibratedClassProbabilities(classCount: 3)
        window.record(predicted: 0, probabilities: [0.8, 0.1, 0.1], calibration: calibration)
        window.record(predicted: 1, probabilities: [0.1, 0.8, 0.1], calibration: calibration)
        let estimate = try #require(EstimatedMulticlassPerformance(window))
        #expect(estimate.classROCAUC[2] == nil && estimate.rocAUC == nil)
        #expect(estimate.classROCAUC[0] != nil && estimate.accuracy > 0.5 && estimate.accuracy <= 1)
        #expect(EstimatedMulticlassPerformance(try CalibratedClassProbabilities(classCount: 3)) == nil, "an empty window has no estimate")
    }
}
