import Testing
@testable import DriftCore

/// The labelled class probabilities a multiclass CBPE calibration is fitted on, checked
/// against NannyML's estimates and scikit-learn's realized ROC AUC
/// (fixtures/vectors/cbpe_multiclass.json).
@Suite struct ClassProbabilityOutcomesTests {
    /// The reference rows of a case, recorded by class name.
    static func outcomes(_ testCase: MulticlassCBPEVectors.Case, rows: ArraySlice<[Int]>? = nil) -> ClassProbabilityOutcomes {
        var outcomes = try! ClassProbabilityOutcomes()
        for row in rows ?? testCase.referenceRows[...] {
            let probabilities = Dictionary(uniqueKeysWithValues: zip(testCase.classes, testCase.probabilities(row)))
            for _ in 0..<row[testCase.classes.count + 1] {
                outcomes.record(label: testCase.classes[row[testCase.classes.count]], probabilities: probabilities)
            }
        }
        return outcomes
    }

    /// Fitted on the histograms, the calibration gives NannyML's estimates: to rounding
    /// where each probability has a bin of its own (credit card's two decimals; ROC AUC
    /// within the estimator's own 1e-5, ``MulticlassConfidenceBasedEstimationTests``). Where
    /// a bin pools up to ten distinct probabilities of only 3,000 reference rows (generated:
    /// four decimals), within 5e-3 (measured 3.0e-3) and ROC AUC within 1e-2 (measured 8.2e-3).
    @Test(arguments: MulticlassCBPEVectors.shared.cases)
    func calibrationFromHistogramsMatchesNannyML(_ testCase: MulticlassCBPEVectors.Case) throws {
        let outcomes = Self.outcomes(testCase)
        #expect(outcomes.classes == testCase.classes.sorted())
        let calibration = try outcomes.calibration()
        var largest: [String: Double] = [:]
        for chunk in testCase.chunks {
            let estimate = try #require(EstimatedMulticlassPerformance(try testCase.window(chunk.rows, calibration: calibration)))
            let values: [String: Double?] = ["accuracy": estimate.accuracy, "precision": estimate.precision, "recall": estimate.recall,
                                             "f1": estimate.f1, "roc_auc": estimate.rocAUC]
            for (metric, value) in values {
                largest[metric] = max(largest[metric] ?? 0, abs(try #require(value) - (try #require(chunk.estimated[metric]))))
            }
        }
        print("class probability outcomes, \(testCase.name): largest differences from NannyML \(largest.sorted { $0.key < $1.key })")
        let exact = testCase.name == "credit_card"
        for metric in ["accuracy", "precision", "recall", "f1"] {
            #expect(try #require(largest[metric]) <= (exact ? 1e-9 : 5e-3), "\(metric)")
        }
        #expect(try #require(largest["roc_auc"]) <= (exact ? 1e-5 : 1e-2))
    }

    /// The realized macro one-vs-rest ROC AUC is scikit-learn's: to rounding on two-decimal
    /// probabilities, within 1e-3 when a bin pools distinct ones (ties).
    @Test(arguments: MulticlassCBPEVectors.shared.cases)
    func realizedROCAUCMatchesScikitLearn(_ testCase: MulticlassCBPEVectors.Case) throws {
        let ours = try #require(Self.outcomes(testCase).rocAUC)
        let reference = try #require(testCase.referenceRealized["roc_auc"])
        #expect(abs(ours - reference) <= (testCase.name == "credit_card" ? 1e-9 : 1e-3), "\(ours) vs \(reference)")
    }

    /// A vector that does not name a class gave it 0: the same calibration and ROC AUC as
    /// vectors that name it with 0.
    @Test func anUnnamedClassCountsAsProbabilityZero() throws {
        var named = try ClassProbabilityOutcomes(), unnamed = try ClassProbabilityOutcomes()
        let rows: [(String, [String: Double])] = [("a", ["a": 0.8, "b": 0.2, "c": 0]), ("b", ["a": 0.3, "b": 0.7, "c": 0]),
                                                   ("c", ["a": 0.4, "b": 0.1, "c": 0.5]), ("a", ["a": 0.6, "b": 0.4, "c": 0])]
        for (label, probabilities) in rows {
            named.record(label: label, probabilities: probabilities)
            unnamed.record(label: label, probabilities: probabilities.filter { $0.value > 0 })
        }
        #expect(try named.calibration() == (try unnamed.calibration()))
        #expect(named.rocAUC == unnamed.rocAUC && named.rocAUC != nil)
    }

    @Test func mergedPartsEqualTheWholeAndRoundTrip() throws {
        let testCase = MulticlassCBPEVectors.creditCard
        let half = testCase.referenceRows.count / 2
        var merged = Self.outcomes(testCase, rows: testCase.referenceRows[..<half])
        try merged.merge(Self.outcomes(testCase, rows: testCase.referenceRows[half...]))
        let whole = Self.outcomes(testCase)
        #expect(merged.rows == whole.rows && merged.labelCounts == whole.labelCounts)
        // The same calibration, up to the order in which probabilities were summed.
        for (ours, theirs) in zip(try merged.calibration().classCalibrations, try whole.calibration().classCalibrations) {
            #expect(ours.knotProbabilities.count == theirs.knotProbabilities.count)
            for (a, b) in zip(ours.knotScores + ours.knotProbabilities, theirs.knotScores + theirs.knotProbabilities) { #expect(abs(a - b) <= 1e-12) }
        }
        var writer = BinaryWriter()
        whole.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        #expect(try ClassProbabilityOutcomes(from: &reader) == whole)
        #expect(throws: OutcomeSummaryError.self) { try merged.merge(try ClassProbabilityOutcomes(scoreBins: 10)) }
    }

    /// Classes past the cap and unusable vectors are counted, not recorded.
    @Test func capAndInvalidVectorsAreCounted() throws {
        var outcomes = try ClassProbabilityOutcomes(maximumClasses: 2)
        outcomes.record(label: "a", probabilities: ["a": 0.9, "b": 0.1, "c": 0])
        outcomes.record(label: "c", probabilities: ["a": 0.5, "b": 0.5])
        outcomes.record(label: "a", probabilities: ["a": .nan, "b": 0.5])
        outcomes.record(label: "a", probabilities: ["a": -0.1, "b": 1.1])
        #expect(outcomes.classes == ["a", "b"])
        #expect(outcomes.rows == 2 && outcomes.invalidCount == 2)
        #expect(outcomes.overflowCount == 2)  // "c" as a probability, then as a label
        #expect(throws: CalibrationError.self) { try ClassProbabilityOutcomes().calibration() }
    }
}
