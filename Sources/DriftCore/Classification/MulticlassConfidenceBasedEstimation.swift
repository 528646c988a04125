/// Confidence-based performance estimation (CBPE) for multiclass classifiers: a window's
/// performance estimated from its calibrated class probabilities alone, before its labels
/// arrive.
///
/// Source: NannyML's multiclass CBPE (nannyml/performance_estimation/confidence_based/
/// metrics.py, release 0.13.1). With a row's calibrated probabilities q
/// (``MulticlassCalibration``), a row predicted c is expected to be of class j with
/// probability q_j, so the window's expected confusion matrix has, in row c and column j,
/// the sum of q_j over the rows predicted c (``CalibratedClassProbabilities``). Per class
/// j, one-vs-rest: expected true positives are the (j, j) cell, false positives the rest
/// of row j, false negatives the rest of column j; precision, recall and F1 are those of
/// these expectations (0 on a zero denominator) and are averaged over the classes with
/// equal weight (NannyML's `average="macro"`). Accuracy is the expected share of rows on
/// the diagonal. ROC AUC is the mean over classes of the one-vs-rest area traced by the
/// rows in order of the model's own probability of the class, each adding its calibrated
/// probability to the positives and the rest to the negatives (NannyML's
/// `estimate_roc_auc`), the rows of one histogram bin counting as tied.
///
/// Blind spot, as the binary estimator's: the estimates assume P(class | probabilities)
/// is still what the reference calibration learnt; concept drift that leaves the model's
/// probabilities as they were is not seen.
///
/// Cost: O(k² + k · scoreBins) per estimate for k classes.
public struct EstimatedMulticlassPerformance: Equatable, Sendable {
    public let classCount: Int
    /// Scored predictions behind the estimate.
    public let predictions: UInt64
    /// Per class, one-vs-rest: expected true positives, false positives, false negatives.
    public let truePositives: [Double]
    public let falsePositives: [Double]
    public let falseNegatives: [Double]
    /// Per class, the one-vs-rest ROC AUC; nil when the class's expected positives or
    /// negatives are zero.
    public let classROCAUC: [Double?]

    /// The estimate of a window; nil when it holds no scored prediction.
    public init?(_ window: CalibratedClassProbabilities) {
        guard window.scoredCount > 0 else { return nil }
        let classes = window.classCount
        classCount = classes
        predictions = window.scoredCount
        let cell = { (predicted: Int, actual: Int) in window.expected[predicted * classes + actual] }
        truePositives = (0..<classes).map { cell($0, $0) }
        falsePositives = (0..<classes).map { Double(window.predictedCounts[$0]) - cell($0, $0) }
        falseNegatives = (0..<classes).map { actual in (0..<classes).reduce(0.0) { $1 == actual ? $0 : $0 + cell($1, actual) } }
        classROCAUC = (0..<classes).map { classIndex in
            let bins = classIndex * window.scoreBins ..< (classIndex + 1) * window.scoreBins
            return BinaryConfidenceBasedEstimator.rocAUC(positiveMass: Array(window.rankMass[bins]),
                                                         rowMass: window.rankCounts[bins].map { Double($0) })
        }
    }

    public var accuracy: Double { truePositives.reduce(0, +) / Double(predictions) }

    /// Macro averages over the classes.
    public var precision: Double { macro { Self.ratio(truePositives[$0], truePositives[$0] + falsePositives[$0]) } }
    public var recall: Double { macro { Self.ratio(truePositives[$0], truePositives[$0] + falseNegatives[$0]) } }
    public var f1: Double { macro { Self.ratio(truePositives[$0], truePositives[$0] + 0.5 * (falsePositives[$0] + falseNegatives[$0])) } }

    /// The mean of the classes' one-vs-rest ROC AUC; nil when one of them is undefined
    /// (NannyML's mean is NaN then).
    public var rocAUC: Double? {
        let areas = classROCAUC.compactMap { $0 }
        return areas.count == classCount ? areas.reduce(0, +) / Double(classCount) : nil
    }

    private func macro(_ perClass: (Int) -> Double) -> Double {
        (0..<classCount).reduce(0.0) { $0 + perClass($1) } / Double(classCount)
    }

    private static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator > 0 ? numerator / denominator : 0
    }
}
