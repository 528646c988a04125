/// The scores of a window's predictions per predicted class, labelled or not: what
/// confidence-based performance estimation (``BinaryConfidenceBasedEstimator``) needs of
/// a window, as mergeable counts and sums.
///
/// Per predicted class, an equal-width histogram of the scores on [0, 1] (bin b holds
/// [b/B, (b+1)/B), 1.0 in the last) with each bin's score sum, so that a bin is
/// calibrated at its rows' mean score: exact when a bin's rows share one score, and
/// otherwise off only where the calibration map bends inside the bin. A score outside
/// [0, 1] is clipped into it (counted in ``clippedScoreCount``); a prediction without a
/// score, or with NaN, is counted in ``unscoredCount`` and left out.
///
/// Memory: 4 × `scoreBins` numbers (32 KB with the default 1,000 bins). Update: O(1), no
/// allocation. Merge: O(scoreBins); counts add exactly, sums in floating point.
public struct PredictedScoreHistogram: Equatable, Sendable {
    public static let defaultScoreBins = 1000

    public let scoreBins: Int
    /// Rows and score sums per bin of the predictions of the positive class.
    public private(set) var positiveCounts: [UInt64]
    public private(set) var positiveScoreSums: [Double]
    /// The same for predictions of the negative class.
    public private(set) var negativeCounts: [UInt64]
    public private(set) var negativeScoreSums: [Double]
    public private(set) var unscoredCount: UInt64 = 0
    public private(set) var clippedScoreCount: UInt64 = 0

    public init(scoreBins: Int = defaultScoreBins) throws(OutcomeSummaryError) {
        guard scoreBins >= 1, scoreBins <= 1 << 20 else {
            throw OutcomeSummaryError.invalidConfiguration("scoreBins must be in 1...1048576, got \(scoreBins)")
        }
        self.scoreBins = scoreBins
        positiveCounts = Array(repeating: 0, count: scoreBins)
        negativeCounts = Array(repeating: 0, count: scoreBins)
        positiveScoreSums = Array(repeating: 0, count: scoreBins)
        negativeScoreSums = Array(repeating: 0, count: scoreBins)
    }

    /// Records a prediction; `score` is the model's probability of the positive class.
    public mutating func record(predicted: Bool, score: Double?) {
        guard let score, !score.isNaN else {
            unscoredCount += 1
            return
        }
        if !(0...1).contains(score) { clippedScoreCount += 1 }
        let clipped = min(max(score, 0), 1)
        let bin = BinaryOutcomeSummary.bin(of: clipped, count: scoreBins)
        if predicted {
            positiveCounts[bin] += 1
            positiveScoreSums[bin] += clipped
        } else {
            negativeCounts[bin] += 1
            negativeScoreSums[bin] += clipped
        }
    }

    /// Adds `other`'s predictions (another pane of the same window).
    public mutating func merge(_ other: PredictedScoreHistogram) throws(OutcomeSummaryError) {
        guard other.scoreBins == scoreBins else {
            throw OutcomeSummaryError.incompatibleMerge("score bins \(scoreBins) and \(other.scoreBins)")
        }
        for bin in 0..<scoreBins {
            positiveCounts[bin] += other.positiveCounts[bin]
            positiveScoreSums[bin] += other.positiveScoreSums[bin]
            negativeCounts[bin] += other.negativeCounts[bin]
            negativeScoreSums[bin] += other.negativeScoreSums[bin]
        }
        unscoredCount += other.unscoredCount
        clippedScoreCount += other.clippedScoreCount
    }

    /// Predictions with a usable score.
    public var scoredCount: UInt64 { positiveCounts.reduce(0, +) + negativeCounts.reduce(0, +) }
}

extension PredictedScoreHistogram: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(scoreBins)
        writer.writeCounts(positiveCounts)
        writer.write(positiveScoreSums)
        writer.writeCounts(negativeCounts)
        writer.write(negativeScoreSums)
        writer.writeVarint(unscoredCount)
        writer.writeVarint(clippedScoreCount)
    }

    public init(from reader: inout BinaryReader) throws {
        do {
            try self.init(scoreBins: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        positiveCounts = try reader.readCounts()
        positiveScoreSums = try reader.readDoubles()
        negativeCounts = try reader.readCounts()
        negativeScoreSums = try reader.readDoubles()
        unscoredCount = try reader.readVarint()
        clippedScoreCount = try reader.readVarint()
        guard [positiveCounts.count, positiveScoreSums.count, negativeCounts.count, negativeScoreSums.count].allSatisfy({ $0 == scoreBins })
        else { throw SerializationError.invalidValue("predicted score histogram of the wrong size") }
        let scored = try BinaryOutcomeSummary.boundedTotal(positiveCounts + negativeCounts)
        guard clippedScoreCount <= scored, unscoredCount <= BinaryOutcomeSummary.maximumCount else {
            throw SerializationError.invalidValue("inconsistent predicted score counts")
        }
        for (counts, sums) in [(positiveCounts, positiveScoreSums), (negativeCounts, negativeScoreSums)] {
            for bin in 0..<scoreBins {
                let low = Double(bin) / Double(scoreBins), high = Double(bin + 1) / Double(scoreBins)
                let rows = Double(counts[bin])
                // A bin's sum lies within its rows times its edges (a little slack for rounding).
                guard sums[bin].isFinite, sums[bin] >= rows * low * (1 - 1e-9) - 1e-9, sums[bin] <= rows * high * (1 + 1e-9) + 1e-9 else {
                    throw SerializationError.invalidValue("predicted score sum outside its bin")
                }
            }
        }
    }
}
