import Testing
@testable import DriftCore

@Suite struct MulticlassCalibrationTests {
    private func calibrated(_ calibration: MulticlassCalibration, _ probabilities: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: calibration.classCount) { buffer, count in
            calibration.calibrate(probabilities, into: buffer)
            count = calibration.classCount
        }
    }

    /// Each class is calibrated one-vs-rest by its own isotonic fit, then the row is
    /// divided by its sum (NannyML's `_calibrate_predicted_probabilities`).
    @Test func classesAreCalibratedOneVersusRestThenNormalised() throws {
        let vectors = MulticlassCBPEVectors.creditCard
        let calibration = try vectors.calibration()
        let rows = vectors.referenceRows
        for classIndex in 0..<vectors.classes.count {
            let alone = try IsotonicCalibration(weighted: rows.map {
                .init(score: Double($0[classIndex]) / 100, rows: Double($0[4]), positives: $0[3] == classIndex ? Double($0[4]) : 0)
            })
            #expect(calibration.classCalibrations[classIndex] == alone)
        }
        for row in vectors.chunks[2].rows.prefix(200) {
            let probabilities = vectors.probabilities(row)
            let raw = (0..<3).map { calibration.classCalibrations[$0].probability(of: probabilities[$0]) }
            let ours = calibrated(calibration, probabilities)
            #expect(abs(ours.reduce(0, +) - 1) <= 1e-12)
            for classIndex in 0..<3 { #expect(abs(ours[classIndex] - raw[classIndex] / raw.reduce(0, +)) <= 1e-15) }
        }
    }

    /// All calibrated probabilities 0 (a row outside everything the reference saw) gives
    /// the uniform 1/k, as NannyML.
    @Test func allZeroCalibratedRowsBecomeUniform() throws {
        let zero = try IsotonicCalibration(weighted: [.init(score: 0.5, rows: 4, positives: 0)])
        let calibration = try MulticlassCalibration(classCalibrations: [zero, zero, zero, zero])
        #expect(calibrated(calibration, [0.1, 0.2, 0.3, 0.4]) == [0.25, 0.25, 0.25, 0.25])
    }

    @Test func badReferencesAreRejected() throws {
        #expect(throws: CalibrationError.self) { try MulticlassCalibration(reference: [.init(probabilities: [1], trueClass: 0)], classCount: 1) }
        #expect(throws: CalibrationError.self) {
            try MulticlassCalibration(reference: [.init(probabilities: [0.5, 0.5], trueClass: 2)], classCount: 2)
        }
        #expect(throws: CalibrationError.self) {
            try MulticlassCalibration(reference: [.init(probabilities: [0.5, 0.3, 0.2], trueClass: 0)], classCount: 2)
        }
        #expect(throws: CalibrationError.self) { try MulticlassCalibration(reference: [], classCount: 3) }
    }
}
