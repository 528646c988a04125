import Testing
@testable import DriftCore

@Suite struct BinaryOutcomeSummaryTests {
    @Test(arguments: ClassificationVectors.shared.cases)
    func countsAndExactMetricsMatchScikitLearn(_ testCase: ClassificationVectors.Case) throws {
        let summary = try testCase.summary()
        let expected = testCase.expected
        #expect(summary.truePositives == expected.truePositives)
        #expect(summary.falsePositives == expected.falsePositives)
        #expect(summary.trueNegatives == expected.trueNegatives)
        #expect(summary.falseNegatives == expected.falseNegatives)
        #expect(summary.labelledCount == UInt64(testCase.scores.count))
        let pairs: [(Double?, Double, String)] = [
            (summary.accuracy, expected.accuracy, "accuracy"),
            (summary.precision, expected.precision, "precision"),
            (summary.recall, expected.recall, "recall"),
            (summary.falsePositiveRate, expected.falsePositiveRate, "FPR"),
            (summary.f1, expected.f1, "F1"),
            (summary.selectionRate, expected.selectionRate, "selection rate"),
            (summary.brierScore, expected.brierScore, "Brier"),
            (summary.logLoss, expected.logLoss, "log loss"),
        ]
        for (actual, reference, name) in pairs {
            #expect(abs(try #require(actual) - reference) <= 1e-9, "\(name): \(String(describing: actual)) vs \(reference)")
        }
    }

    @Test(arguments: ClassificationVectors.shared.cases)
    func mergedHalvesEqualTheWhole(_ testCase: ClassificationVectors.Case) throws {
        let whole = try testCase.summary()
        let split = testCase.scores.count / 3
        var merged = try testCase.summary(of: 0..<split)
        try merged.merge(try testCase.summary(of: split..<testCase.scores.count))
        #expect(merged.truePositives == whole.truePositives && merged.falseNegatives == whole.falseNegatives)
        #expect(merged.positiveScoreHistogram == whole.positiveScoreHistogram)
        #expect(merged.negativeScoreHistogram == whole.negativeScoreHistogram)
        #expect(merged.calibrationCounts == whole.calibrationCounts)
        #expect(merged.rocAUC == whole.rocAUC)
        #expect(abs(merged.logLossSum - whole.logLossSum) <= 1e-9 * max(1, whole.logLossSum))
        #expect(abs(merged.squaredErrorSum - whole.squaredErrorSum) <= 1e-9 * max(1, whole.squaredErrorSum))
    }

    @Test(arguments: ClassificationVectors.shared.cases)
    func roundTripsThroughBlob(_ testCase: ClassificationVectors.Case) throws {
        let summary = try testCase.summary()
        let blob = VersionedBlob.encode(summary, kind: "outcomes", version: 1)
        #expect(try VersionedBlob.decode(BinaryOutcomeSummary.self, from: blob, kind: "outcomes", newestVersion: 1) == summary)
    }

    @Test func zeroDenominatorsFollowZeroDivisionZero() throws {
        var summary = try BinaryOutcomeSummary()
        #expect(summary.accuracy == nil && summary.selectionRate == nil)
        #expect(summary.precision == 0 && summary.recall == 0 && summary.falsePositiveRate == 0 && summary.f1 == 0)
        #expect(summary.brierScore == nil && summary.logLoss == nil && summary.rocAUC == nil)
        #expect(summary.expectedCalibrationError == nil)
        summary.record(label: false, predicted: false)
        #expect(summary.accuracy == 1 && summary.precision == 0 && summary.recall == 0)
        #expect(summary.brierScore == nil, "a row without a score does not enter the score metrics")
        #expect(summary.unscoredCount == 1)
    }

    @Test func unlabelledPredictionsCountOnlyForSelection() throws {
        var summary = try BinaryOutcomeSummary()
        summary.record(label: true, predicted: false, score: 0.4)
        summary.recordUnlabelled(predicted: true)
        summary.recordUnlabelled(predicted: true)
        summary.recordUnlabelled(predicted: false)
        #expect(summary.labelledCount == 1 && summary.predictionCount == 4)
        #expect(summary.selectionRate == 0.5)
        #expect(summary.accuracy == 0 && summary.recall == 0)
    }

    @Test func outOfRangeAndNaNScores() throws {
        var summary = try BinaryOutcomeSummary(scoreBins: 10)
        summary.record(label: true, predicted: true, score: 1.7)
        summary.record(label: false, predicted: false, score: -0.2)
        summary.record(label: true, predicted: true, score: .nan)
        #expect(summary.clippedScoreCount == 2 && summary.unscoredCount == 1)
        #expect(summary.positiveScoreHistogram[9] == 1 && summary.negativeScoreHistogram[0] == 1)
        #expect(summary.brierScore == 0 && summary.rocAUC == 1)
        // Clipped to 0 and 1, a correct certain score costs −log(1 − ε) ≈ ε.
        #expect(try #require(summary.logLoss) < 1e-15)
    }

    @Test func mismatchedBinsDoNotMerge() throws {
        var coarse = try BinaryOutcomeSummary(scoreBins: 10)
        #expect(throws: OutcomeSummaryError.self) { try coarse.merge(try BinaryOutcomeSummary()) }
        #expect(throws: OutcomeSummaryError.self) { try BinaryOutcomeSummary(scoreBins: -1) }
    }

    @Test func countsNoWindowCouldHoldAreRejected() throws {
        // scoreBins 0, then TP, FP, TN, FN, unlabelled... with counts that would overflow when summed.
        var writer = BinaryWriter()
        writer.writeCount(0)
        for count in [UInt64.max, UInt64.max, 0, 0, 0, 0, 0, UInt64.max] { writer.writeVarint(count) }
        writer.writeCounts([])
        writer.writeCounts([])
        writer.write(0.0)
        writer.write(0.0)
        writer.writeCounts(Array(repeating: 0, count: 10))
        writer.writeCounts(Array(repeating: 0, count: 10))
        writer.write(Array(repeating: 0.0, count: 10))
        var reader = BinaryReader(writer.bytes)
        #expect(throws: SerializationError.self) { _ = try BinaryOutcomeSummary(from: &reader) }
    }

    @Test func corruptedStateIsRejected() throws {
        let summary = try ClassificationVectors.shared.cases[5].summary(scoreBins: 20)
        var writer = BinaryWriter()
        summary.encode(to: &writer)
        for length in 0..<writer.bytes.count {
            var reader = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: SerializationError.self) { _ = try BinaryOutcomeSummary(from: &reader) }
        }
        var bytes = writer.bytes
        bytes[1] += 1  // one more true positive than the histograms hold
        var reader = BinaryReader(bytes)
        #expect(throws: SerializationError.self) { _ = try BinaryOutcomeSummary(from: &reader) }
    }
}
