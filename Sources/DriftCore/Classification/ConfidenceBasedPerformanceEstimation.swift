/// Confidence-based performance estimation (CBPE) for binary classifiers: performance
/// estimated from a window's scores alone, before its labels arrive.
///
/// Source: NannyML's CBPE (nannyml/performance_estimation/confidence_based/, release
/// 0.13.1). The scores are calibrated on a labelled reference (``IsotonicCalibration``);
/// a calibrated probability p is then the chance that its row is positive, so a row
/// predicted positive is an expected p true positives and 1 − p false positives, and one
/// predicted negative p false negatives and 1 − p true negatives. Accuracy, precision,
/// recall and F1 are those of the expected confusion matrix (0 on a zero denominator, as
/// NannyML); ROC AUC is the area under the curve traced by the rows in order of score,
/// each adding p to the positives and 1 − p to the negatives (NannyML's
/// `estimate_roc_auc`), here over ``PredictedScoreHistogram``'s bins, rows of one bin
/// counting as tied (half a concordant pair).
///
/// Differences from NannyML: it always calibrates (NannyML first checks, by a randomised
/// cross-validated comparison of calibration errors, whether calibration helps); a bin is
/// calibrated at its mean score; and ROC AUC treats a bin's rows as tied, which moves it
/// by at most half the share of positive–negative mass within one bin.
///
/// Blind spot (inherent to the method): the estimates assume the calibration learnt on the
/// reference still holds, i.e. that P(label | score) has not changed. Covariate shift,
/// which moves scores along the calibration curve, is estimated well; concept drift that
/// changes the outcome for the same scores leaves the estimates unmoved.
///
/// The multiclass estimator is ``EstimatedMulticlassPerformance``.
///
/// Cost: O(scoreBins × log knots) per estimate; no memory beyond the result.
public struct BinaryConfidenceBasedEstimator: Equatable, Sendable {
    public let calibration: IsotonicCalibration

    public init(calibration: IsotonicCalibration) {
        self.calibration = calibration
    }

    /// The estimated performance of a window; nil when it holds no scored prediction.
    public func estimate(_ window: PredictedScoreHistogram) -> EstimatedBinaryPerformance? {
        var estimate = EstimatedBinaryPerformance()
        // Per bin, the expected positives among all its rows (for ROC AUC) and its rows.
        var positiveMass = Array(repeating: 0.0, count: window.scoreBins)
        var rowMass = Array(repeating: 0.0, count: window.scoreBins)
        for bin in 0..<window.scoreBins {
            if window.positiveCounts[bin] > 0 {
                let rows = Double(window.positiveCounts[bin])
                let positives = rows * calibration.probability(of: window.positiveScoreSums[bin] / rows)
                estimate.truePositives += positives
                estimate.falsePositives += rows - positives
                positiveMass[bin] += positives
                rowMass[bin] += rows
            }
            if window.negativeCounts[bin] > 0 {
                let rows = Double(window.negativeCounts[bin])
                let positives = rows * calibration.probability(of: window.negativeScoreSums[bin] / rows)
                estimate.falseNegatives += positives
                estimate.trueNegatives += rows - positives
                positiveMass[bin] += positives
                rowMass[bin] += rows
            }
        }
        estimate.predictions = window.scoredCount
        guard estimate.predictions > 0 else { return nil }
        estimate.rocAUC = Self.rocAUC(positiveMass: positiveMass, rowMass: rowMass)
        return estimate
    }

    /// Mann–Whitney over weighted bins in ascending score order, ties counting ½; nil when
    /// either mass is zero. (Also the one-vs-rest curve of ``EstimatedMulticlassPerformance``.)
    static func rocAUC(positiveMass: [Double], rowMass: [Double]) -> Double? {
        var concordant = 0.0
        var negativesBelow = 0.0
        for bin in positiveMass.indices {
            let negatives = max(rowMass[bin] - positiveMass[bin], 0)
            concordant += positiveMass[bin] * (negativesBelow + 0.5 * negatives)
            negativesBelow += negatives
        }
        let positives = positiveMass.reduce(0, +)
        guard positives > 0, negativesBelow > 0 else { return nil }
        return concordant / (positives * negativesBelow)
    }
}

/// A window's expected confusion matrix (in expected rows) and the metrics it gives.
public struct EstimatedBinaryPerformance: Equatable, Sendable {
    public var truePositives = 0.0
    public var falsePositives = 0.0
    public var trueNegatives = 0.0
    public var falseNegatives = 0.0
    /// Nil when the expected positives or negatives are zero.
    public var rocAUC: Double?

    /// Scored predictions behind the estimate (the four cells add up to it).
    public var predictions: UInt64 = 0
    public var accuracy: Double { (truePositives + trueNegatives) / Double(predictions) }
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { Self.ratio(truePositives, truePositives + 0.5 * (falsePositives + falseNegatives)) }

    private static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator > 0 ? numerator / denominator : 0
    }
}
