/// Isotonic calibration of a binary classifier's scores: the non-decreasing fit of the
/// labels on the scores by pool-adjacent-violators (Ayer, Brunk, Ewing, Reid & Silverman,
/// Ann. Math. Statist. 1955), with the conventions of scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip")`, which NannyML's CBPE calibrates with:
/// equal scores are pooled first (label mean, weighted by their rows); of each constant
/// block of the fit only its first and last score are kept as knots; a score is mapped by
/// linear interpolation between the knots, and clipped into the fitted range first.
///
/// Cost: fitting n weighted points O(n log n) (the sort) plus O(n) for the pooling;
/// calibrating one score O(log k) for k knots (k ≤ 2 × the number of distinct fitted
/// levels, at most n); memory 2k numbers.
public struct IsotonicCalibration: Equatable, Sendable {
    /// Knot scores, strictly increasing, and the calibrated probability at each.
    public let knotScores: [Double]
    public let knotProbabilities: [Double]

    /// Scores (with their rows and how many of them were positive) to fit on.
    public struct WeightedScore: Equatable, Sendable {
        public var score: Double
        public var rows: Double
        public var positives: Double

        public init(score: Double, rows: Double, positives: Double) {
            self.score = score
            self.rows = rows
            self.positives = positives
        }
    }

    /// Fits on labelled rows.
    public init(scores: [Double], labels: [Bool]) throws(CalibrationError) {
        guard scores.count == labels.count else {
            throw CalibrationError.invalidInput("\(scores.count) scores for \(labels.count) labels")
        }
        try self.init(weighted: zip(scores, labels).map { WeightedScore(score: $0, rows: 1, positives: $1 ? 1 : 0) })
    }

    /// Fits on weighted scores; points of no rows are left out.
    public init(weighted points: [WeightedScore]) throws(CalibrationError) {
        let used = points.filter { $0.rows > 0 }
        guard !used.isEmpty else { throw CalibrationError.invalidInput("no scores to calibrate on") }
        if let bad = used.first(where: { !$0.score.isFinite || !($0.positives >= 0 && $0.positives <= $0.rows) }) {
            throw CalibrationError.invalidInput("score \(bad.score) with \(bad.positives) positives of \(bad.rows) rows")
        }
        (knotScores, knotProbabilities) = Self.fit(used)
    }

    /// Fits on a reference's score histograms per true label (``BinaryOutcomeSummary``),
    /// each bin's rows placed at the bin's midpoint: an approximation of the fit on the rows
    /// themselves, within half a bin width in score.
    public init(outcomes: BinaryOutcomeSummary) throws(CalibrationError) {
        let bins = outcomes.scoreBins
        guard bins > 0 else { throw CalibrationError.invalidInput("the outcome summary keeps no score histogram") }
        try self.init(weighted: (0..<bins).map { bin in
            let positives = Double(outcomes.positiveScoreHistogram[bin])
            return WeightedScore(score: (Double(bin) + 0.5) / Double(bins),
                                 rows: positives + Double(outcomes.negativeScoreHistogram[bin]), positives: positives)
        })
    }

    /// Pools equal scores, then adjacent violators; returns the knots.
    private static func fit(_ points: [WeightedScore]) -> ([Double], [Double]) {
        // Distinct scores in order, each with its rows and positives.
        var scores: [Double] = []
        var rows: [Double] = []
        var positives: [Double] = []
        for point in points.sorted(by: { $0.score < $1.score }) {
            if scores.last == point.score {
                rows[rows.count - 1] += point.rows
                positives[positives.count - 1] += point.positives
            } else {
                scores.append(point.score)
                rows.append(point.rows)
                positives.append(point.positives)
            }
        }
        // Blocks of consecutive distinct scores: the first score's index, weight, weighted label sum.
        var blockStarts: [Int] = []
        var blockWeights: [Double] = []
        var blockSums: [Double] = []
        for index in scores.indices {
            blockStarts.append(index)
            blockWeights.append(rows[index])
            blockSums.append(positives[index])
            // Pool while the previous block's mean is not below the last one's (as scikit-learn, ties pool).
            while blockStarts.count >= 2 {
                let last = blockStarts.count - 1
                guard blockSums[last - 1] * blockWeights[last] >= blockSums[last] * blockWeights[last - 1] else { break }
                blockWeights[last - 1] += blockWeights[last]
                blockSums[last - 1] += blockSums[last]
                blockStarts.removeLast()
                blockWeights.removeLast()
                blockSums.removeLast()
            }
        }
        var knotScores: [Double] = []
        var knotProbabilities: [Double] = []
        for block in blockStarts.indices {
            let level = min(max(blockSums[block] / blockWeights[block], 0), 1)
            let first = blockStarts[block]
            let last = block + 1 < blockStarts.count ? blockStarts[block + 1] - 1 : scores.count - 1
            for index in first == last ? [first] : [first, last] {
                knotScores.append(scores[index])
                knotProbabilities.append(level)
            }
        }
        return (knotScores, knotProbabilities)
    }

    /// The calibrated probability of a score: linear between knots, clipped to the fitted range.
    public func probability(of score: Double) -> Double {
        guard score > knotScores[0] else { return knotProbabilities[0] }
        guard score < knotScores[knotScores.count - 1] else { return knotProbabilities[knotProbabilities.count - 1] }
        // The first knot above the score (binary search).
        var low = 0
        var high = knotScores.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if knotScores[middle] <= score { low = middle } else { high = middle }
        }
        let fraction = (score - knotScores[low]) / (knotScores[high] - knotScores[low])
        return knotProbabilities[low] + fraction * (knotProbabilities[high] - knotProbabilities[low])
    }
}

/// Why a calibration could not be fitted.
public enum CalibrationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidInput(reason): "cannot calibrate: \(reason)"
        }
    }
}
