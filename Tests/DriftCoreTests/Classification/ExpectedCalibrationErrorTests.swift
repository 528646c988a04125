import Testing
@testable import DriftCore

@Suite struct ExpectedCalibrationErrorTests {
    @Test(arguments: ClassificationVectors.shared.cases)
    func matchesNumpyReference(_ testCase: ClassificationVectors.Case) throws {
        let ece = try #require(try testCase.summary().expectedCalibrationError)
        #expect(abs(ece - testCase.expected.expectedCalibrationError) <= 1e-9)
    }

    @Test func oneGoesInTheLastBin() throws {
        var summary = try BinaryOutcomeSummary()
        summary.record(label: true, predicted: true, score: 1.0)
        summary.record(label: false, predicted: true, score: 0.9)
        #expect(summary.calibrationCounts[9] == 2)
        // One bin: mean label 0.5, mean score 0.95.
        #expect(abs(try #require(summary.expectedCalibrationError) - 0.45) < 1e-12)
    }
}
