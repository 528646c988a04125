/// The outcomes of a regression model over a window: what the regression metrics (MAE,
/// RMSE, MAPE, bias, R²) need, as mergeable moments and sums.
///
/// Sources: scikit-learn's `mean_absolute_error`, `mean_squared_error`,
/// `mean_absolute_percentage_error` (each term divided by max(|y|, ε) with ε the float64
/// machine epsilon, so a zero label gives a huge but finite term) and `r2_score` (with its
/// default `force_finite=True`). The error is prediction − label, so a positive ``bias``
/// means the model over-predicts. The errors and the labels are kept as ``Moments``
/// (Welford updates, Chan merges): the mean squared error is variance + bias² and R²'s
/// total sum of squares is the labels' sum of squared deviations, so neither cancels on
/// large values (prices around 10⁶ with a spread of 1 keep full precision).
///
/// A row with a non-finite prediction or label is not recorded; it is counted in
/// ``nonFiniteCount``. Memory: two ``Moments`` and two sums, about 100 bytes. Update and
/// merge: O(1), no allocation. Merge: counts add exactly, the moments combine exactly in
/// exact arithmetic, the sums add in floating point.
public struct RegressionSummary: Equatable, Sendable {
    /// Prediction − label of the recorded rows.
    public private(set) var errors = Moments()
    /// The labels of the recorded rows.
    public private(set) var labels = Moments()
    /// Σ |prediction − label|.
    public private(set) var absoluteErrorSum: Double = 0
    /// Σ |prediction − label| / max(|label|, ε).
    public private(set) var absolutePercentageErrorSum: Double = 0
    /// Rows not recorded because the prediction or the label was NaN or infinite.
    public private(set) var nonFiniteCount: UInt64 = 0

    /// scikit-learn's MAPE floor of the label's magnitude: float64 machine epsilon.
    public static let percentageEpsilon = Double.ulpOfOne

    public init() {}

    /// Records one labelled prediction.
    public mutating func record(prediction: Double, label: Double) {
        guard prediction.isFinite, label.isFinite, (prediction - label).isFinite else {
            nonFiniteCount += 1
            return
        }
        let error = prediction - label
        errors.update(error)
        labels.update(label)
        absoluteErrorSum += abs(error)
        absolutePercentageErrorSum += abs(error) / max(abs(label), Self.percentageEpsilon)
    }

    /// Adds `other`'s rows (another pane of the same window).
    public mutating func merge(_ other: RegressionSummary) {
        errors.merge(other.errors)
        labels.merge(other.labels)
        absoluteErrorSum += other.absoluteErrorSum
        absolutePercentageErrorSum += other.absolutePercentageErrorSum
        nonFiniteCount += other.nonFiniteCount
    }

    // MARK: Metrics
    //
    // Every metric is nil for an empty window; R² also for a single row (scikit-learn
    // returns NaN there, with a warning).

    /// Recorded rows.
    public var count: Int { errors.count }

    /// Mean absolute error.
    public var meanAbsoluteError: Double? { count == 0 ? nil : absoluteErrorSum / Double(count) }

    /// Mean squared error: the errors' population variance plus the squared mean error.
    public var meanSquaredError: Double? { errors.populationVariance.map { $0 + errors.mean * errors.mean } }

    /// Root mean squared error.
    public var rootMeanSquaredError: Double? { meanSquaredError.map { $0.squareRoot() } }

    /// Mean absolute percentage error, as a fraction (0.1 is 10 %), as scikit-learn returns it.
    public var meanAbsolutePercentageError: Double? { count == 0 ? nil : absolutePercentageErrorSum / Double(count) }

    /// Mean of prediction − label: positive when the model over-predicts.
    public var bias: Double? { count == 0 ? nil : errors.mean }

    /// Coefficient of determination 1 − SS_res / SS_tot. Constant labels (SS_tot = 0)
    /// give 1 when every prediction is exact and 0 otherwise (scikit-learn's `force_finite`).
    public var r2: Double? {
        guard count >= 2, let meanSquaredError else { return nil }
        let residualSumOfSquares = meanSquaredError * Double(count)
        let totalSumOfSquares = labels.sumOfSquaredDeviations
        guard totalSumOfSquares > 0 else { return residualSumOfSquares == 0 ? 1 : 0 }
        return 1 - residualSumOfSquares / totalSumOfSquares
    }
}

extension RegressionSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        errors.encode(to: &writer)
        labels.encode(to: &writer)
        writer.write(absoluteErrorSum)
        writer.write(absolutePercentageErrorSum)
        writer.writeVarint(nonFiniteCount)
    }

    public init(from reader: inout BinaryReader) throws {
        errors = try Moments(from: &reader)
        labels = try Moments(from: &reader)
        absoluteErrorSum = try reader.readDouble()
        absolutePercentageErrorSum = try reader.readDouble()
        nonFiniteCount = try reader.readVarint()
        guard errors.count == labels.count, absoluteErrorSum >= 0, absolutePercentageErrorSum >= 0,
              count > 0 || (absoluteErrorSum == 0 && absolutePercentageErrorSum == 0)
        else { throw SerializationError.invalidValue("inconsistent regression summary") }
    }
}
