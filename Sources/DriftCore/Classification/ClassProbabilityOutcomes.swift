/// A multiclass classifier's labelled class probabilities as mergeable histograms: what
/// its CBPE calibration (``MulticlassCalibration``) is fitted on, and its realized
/// one-vs-rest ROC AUC, without keeping the rows.
///
/// Source: NannyML 0.13.1's multiclass CBPE fits one isotonic calibration per class on the
/// reference rows, one-vs-rest (`_fit_calibrators`); scikit-learn's
/// `roc_auc_score(multi_class="ovr", average="macro")` is the realized ROC AUC. Kept per
/// class named in a probability vector: an equal-width histogram of its probability on
/// [0, 1] with each bin's rows, rows of that true class and probability sum. A calibration
/// is fitted on the bins, each at its mean probability: exactly the fit on the rows when
/// each distinct probability has a bin of its own (probabilities with up to three
/// decimals, with the default 1,000 bins), and within a bin's width of it otherwise.
/// Rows whose vector does not name a class gave it probability 0 (as the events say); they
/// are counted from the labelled rows and true classes, not stored.
///
/// Bounded: at most `maximumClasses` classes (named in vectors, or true classes); a
/// further class's probabilities and labels are counted in ``overflowCount``. A vector with
/// a negative or non-finite entry is left out and counted in ``invalidCount``;
/// probabilities above 1 fall in the last bin. Memory: 3 × `scoreBins` numbers per class
/// named in a vector (24 KB per class with the default bins) and a count per true class.
/// Update: O(entries of the vector), no allocation for known classes; merge:
/// O(classes × scoreBins).
public struct ClassProbabilityOutcomes: Equatable, Sendable {
    public static let defaultScoreBins = 1000

    public let scoreBins: Int
    public let maximumClasses: Int
    /// Labelled rows recorded (with a usable vector).
    public private(set) var rows: UInt64 = 0
    /// Rows per true class.
    public private(set) var labelCounts: [String: UInt64] = [:]
    /// Per class named in a vector: its probability histogram.
    public private(set) var histograms: [String: Histogram] = [:]
    /// Rows whose vector had a negative or non-finite entry.
    public private(set) var invalidCount: UInt64 = 0
    /// Probabilities and labels of classes beyond `maximumClasses`, left out.
    public private(set) var overflowCount: UInt64 = 0

    /// One class's probabilities: per bin, rows, rows of that true class, probability sum.
    public struct Histogram: Equatable, Sendable {
        public fileprivate(set) var rows: [UInt64]
        public fileprivate(set) var positives: [UInt64]
        public fileprivate(set) var sums: [Double]

        init(bins: Int) {
            rows = Array(repeating: 0, count: bins)
            positives = Array(repeating: 0, count: bins)
            sums = Array(repeating: 0, count: bins)
        }
    }

    public init(scoreBins: Int = defaultScoreBins, maximumClasses: Int = MulticlassOutcomeSummary.defaultMaximumClasses) throws(OutcomeSummaryError) {
        guard scoreBins >= 1, scoreBins <= 1 << 16 else { throw OutcomeSummaryError.invalidConfiguration("scoreBins must be in 1...65536, got \(scoreBins)") }
        guard maximumClasses >= 2 else { throw OutcomeSummaryError.invalidConfiguration("maximumClasses must be at least 2, got \(maximumClasses)") }
        self.scoreBins = scoreBins
        self.maximumClasses = maximumClasses
    }

    /// The classes a calibration covers: those named in probability vectors, sorted (the
    /// order NannyML gives its probability columns).
    public var classes: [String] { histograms.keys.sorted() }

    /// Records a labelled row: its true class and the model's probability of each class (a
    /// class it does not name got 0).
    public mutating func record(label: String, probabilities: [String: Double]) {
        guard probabilities.values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            invalidCount += 1
            return
        }
        rows += 1
        if labelCounts[label] != nil || admits(label) { labelCounts[label, default: 0] += 1 } else { overflowCount += 1 }
        // In name order: which classes fit under the cap must not depend on hashing.
        for (name, probability) in probabilities.sorted(by: { $0.key < $1.key }) {
            guard histograms[name] != nil || admits(name) else {
                overflowCount += 1
                continue
            }
            let bin = BinaryOutcomeSummary.bin(of: min(probability, 1), count: scoreBins)
            histograms[name, default: Histogram(bins: scoreBins)].rows[bin] += 1
            histograms[name]!.sums[bin] += probability
            if name == label { histograms[name]!.positives[bin] += 1 }
        }
    }

    /// Whether a class not yet known fits under the cap.
    private func admits(_ name: String) -> Bool {
        Set(labelCounts.keys).union(histograms.keys).count < maximumClasses
    }

    /// Adds `other`'s rows (another part of the same reference).
    public mutating func merge(_ other: ClassProbabilityOutcomes) throws(OutcomeSummaryError) {
        guard other.scoreBins == scoreBins else {
            throw OutcomeSummaryError.incompatibleMerge("score bins (\(scoreBins) and \(other.scoreBins))")
        }
        rows += other.rows
        invalidCount += other.invalidCount
        overflowCount += other.overflowCount
        for (name, count) in other.labelCounts.sorted(by: { $0.key < $1.key }) {
            if labelCounts[name] != nil || admits(name) { labelCounts[name, default: 0] += count } else { overflowCount += count }
        }
        for (name, histogram) in other.histograms.sorted(by: { $0.key < $1.key }) {
            guard histograms[name] != nil || admits(name) else {
                overflowCount += histogram.rows.reduce(0, +)
                continue
            }
            var mine = histograms[name] ?? Histogram(bins: scoreBins)
            for bin in 0..<scoreBins {
                mine.rows[bin] += histogram.rows[bin]
                mine.positives[bin] += histogram.positives[bin]
                mine.sums[bin] += histogram.sums[bin]
            }
            histograms[name] = mine
        }
    }

    /// One class's rows by probability, in bin order, as (mean probability, rows, rows of
    /// the class): the rows whose vector did not name it join the first bin at probability 0.
    private func points(of name: String) -> [IsotonicCalibration.WeightedScore] {
        guard let histogram = histograms[name] else { return [] }
        let named = histogram.rows.reduce(0, +), namedPositives = histogram.positives.reduce(0, +)
        var points = [IsotonicCalibration.WeightedScore(score: 0, rows: Double(rows - named),
                                                        positives: Double((labelCounts[name] ?? 0) - namedPositives))]
        for bin in 0..<scoreBins where histogram.rows[bin] > 0 {
            let count = Double(histogram.rows[bin])
            points.append(.init(score: histogram.sums[bin] / count, rows: count, positives: Double(histogram.positives[bin])))
        }
        return points
    }

    /// The calibration of ``classes`` (in that order), one-vs-rest per class. Throws when
    /// fewer than two classes were named or no row was recorded.
    public func calibration() throws(CalibrationError) -> MulticlassCalibration {
        var calibrations: [IsotonicCalibration] = []
        for name in classes { calibrations.append(try IsotonicCalibration(weighted: points(of: name))) }
        return try MulticlassCalibration(classCalibrations: calibrations)
    }

    /// The realized macro one-vs-rest ROC AUC over ``classes``, the rows of one bin counting
    /// as tied; nil without two classes, or when a class has no positive or no negative row
    /// (scikit-learn raises then).
    public var rocAUC: Double? {
        let names = classes
        guard names.count >= 2 else { return nil }
        var total = 0.0
        for name in names {
            let points = points(of: name)
            guard let area = BinaryConfidenceBasedEstimator.rocAUC(positiveMass: points.map(\.positives), rowMass: points.map(\.rows)) else { return nil }
            total += area
        }
        return total / Double(names.count)
    }
}

extension ClassProbabilityOutcomes: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(scoreBins)
        writer.writeCount(maximumClasses)
        writer.writeVarint(rows)
        writer.writeVarint(invalidCount)
        writer.writeVarint(overflowCount)
        writer.writeCount(labelCounts.count)
        for (name, count) in labelCounts.sorted(by: { $0.key < $1.key }) {
            writer.write(name)
            writer.writeVarint(count)
        }
        writer.writeCount(histograms.count)
        for (name, histogram) in histograms.sorted(by: { $0.key < $1.key }) {
            writer.write(name)
            writer.writeCounts(histogram.rows)
            writer.writeCounts(histogram.positives)
            writer.write(histogram.sums)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        do {
            try self.init(scoreBins: try reader.readCount(), maximumClasses: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        rows = try reader.readVarint()
        invalidCount = try reader.readVarint()
        overflowCount = try reader.readVarint()
        for _ in 0..<(try reader.readCount(maximum: maximumClasses)) {
            labelCounts[try reader.readString()] = try reader.readVarint()
        }
        for _ in 0..<(try reader.readCount(maximum: maximumClasses)) {
            let name = try reader.readString()
            let histogram = Histogram(rows: try reader.readCounts(), positives: try reader.readCounts(), sums: try reader.readDoubles())
            guard histogram.rows.count == scoreBins, histogram.positives.count == scoreBins, histogram.sums.count == scoreBins,
                  zip(histogram.rows, histogram.positives).allSatisfy({ $1 <= $0 }), histogram.sums.allSatisfy({ $0.isFinite && $0 >= 0 }),
                  try BinaryOutcomeSummary.boundedTotal(histogram.rows) <= rows,
                  try BinaryOutcomeSummary.boundedTotal(histogram.positives) <= labelCounts[name] ?? 0 else {
                throw SerializationError.invalidValue("class probability histogram of '\(name)' inconsistent with its rows")
            }
            histograms[name] = histogram
        }
        guard Set(labelCounts.keys).union(histograms.keys).count <= maximumClasses,
              try BinaryOutcomeSummary.boundedTotal(Array(labelCounts.values)) <= rows else {
            throw SerializationError.invalidValue("class probability outcomes inconsistent with their rows")
        }
    }
}

extension ClassProbabilityOutcomes.Histogram {
    fileprivate init(rows: [UInt64], positives: [UInt64], sums: [Double]) {
        self.rows = rows
        self.positives = positives
        self.sums = sums
    }
}
