import Testing
@testable import DriftCore

@Suite struct IsotonicCalibrationTests {
    @Test func isotonicFitFollowsScikitLearn() throws {
        // sklearn IsotonicRegression(out_of_bounds="clip").fit([1,2,2,3,4,5], [0,1,0,1,0,1]):
        // pooled means 0, 0.5, (1+0)/2 → levels 0 | 0.5 0.5 0.5 | 1; knots at 1, 2, 4, 5.
        let calibration = try IsotonicCalibration(scores: [1, 2, 2, 3, 4, 5], labels: [false, true, false, true, false, true])
        #expect(calibration.knotScores == [1, 2, 4, 5])
        #expect(calibration.knotProbabilities == [0, 0.5, 0.5, 1])
        #expect(calibration.probability(of: 1.5) == 0.25)
        #expect(calibration.probability(of: 3) == 0.5)
        #expect(calibration.probability(of: 0) == 0 && calibration.probability(of: 9) == 1, "clipped to the fitted range")
    }

    @Test func badInputIsAnErrorNotACrash() throws {
        #expect(throws: CalibrationError.self) { try IsotonicCalibration(scores: [], labels: []) }
        #expect(throws: CalibrationError.self) { try IsotonicCalibration(scores: [0.5, .nan], labels: [true, false]) }
        #expect(throws: CalibrationError.self) { try IsotonicCalibration(scores: [0.5], labels: [true, false]) }
        #expect(throws: CalibrationError.self) { try IsotonicCalibration(outcomes: try BinaryOutcomeSummary(scoreBins: 0)) }
        #expect(throws: CalibrationError.self) {
            try IsotonicCalibration(weighted: [.init(score: 0.5, rows: 1, positives: 2)])
        }
    }

    @Test func oneClassCalibratesToAConstant() throws {
        let calibration = try IsotonicCalibration(scores: [0.1, 0.7, 0.9], labels: [true, true, true])
        #expect(calibration.knotScores == [0.1, 0.9] && calibration.knotProbabilities == [1, 1])
        #expect(calibration.probability(of: 0.5) == 1)
    }
}
