import RealModule

/// The outcomes of a binary classifier over a window: what the classification metrics
/// (accuracy, precision, recall, F1, ROC AUC, Brier score, log loss, calibration error)
/// and the fairness metrics need, as mergeable counters and sums.
///
/// A labelled prediction updates the confusion matrix and, with a score, a score
/// histogram per true label, the Brier and log-loss sums and the calibration bins. An
/// unlabelled prediction counts only towards the selection rate, which covers every
/// prediction of the window. Scores are probabilities of the positive class: a score
/// outside [0, 1] is clipped into it (and counted in ``clippedScoreCount``); a NaN score
/// is treated as absent (counted in ``unscoredCount``).
///
/// Memory: 2 × `scoreBins` counts plus a few dozen numbers; `scoreBins = 0` keeps no
/// histogram (then ``rocAUC`` is nil). Update: O(1), no allocation. Merge: counts add
/// exactly; the sums add in floating point.
public struct BinaryOutcomeSummary: Equatable, Sendable {
    public static let defaultScoreBins = 1000
    public static let calibrationBinCount = 10

    /// Equal-width histogram bins on [0, 1] per true label, for ROC AUC.
    public let scoreBins: Int

    public private(set) var truePositives: UInt64 = 0
    public private(set) var falsePositives: UInt64 = 0
    public private(set) var trueNegatives: UInt64 = 0
    public private(set) var falseNegatives: UInt64 = 0
    /// Predictions without a label (yet): they count only for the selection rate.
    public private(set) var unlabelledCount: UInt64 = 0
    public private(set) var unlabelledPositiveCount: UInt64 = 0

    /// Score histograms of the labelled rows; bin b holds scores in [b/B, (b+1)/B), 1.0 in the last.
    public private(set) var positiveScoreHistogram: [UInt64]
    public private(set) var negativeScoreHistogram: [UInt64]
    /// Labelled rows whose score lay outside [0, 1] and was clipped into it.
    public private(set) var clippedScoreCount: UInt64 = 0
    /// Labelled rows without a usable score (none given, or NaN).
    public private(set) var unscoredCount: UInt64 = 0
    /// Σ (label − score)² over scored rows.
    public private(set) var squaredErrorSum: Double = 0
    /// Σ −log(probability given to the true label), probabilities clipped to [ε, 1 − ε].
    public private(set) var logLossSum: Double = 0
    /// Per calibration bin (10 equal-width bins of the score): rows, positives, score sum.
    public var calibrationCounts: [UInt64] { Self.bins(of: calibrationCountLanes) }
    public var calibrationPositives: [UInt64] { Self.bins(of: calibrationPositiveLanes) }
    public var calibrationScoreSums: [Double] { Self.bins(of: calibrationScoreSumLanes) }
    /// The calibration bins' storage: lanes 0–9, lanes 10–15 stay zero. Fixed-size vectors
    /// rather than arrays, so that recording a labelled prediction checks no array for
    /// uniqueness (three checks per record, for the pane's outcome and each fairness group,
    /// were a few % of a replay) and a summary holds three heap blocks fewer. Each lane
    /// adds as the array element did: the same sums, to the bit.
    private(set) var calibrationCountLanes = SIMD16<UInt64>.zero
    private(set) var calibrationPositiveLanes = SIMD16<UInt64>.zero
    private(set) var calibrationScoreSumLanes = SIMD16<Double>.zero

    /// Clip of the log-loss probabilities: machine epsilon, as scikit-learn ≥ 1.5 uses for
    /// float64 (older releases used 1e-15).
    public static let logLossEpsilon = Double.ulpOfOne

    public init(scoreBins: Int = defaultScoreBins) throws(OutcomeSummaryError) {
        guard scoreBins >= 0, scoreBins <= 1 << 20 else {
            throw OutcomeSummaryError.invalidConfiguration("scoreBins must be in 0...1048576, got \(scoreBins)")
        }
        self.scoreBins = scoreBins
        positiveScoreHistogram = Array(repeating: 0, count: scoreBins)
        negativeScoreHistogram = Array(repeating: 0, count: scoreBins)
    }

    private static func bins<Value>(of lanes: SIMD16<Value>) -> [Value] {
        (0..<calibrationBinCount).map { lanes[$0] }
    }

    private static func lanes<Value>(of bins: [Value]) -> SIMD16<Value> {
        var lanes = SIMD16<Value>()
        for (bin, value) in bins.enumerated() { lanes[bin] = value }
        return lanes
    }

    // MARK: Updates

    /// Records a labelled prediction; `score` is the predicted probability of the positive class.
    public mutating func record(label: Bool, predicted: Bool, score: Double? = nil) {
        switch (label, predicted) {
        case (true, true): truePositives += 1
        case (false, true): falsePositives += 1
        case (false, false): trueNegatives += 1
        case (true, false): falseNegatives += 1
        }
        guard let score, !score.isNaN else {
            unscoredCount += 1
            return
        }
        recordScore(min(max(score, 0), 1), label: label, clipped: !(0...1).contains(score))
    }

    /// Records a prediction whose label is not known.
    public mutating func recordUnlabelled(predicted: Bool) {
        unlabelledCount += 1
        if predicted { unlabelledPositiveCount += 1 }
    }

    private mutating func recordScore(_ score: Double, label: Bool, clipped: Bool) {
        if clipped { clippedScoreCount += 1 }
        if scoreBins > 0 {
            let bin = Self.bin(of: score, count: scoreBins)
            if label { positiveScoreHistogram[bin] += 1 } else { negativeScoreHistogram[bin] += 1 }
        }
        let target: Double = label ? 1 : 0
        squaredErrorSum += (target - score) * (target - score)
        let probabilityOfLabel = label ? score : 1 - score
        logLossSum -= Double.log(min(max(probabilityOfLabel, Self.logLossEpsilon), 1 - Self.logLossEpsilon))
        let calibrationBin = Self.bin(of: score, count: Self.calibrationBinCount)
        calibrationCountLanes[calibrationBin] += 1
        if label { calibrationPositiveLanes[calibrationBin] += 1 }
        calibrationScoreSumLanes[calibrationBin] += score
    }

    /// Equal-width bin of a score in [0, 1]: ⌊score · count⌋, with 1.0 in the last bin.
    @inline(__always)
    static func bin(of score: Double, count: Int) -> Int {
        min(Int(score * Double(count)), count - 1)
    }

    /// Adds `other`'s outcomes (another pane of the same window).
    public mutating func merge(_ other: BinaryOutcomeSummary) throws(OutcomeSummaryError) {
        guard other.scoreBins == scoreBins else {
            throw OutcomeSummaryError.incompatibleMerge("score bins \(scoreBins) and \(other.scoreBins)")
        }
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        trueNegatives += other.trueNegatives
        falseNegatives += other.falseNegatives
        unlabelledCount += other.unlabelledCount
        unlabelledPositiveCount += other.unlabelledPositiveCount
        Self.add(other.positiveScoreHistogram, to: &positiveScoreHistogram)
        Self.add(other.negativeScoreHistogram, to: &negativeScoreHistogram)
        clippedScoreCount += other.clippedScoreCount
        unscoredCount += other.unscoredCount
        squaredErrorSum += other.squaredErrorSum
        logLossSum += other.logLossSum
        calibrationCountLanes &+= other.calibrationCountLanes  // bounded far below 2^64 (see `maximumCount`)
        calibrationPositiveLanes &+= other.calibrationPositiveLanes
        calibrationScoreSumLanes += other.calibrationScoreSumLanes
    }

    /// Adds histogram counts bin by bin (through buffer pointers: a loop the compiler
    /// vectorises; the totals are bounded far below 2^64, see ``maximumCount``).
    private static func add(_ addend: [UInt64], to values: inout [UInt64]) {
        values.withUnsafeMutableBufferPointer { values in
            addend.withUnsafeBufferPointer { addend in
                for index in values.indices { values[index] &+= addend[index] }
            }
        }
    }

    // MARK: Counts

    /// Labelled predictions.
    public var labelledCount: UInt64 { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// All predictions, labelled or not.
    public var predictionCount: UInt64 { labelledCount + unlabelledCount }
    /// Positive predictions, labelled or not.
    public var predictedPositiveCount: UInt64 { truePositives + falsePositives + unlabelledPositiveCount }
    public var actualPositives: UInt64 { truePositives + falseNegatives }
    public var actualNegatives: UInt64 { trueNegatives + falsePositives }
    /// Labelled rows with a usable score.
    public var scoredCount: UInt64 { labelledCount - unscoredCount }

    // MARK: Metrics
    //
    // Undefined cases: precision, recall, false-positive rate and F1 are 0 when their
    // denominator is 0 (scikit-learn's `zero_division=0`; Fairlearn's rates do the same).
    // Accuracy and the selection rate are nil for an empty window; the score metrics are
    // nil without scored rows, and ROC AUC also when only one class is present (where
    // scikit-learn raises).

    /// (TP + TN) / labelled.
    public var accuracy: Double? { Self.ratio(truePositives + trueNegatives, labelledCount) }
    /// TP / (TP + FP).
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) ?? 0 }
    /// TP / (TP + FN), the true-positive rate.
    public var recall: Double { Self.ratio(truePositives, actualPositives) ?? 0 }
    /// FP / (FP + TN).
    public var falsePositiveRate: Double { Self.ratio(falsePositives, actualNegatives) ?? 0 }
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall.
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) ?? 0 }
    /// Positive predictions / all predictions (labelled or not).
    public var selectionRate: Double? { Self.ratio(predictedPositiveCount, predictionCount) }
    /// Mean squared error of the scores (scikit-learn's `brier_score_loss`).
    public var brierScore: Double? { scoredCount == 0 ? nil : squaredErrorSum / Double(scoredCount) }
    /// Mean cross-entropy of the scores (scikit-learn's `log_loss`).
    public var logLoss: Double? { scoredCount == 0 ? nil : logLossSum / Double(scoredCount) }

    static func ratio(_ numerator: UInt64, _ denominator: UInt64) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }
}

/// Why a summary could not be built or merged.
public enum OutcomeSummaryError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)
    case incompatibleMerge(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(reason): "invalid summary configuration: \(reason)"
        case let .incompatibleMerge(reason): "cannot merge summaries with different \(reason)"
        }
    }
}

extension BinaryOutcomeSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(scoreBins)
        for count in [truePositives, falsePositives, trueNegatives, falseNegatives, unlabelledCount,
                      unlabelledPositiveCount, clippedScoreCount, unscoredCount] {
            writer.writeVarint(count)
        }
        writer.writeCounts(positiveScoreHistogram)
        writer.writeCounts(negativeScoreHistogram)
        writer.write(squaredErrorSum)
        writer.write(logLossSum)
        writer.writeCounts(calibrationCounts)
        writer.writeCounts(calibrationPositives)
        writer.write(calibrationScoreSums)
    }

    public init(from reader: inout BinaryReader) throws {
        do {
            try self.init(scoreBins: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        truePositives = try reader.readVarint()
        falsePositives = try reader.readVarint()
        trueNegatives = try reader.readVarint()
        falseNegatives = try reader.readVarint()
        unlabelledCount = try reader.readVarint()
        unlabelledPositiveCount = try reader.readVarint()
        clippedScoreCount = try reader.readVarint()
        unscoredCount = try reader.readVarint()
        positiveScoreHistogram = try reader.readOutcomeCounts(expecting: scoreBins)
        negativeScoreHistogram = try reader.readOutcomeCounts(expecting: scoreBins)
        squaredErrorSum = try reader.readDouble()
        logLossSum = try reader.readDouble()
        let calibrationCounts = try reader.readOutcomeCounts(expecting: Self.calibrationBinCount)
        let calibrationPositives = try reader.readOutcomeCounts(expecting: Self.calibrationBinCount)
        let calibrationScoreSums = try reader.readDoubles()
        guard calibrationScoreSums.count == Self.calibrationBinCount else {
            throw SerializationError.invalidValue("\(calibrationScoreSums.count) calibration sums")
        }
        calibrationCountLanes = Self.lanes(of: calibrationCounts)
        calibrationPositiveLanes = Self.lanes(of: calibrationPositives)
        calibrationScoreSumLanes = Self.lanes(of: calibrationScoreSums)
        // Bounding every total first keeps the checks below (and later merges) free of overflow.
        let predictions = try Self.boundedTotal(
            [truePositives, falsePositives, trueNegatives, falseNegatives, unlabelledCount])
        let scored = try Self.boundedTotal(calibrationCounts)
        let histogrammed = try Self.boundedTotal(positiveScoreHistogram + negativeScoreHistogram)
        guard predictions - unlabelledCount >= unscoredCount, unlabelledPositiveCount <= unlabelledCount,
              clippedScoreCount <= scored, scored == labelledCount - unscoredCount,
              scoreBins == 0 || histogrammed == scored,
              zip(calibrationPositives, calibrationCounts).allSatisfy({ $0 <= $1 })
        else { throw SerializationError.invalidValue("inconsistent outcome counts") }
    }

    /// More events than any window can hold (2^53, also the largest count a Double holds
    /// exactly); decoding rejects larger totals, so counts never overflow.
    static let maximumCount: UInt64 = 1 << 53

    static func boundedTotal(_ counts: [UInt64]) throws -> UInt64 {
        var total: UInt64 = 0
        for count in counts {
            guard count <= maximumCount - total else {
                throw SerializationError.invalidValue("count total exceeds \(maximumCount)")
            }
            total += count
        }
        return total
    }
}

extension BinaryReader {
    /// Counts written by `writeCounts`, which must number exactly `expected`.
    fileprivate mutating func readOutcomeCounts(expecting expected: Int) throws -> [UInt64] {
        let counts = try readCounts()
        guard counts.count == expected else {
            throw SerializationError.invalidValue("expected \(expected) counts, found \(counts.count)")
        }
        return counts
    }
}
