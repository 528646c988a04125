/// Calibration of a multiclass classifier's class probabilities, as NannyML's multiclass
/// CBPE calibrates them: one isotonic calibration per class, fitted one-vs-rest on a
/// labelled reference (the class's probability against "the row is of this class"), then
/// each row's calibrated probabilities divided by their sum so that they add up to one
/// (the uniform 1/k when they are all 0).
///
/// Source: NannyML 0.13.1, `_fit_calibrators` and `_calibrate_predicted_probabilities`
/// (nannyml/performance_estimation/confidence_based/cbpe.py). Difference: NannyML first
/// decides per class, by a randomised cross-validated comparison of calibration errors,
/// whether to calibrate that class at all; this always calibrates.
///
/// Cost: fitting O(n log n) per class for n reference rows (``IsotonicCalibration``);
/// calibrating a row O(k log knots) for k classes. Memory: the k calibrations' knots.
public struct MulticlassCalibration: Equatable, Sendable {
    /// Per class, in class order: the one-vs-rest calibration of its probability.
    public let classCalibrations: [IsotonicCalibration]

    public var classCount: Int { classCalibrations.count }

    /// A labelled reference row (or `rows` equal ones): the model's probability of each
    /// class, in class order, and the index of the true class.
    public struct LabelledRow: Equatable, Sendable {
        public var probabilities: [Double]
        public var trueClass: Int
        public var rows: Double

        public init(probabilities: [Double], trueClass: Int, rows: Double = 1) {
            self.probabilities = probabilities
            self.trueClass = trueClass
            self.rows = rows
        }
    }

    public init(classCalibrations: [IsotonicCalibration]) throws(CalibrationError) {
        guard classCalibrations.count >= 2 else {
            throw CalibrationError.invalidInput("a multiclass calibration needs at least 2 classes, got \(classCalibrations.count)")
        }
        self.classCalibrations = classCalibrations
    }

    /// Fits one calibration per class on labelled reference rows.
    public init(reference: [LabelledRow], classCount: Int) throws(CalibrationError) {
        guard classCount >= 2 else { throw CalibrationError.invalidInput("a multiclass calibration needs at least 2 classes, got \(classCount)") }
        if let bad = reference.first(where: { $0.probabilities.count != classCount || !(0..<classCount).contains($0.trueClass) }) {
            throw CalibrationError.invalidInput("a reference row with \(bad.probabilities.count) probabilities and true class \(bad.trueClass), for \(classCount) classes")
        }
        var calibrations: [IsotonicCalibration] = []
        for classIndex in 0..<classCount {
            calibrations.append(try IsotonicCalibration(weighted: reference.map {
                .init(score: $0.probabilities[classIndex], rows: $0.rows, positives: $0.trueClass == classIndex ? $0.rows : 0)
            }))
        }
        try self.init(classCalibrations: calibrations)
    }

    /// Writes the calibrated probabilities of a row's model probabilities (one per class,
    /// finite) into `calibrated`; they add up to one.
    public func calibrate(_ probabilities: some Collection<Double>, into calibrated: UnsafeMutableBufferPointer<Double>) {
        var total = 0.0
        for (classIndex, probability) in zip(0..<classCount, probabilities) {
            calibrated[classIndex] = classCalibrations[classIndex].probability(of: probability)
            total += calibrated[classIndex]
        }
        for classIndex in 0..<classCount {
            calibrated[classIndex] = total != 0 ? calibrated[classIndex] / total : 1 / Double(classCount)
        }
    }
}
