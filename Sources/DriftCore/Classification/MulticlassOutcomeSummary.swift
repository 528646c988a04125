import RealModule

/// The outcomes of a multiclass classifier over a window: a confusion matrix over named
/// classes (integer classes by their text), and with class-probability vectors the
/// log-loss and Brier sums, as mergeable counts and sums.
///
/// Sources: scikit-learn's `confusion_matrix`, `accuracy_score`,
/// `precision_recall_fscore_support` (per class, and `average="macro"`, `"micro"` and
/// `"weighted"` over the union of the true and predicted classes, `zero_division=0`),
/// `log_loss` (−log of the probability given to the true class, clipped to [ε, 1 − ε]
/// with ε the float64 machine epsilon) and the multiclass Brier score of Brier (1950),
/// Σₖ (pₖ − [y = k])² averaged over rows, as scikit-learn ≥ 1.7's `brier_score_loss`;
/// per-class calibration is the one-vs-rest expected calibration error of each class's
/// probability over the rows whose vector names it (the bins of
/// ``BinaryOutcomeSummary/expectedCalibrationError``).
///
/// Bounded: at most `maximumClasses` classes; a row whose true or predicted class would
/// be one more is counted in ``overflowCount`` and left out of every metric. A
/// probability vector with a negative or non-finite entry is left out of the probability
/// metrics and counted in ``invalidProbabilityCount``; classes named only in probability
/// vectors are calibrated up to `maximumClasses` too (further ones counted in
/// ``calibrationOverflowCount``). Memory: `maximumClasses`² counts at most (k² for k
/// classes seen), plus 30 numbers per calibrated class. Update: two dictionary lookups and no allocation
/// for known classes (a new class grows the matrix, O(k)), plus a lookup per entry of the
/// probability vector; merge: O(k²).
public struct MulticlassOutcomeSummary: Equatable, Sendable {
    public static let defaultMaximumClasses = 50

    public let maximumClasses: Int
    /// The classes in order of first appearance; the confusion matrix is indexed by it.
    public private(set) var classes: [String] = []
    private var classIndex: [String: Int] = [:]
    /// confusion[true][predicted]: rows of each true class by predicted class.
    public private(set) var confusion: [[UInt64]] = []
    /// Rows left out because a class did not fit under `maximumClasses`.
    public private(set) var overflowCount: UInt64 = 0
    /// Rows with a usable probability vector.
    public private(set) var probabilityCount: UInt64 = 0
    /// Rows whose probability vector had a negative or non-finite entry.
    public private(set) var invalidProbabilityCount: UInt64 = 0
    /// Σ −log(clip(probability of the true class)).
    public private(set) var logLossSum: Double = 0
    /// Σ Σₖ (pₖ − [y = k])².
    public private(set) var brierSum: Double = 0
    /// Per class named in probability vectors: its probabilities' calibration bins.
    public private(set) var calibration: [String: CalibrationBins] = [:]
    /// Probabilities of classes that did not fit under `maximumClasses` in ``calibration``.
    public private(set) var calibrationOverflowCount: UInt64 = 0

    /// One class's probabilities in 10 equal-width bins: rows, rows of that true class,
    /// probability sums.
    public struct CalibrationBins: Equatable, Sendable {
        public fileprivate(set) var counts = [UInt64](repeating: 0, count: BinaryOutcomeSummary.calibrationBinCount)
        public fileprivate(set) var positives = [UInt64](repeating: 0, count: BinaryOutcomeSummary.calibrationBinCount)
        public fileprivate(set) var probabilitySums = [Double](repeating: 0, count: BinaryOutcomeSummary.calibrationBinCount)

        fileprivate mutating func record(_ probability: Double, isTrueClass: Bool) {
            let bin = BinaryOutcomeSummary.bin(of: min(probability, 1), count: BinaryOutcomeSummary.calibrationBinCount)
            counts[bin] += 1
            positives[bin] += isTrueClass ? 1 : 0
            probabilitySums[bin] += probability
        }

        fileprivate mutating func merge(_ other: CalibrationBins) {
            for bin in counts.indices {
                counts[bin] += other.counts[bin]
                positives[bin] += other.positives[bin]
                probabilitySums[bin] += other.probabilitySums[bin]
            }
        }

        /// Σ_b (n_b / n) · |share of the class_b − mean probability_b|; nil without rows.
        public var expectedCalibrationError: Double? {
            let total = Double(counts.reduce(0, +))
            guard total > 0 else { return nil }
            return counts.indices.filter { counts[$0] > 0 }.reduce(0.0) { error, bin in
                let count = Double(counts[bin])
                return error + count / total * abs(Double(positives[bin]) / count - probabilitySums[bin] / count)
            }
        }
    }

    public init(maximumClasses: Int = defaultMaximumClasses) throws(OutcomeSummaryError) {
        guard maximumClasses >= 2, maximumClasses <= 1000 else {
            throw .invalidConfiguration("maximumClasses must be in 2...1000, got \(maximumClasses)")
        }
        self.maximumClasses = maximumClasses
    }

    // MARK: Updates

    /// Records a labelled prediction; `probabilities` maps classes to the probabilities
    /// the model gave them (a class it does not name got 0).
    public mutating func record(label: String, predicted: String, probabilities: [String: Double]? = nil) {
        guard record(label: label, predicted: predicted, count: 1), let probabilities else { return }
        guard probabilities.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            invalidProbabilityCount += 1
            return
        }
        probabilityCount += 1
        let ofLabel = probabilities[label] ?? 0
        logLossSum -= Double.log(min(max(ofLabel, BinaryOutcomeSummary.logLossEpsilon), 1 - BinaryOutcomeSummary.logLossEpsilon))
        var squares = probabilities[label] == nil ? 1.0 : 0.0
        // In class order, not the dictionary's (which differs between runs): the sum's
        // rounding, and which classes the calibration cap admits, must not change.
        for (name, probability) in probabilities.sorted(by: { $0.key < $1.key }) {
            let target: Double = name == label ? 1 : 0
            squares += (probability - target) * (probability - target)
            calibrate(name, probability: probability, isTrueClass: name == label)
        }
        brierSum += squares
    }

    private mutating func calibrate(_ name: String, probability: Double, isTrueClass: Bool) {
        if let index = calibration.index(forKey: name) {
            calibration.values[index].record(probability, isTrueClass: isTrueClass)
        } else if calibration.count < maximumClasses {
            var bins = CalibrationBins()
            bins.record(probability, isTrueClass: isTrueClass)
            calibration[name] = bins
        } else {
            calibrationOverflowCount += 1
        }
    }

    /// Adds `count` rows to a cell; false (and counted as overflow) when a class does not fit.
    @discardableResult
    private mutating func record(label: String, predicted: String, count: UInt64) -> Bool {
        if let trueIndex = classIndex[label], let predictedIndex = classIndex[predicted] {
            confusion[trueIndex][predictedIndex] += count
            return true
        }
        let needed = Set([label, predicted].filter { classIndex[$0] == nil })
        guard classes.count + needed.count <= maximumClasses else {
            overflowCount += count
            return false
        }
        for name in needed.sorted() { addClass(name) }
        confusion[classIndex[label]!][classIndex[predicted]!] += count
        return true
    }

    private mutating func addClass(_ name: String) {
        classIndex[name] = classes.count
        classes.append(name)
        for row in confusion.indices { confusion[row].append(0) }
        confusion.append(Array(repeating: 0, count: classes.count))
    }

    /// Adds `other`'s outcomes (another pane of the same window); cells of classes that
    /// no longer fit go to the overflow count.
    public mutating func merge(_ other: MulticlassOutcomeSummary) throws(OutcomeSummaryError) {
        guard other.maximumClasses == maximumClasses else {
            throw .incompatibleMerge("class caps \(maximumClasses) and \(other.maximumClasses)")
        }
        for (trueIndex, row) in other.confusion.enumerated() {
            for (predictedIndex, count) in row.enumerated() where count > 0 {
                record(label: other.classes[trueIndex], predicted: other.classes[predictedIndex], count: count)
            }
        }
        overflowCount += other.overflowCount
        probabilityCount += other.probabilityCount
        invalidProbabilityCount += other.invalidProbabilityCount
        logLossSum += other.logLossSum
        brierSum += other.brierSum
        calibrationOverflowCount += other.calibrationOverflowCount
        for (name, bins) in other.calibration.sorted(by: { $0.key < $1.key }) {
            if let index = calibration.index(forKey: name) {
                calibration.values[index].merge(bins)
            } else if calibration.count < maximumClasses {
                calibration[name] = bins
            } else {
                calibrationOverflowCount += bins.counts.reduce(0, +)
            }
        }
    }

    // MARK: Metrics

    /// One class's precision, recall and F1 (0 for a zero denominator) and its support
    /// (rows whose true class it is).
    public struct ClassMetrics: Equatable, Sendable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: UInt64
    }

    /// Labelled rows in the confusion matrix.
    public var labelledCount: UInt64 { confusion.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Correct predictions / labelled rows; nil for an empty window.
    public var accuracy: Double? {
        BinaryOutcomeSummary.ratio(classes.indices.reduce(0) { $0 + confusion[$1][$1] }, labelledCount)
    }

    /// Per class, in name order (scikit-learn's sorted labels).
    public var perClass: [ClassMetrics] {
        classes.indices.sorted { classes[$0] < classes[$1] }.map { index in
            let truePositives = confusion[index][index]
            let predicted = confusion.reduce(0) { $0 + $1[index] }
            let support = confusion[index].reduce(0, +)
            return ClassMetrics(
                name: classes[index],
                precision: BinaryOutcomeSummary.ratio(truePositives, predicted) ?? 0,
                recall: BinaryOutcomeSummary.ratio(truePositives, support) ?? 0,
                f1: BinaryOutcomeSummary.ratio(2 * truePositives, predicted + support) ?? 0,
                support: support)
        }
    }

    /// Precision, recall and F1 averaged over the classes.
    public struct Averages: Equatable, Sendable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    /// Unweighted mean over the classes seen (true or predicted); nil for an empty window.
    public var macro: Averages? {
        let metrics = perClass
        guard labelledCount > 0 else { return nil }
        let count = Double(metrics.count)
        return Averages(precision: metrics.map(\.precision).reduce(0, +) / count, recall: metrics.map(\.recall).reduce(0, +) / count,
                        f1: metrics.map(\.f1).reduce(0, +) / count)
    }

    /// Mean weighted by support; nil for an empty window.
    public var weighted: Averages? {
        let total = Double(labelledCount)
        guard total > 0 else { return nil }
        let metrics = perClass
        func average(_ value: KeyPath<ClassMetrics, Double>) -> Double {
            metrics.reduce(0) { $0 + $1[keyPath: value] * Double($1.support) } / total
        }
        return Averages(precision: average(\.precision), recall: average(\.recall), f1: average(\.f1))
    }

    /// Global counts: every row is one true positive or one false positive and one false
    /// negative, so micro precision, recall and F1 all equal the accuracy.
    public var micro: Averages? { accuracy.map { Averages(precision: $0, recall: $0, f1: $0) } }

    /// Mean cross-entropy of the probability vectors; nil without any.
    public var logLoss: Double? { probabilityCount == 0 ? nil : logLossSum / Double(probabilityCount) }

    /// Mean multiclass Brier score of the probability vectors; nil without any.
    public var brierScore: Double? { probabilityCount == 0 ? nil : brierSum / Double(probabilityCount) }

    /// Each calibrated class's one-vs-rest expected calibration error, in name order.
    public var perClassCalibrationError: [(name: String, error: Double)] {
        calibration.sorted { $0.key < $1.key }.compactMap { name, bins in bins.expectedCalibrationError.map { (name, $0) } }
    }
}

extension MulticlassOutcomeSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(maximumClasses)
        writer.writeCount(classes.count)
        for name in classes { writer.write(name) }
        for row in confusion { writer.writeCounts(row) }
        for count in [overflowCount, probabilityCount, invalidProbabilityCount] { writer.writeVarint(count) }
        writer.write(logLossSum)
        writer.write(brierSum)
        writer.writeVarint(calibrationOverflowCount)
        writer.writeCount(calibration.count)
        for (name, bins) in calibration.sorted(by: { $0.key < $1.key }) {
            writer.write(name)
            writer.writeCounts(bins.counts)
            writer.writeCounts(bins.positives)
            writer.write(bins.probabilitySums)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        do {
            try self.init(maximumClasses: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        let count = try reader.readCount(maximum: maximumClasses)
        for _ in 0..<count {
            let name = try reader.readString()
            guard classIndex[name] == nil else { throw SerializationError.invalidValue("duplicate class \(name)") }
            addClass(name)
        }
        for row in 0..<count {
            let counts = try reader.readCounts()
            guard counts.count == count else { throw SerializationError.invalidValue("confusion row of \(counts.count), expected \(count)") }
            confusion[row] = counts
        }
        overflowCount = try reader.readVarint()
        probabilityCount = try reader.readVarint()
        invalidProbabilityCount = try reader.readVarint()
        logLossSum = try reader.readDouble()
        brierSum = try reader.readDouble()
        calibrationOverflowCount = try reader.readVarint()
        for _ in 0..<(try reader.readCount(maximum: maximumClasses)) {
            let name = try reader.readString()
            let bins = CalibrationBins(counts: try reader.readCounts(), positives: try reader.readCounts(), probabilitySums: try reader.readDoubles())
            guard [bins.counts.count, bins.positives.count, bins.probabilitySums.count].allSatisfy({ $0 == BinaryOutcomeSummary.calibrationBinCount }),
                  zip(bins.positives, bins.counts).allSatisfy({ $0 <= $1 }), try BinaryOutcomeSummary.boundedTotal(bins.counts) <= probabilityCount,
                  calibration.updateValue(bins, forKey: name) == nil
            else { throw SerializationError.invalidValue("invalid calibration of class \(name)") }
        }
        let rows = try BinaryOutcomeSummary.boundedTotal(confusion.flatMap { $0 })
        guard try BinaryOutcomeSummary.boundedTotal([probabilityCount, invalidProbabilityCount]) <= rows,
              logLossSum >= 0, brierSum >= 0
        else { throw SerializationError.invalidValue("inconsistent multiclass outcome counts") }
    }
}
