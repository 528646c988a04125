import Testing
@testable import DriftCore

@Suite struct RegressionSummaryTests {
    /// Equal within a relative tolerance of 1e-9 (or both nil).
    static func close(_ actual: Double?, _ reference: Double?) -> Bool {
        guard let actual, let reference else { return actual == nil && reference == nil }
        return abs(actual - reference) <= 1e-9 * max(1, abs(reference))
    }

    @Test(arguments: RegressionVectors.shared.regression)
    func metricsMatchScikitLearn(_ testCase: RegressionVectors.Case) {
        let summary = testCase.summary()
        let expected = testCase.expected
        #expect(summary.count == expected.count)
        let pairs: [(Double?, Double?, String)] = [
            (summary.meanAbsoluteError, expected.meanAbsoluteError, "MAE"),
            (summary.meanSquaredError, expected.meanSquaredError, "MSE"),
            (summary.rootMeanSquaredError, expected.rootMeanSquaredError, "RMSE"),
            (summary.meanAbsolutePercentageError, expected.meanAbsolutePercentageError, "MAPE"),
            (summary.bias, expected.bias, "bias"),
            (summary.r2, expected.r2, "R²"),
        ]
        for (actual, reference, name) in pairs {
            #expect(Self.close(actual, reference), "\(name): \(String(describing: actual)) vs \(String(describing: reference))")
        }
    }

    @Test(arguments: RegressionVectors.shared.regression)
    func mergedPartsEqualTheWhole(_ testCase: RegressionVectors.Case) {
        let whole = testCase.summary()
        let split = testCase.labels.count / 3
        var merged = testCase.summary(of: 0..<split)
        merged.merge(testCase.summary(of: split..<testCase.labels.count))
        #expect(merged.count == whole.count)
        for (part, all) in [(merged.meanAbsoluteError, whole.meanAbsoluteError), (merged.rootMeanSquaredError, whole.rootMeanSquaredError),
                            (merged.meanAbsolutePercentageError, whole.meanAbsolutePercentageError), (merged.bias, whole.bias), (merged.r2, whole.r2)] {
            #expect(Self.close(part, all), "\(String(describing: part)) vs \(String(describing: all))")
        }
    }

    @Test(arguments: RegressionVectors.shared.regression)
    func roundTripsThroughBlob(_ testCase: RegressionVectors.Case) throws {
        let summary = testCase.summary()
        let blob = VersionedBlob.encode(summary, kind: "regression", version: 1)
        #expect(try VersionedBlob.decode(RegressionSummary.self, from: blob, kind: "regression", newestVersion: 1) == summary)
    }

    @Test func emptyAndNonFiniteRowsGiveNoMetrics() {
        var summary = RegressionSummary()
        #expect(summary.meanAbsoluteError == nil && summary.rootMeanSquaredError == nil && summary.bias == nil && summary.r2 == nil)
        summary.record(prediction: .nan, label: 1)
        summary.record(prediction: 1, label: .infinity)
        summary.record(prediction: .greatestFiniteMagnitude, label: -.greatestFiniteMagnitude)
        #expect(summary.count == 0 && summary.nonFiniteCount == 3)
        #expect(summary.meanAbsolutePercentageError == nil)
        summary.record(prediction: 3, label: 2)
        #expect(summary.meanAbsoluteError == 1 && summary.bias == 1 && summary.r2 == nil, "one row: R² undefined, as scikit-learn's NaN")
    }

    @Test func inconsistentBlobIsRejected() throws {
        var writer = BinaryWriter()
        var errors = Moments()
        errors.update(1)
        errors.encode(to: &writer)
        Moments().encode(to: &writer)  // labels: none, where the errors have one row
        writer.write(1.0)
        writer.write(0.5)
        writer.writeVarint(0)
        var reader = BinaryReader(writer.bytes)
        #expect(throws: SerializationError.invalidValue("inconsistent regression summary")) { try RegressionSummary(from: &reader) }
    }

    @Test func truncatedStateIsRejected() {
        var writer = BinaryWriter()
        RegressionVectors.shared.regression[6].summary().encode(to: &writer)
        for length in 0..<writer.bytes.count {
            var reader = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: SerializationError.self) { _ = try RegressionSummary(from: &reader) }
        }
    }
}
