import DriftCore

/// A multiclass classifier's CBPE calibration (``MulticlassCalibration``) with its classes
/// by name, in its order: the classes its reference's probability vectors named, sorted.
struct NamedClassCalibration: Sendable {
    let classes: [String]
    let positions: [String: Int]
    let calibration: MulticlassCalibration

    /// The calibration of a reference's labelled class probabilities; nil when they cannot
    /// calibrate (fewer than two classes named, or no labelled row).
    init?(_ outcomes: ClassProbabilityOutcomes) {
        guard let calibration = try? outcomes.calibration() else { return nil }
        classes = outcomes.classes
        positions = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        self.calibration = calibration
    }

    /// Score bins of a pane's one-vs-rest ROC curves: 1,000 for up to four classes, fewer
    /// with more classes (at least 100) so that a pane's histograms stay within 8,000
    /// numbers (64 KB) whatever the classes.
    var paneScoreBins: Int { max(100, min(CalibratedClassProbabilities.defaultScoreBins, 4000 / classes.count)) }
}

/// Where a multiclass classifier's CBPE calibration is. Its reference's labelled class
/// probabilities are gathered until the reference's outcomes settle (a profile's are
/// settled from the start); the first prediction that needs the calibration after that
/// fits it once, and the probabilities are frozen. A window's rows are calibrated as they
/// are recorded (NannyML normalises each row's calibrated probabilities, which couples
/// its classes; ``CalibratedClassProbabilities``), so refitting later would mix two
/// calibrations in one window. A function of the frozen probabilities, so a restored
/// checkpoint refits the same calibration.
enum ClassCalibrationState: Sendable {
    case gathering
    /// Fitted; nil when the labelled probabilities could not calibrate.
    case fitted(NamedClassCalibration?)

    var isFitted: Bool {
        if case .fitted = self { true } else { false }
    }
}

/// A drift pane's multiclass predictions for CBPE: calibrated as they are recorded once the
/// version's calibration is fitted (``ClassCalibrationState``), only counted before it. A
/// window holding any prediction recorded before the calibration has no estimate (its
/// expected confusion matrix would leave those rows out).
struct CalibratedPaneRows: Sendable {
    var calibrated: CalibratedClassProbabilities?
    /// Predictions recorded while the version had no calibration.
    var uncalibrated = 0

    /// Records a prediction: its predicted class and class probabilities (a class the
    /// vector does not name got 0; classes the calibration does not know are ignored, a
    /// predicted class it does not know leaves the row unscored).
    mutating func record(predicted: String, probabilities: [String: Double]?, calibration: NamedClassCalibration?) {
        guard let calibration else {
            uncalibrated += 1
            return
        }
        if calibrated == nil {
            calibrated = try! CalibratedClassProbabilities(classCount: calibration.classes.count, scoreBins: calibration.paneScoreBins)  // 2...50 classes, valid bins
        }
        let vector = probabilities.map { given in calibration.classes.map { given[$0] ?? 0 } } ?? []
        calibrated?.record(predicted: calibration.positions[predicted] ?? -1, probabilities: vector, calibration: calibration.calibration)
    }

    /// Adds another pane's predictions. Calibrated rows of another shape (only a damaged
    /// checkpoint could hold them: a version has one calibration) count as uncalibrated.
    mutating func merge(_ other: CalibratedPaneRows) {
        uncalibrated += other.uncalibrated
        guard let theirs = other.calibrated else { return }
        guard var mine = calibrated else {
            calibrated = theirs
            return
        }
        calibrated = nil  // merged in place, not copied
        do {
            try mine.merge(theirs)
        } catch {
            uncalibrated += Int(theirs.scoredCount + theirs.unscoredCount)
        }
        calibrated = mine
    }

    /// What CBPE estimates from these rows (``EstimatedMulticlassPerformance``).
    var estimate: PerformanceEstimate {
        let basis = EstimateBasis.classProbabilities(scored: Int(calibrated?.scoredCount ?? 0), unscored: Int(calibrated?.unscoredCount ?? 0),
                                                     uncalibrated: uncalibrated)
        guard uncalibrated == 0, let calibrated, let estimated = EstimatedMulticlassPerformance(calibrated) else { return .unavailable(basis) }
        return .multiclass(estimated, basis)
    }
}

extension CalibratedPaneRows {
    func encode(to writer: inout BinaryWriter) {
        writer.writeCounter(uncalibrated)
        writer.writeOptional(calibrated) { $0.write($1) }
    }

    init(from reader: inout BinaryReader) throws {
        uncalibrated = try reader.readCounter()
        calibrated = try reader.readOptional { try $0.read(CalibratedClassProbabilities.self) }
    }
}
