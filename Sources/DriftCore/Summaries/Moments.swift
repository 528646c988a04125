/// Exact count, mean, variance, minimum and maximum of a stream of finite values.
///
/// Updates use Welford's algorithm (Welford 1962, "Note on a method for calculating
/// corrected sums of squares and products"); merges use the pairwise combination of
/// Chan, Golub and LeVeque (1979, "Updating formulae and a pairwise algorithm for
/// computing sample variances"). Both are numerically stable: no sum of squares is
/// ever formed, so a large mean does not cancel the variance. O(1) per value and per merge.
public struct Moments: Sendable, Equatable, Hashable {
    // Stored as internal `@usableFromInline` so the inlinable `update` can write them.
    @usableFromInline var storedCount: Int
    @usableFromInline var storedMean: Double
    @usableFromInline var storedM2: Double
    @usableFromInline var storedMinimum: Double
    @usableFromInline var storedMaximum: Double

    public var count: Int { storedCount }
    public var mean: Double { storedMean }
    /// Sum of squared deviations from the mean (M2 in Welford's notation).
    public var sumOfSquaredDeviations: Double { storedM2 }
    /// `+infinity` while empty, so the first value always replaces it.
    public var minimum: Double { storedMinimum }
    /// `-infinity` while empty.
    public var maximum: Double { storedMaximum }

    public init() {
        self.init(count: 0, mean: 0, sumOfSquaredDeviations: 0, minimum: .infinity, maximum: -.infinity)
    }

    @usableFromInline
    init(count: Int, mean: Double, sumOfSquaredDeviations: Double, minimum: Double, maximum: Double) {
        storedCount = count
        storedMean = mean
        storedM2 = sumOfSquaredDeviations
        storedMinimum = minimum
        storedMaximum = maximum
    }

    /// Adds one finite value (callers filter NaN and infinities).
    @inlinable
    public mutating func update(_ value: Double) {
        storedCount += 1
        let delta = value - storedMean
        storedMean += delta / Double(storedCount)
        storedM2 += delta * (value - storedMean)
        storedMinimum = Swift.min(storedMinimum, value)
        storedMaximum = Swift.max(storedMaximum, value)
    }

    /// Combines two disjoint streams exactly (Chan et al.).
    public mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count + other.count
        let delta = other.mean - mean
        let otherShare = Double(other.count) / Double(total)
        storedMean += delta * otherShare
        storedM2 += other.sumOfSquaredDeviations + delta * delta * Double(count) * otherShare
        storedCount = total
        storedMinimum = Swift.min(minimum, other.minimum)
        storedMaximum = Swift.max(maximum, other.maximum)
    }

    public func merged(with other: Moments) -> Moments {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// Population variance (divides by n, as `numpy.var` with `ddof=0`); nil when empty.
    public var populationVariance: Double? {
        count > 0 ? Swift.max(0, sumOfSquaredDeviations / Double(count)) : nil
    }

    /// Population standard deviation (`numpy.std` with `ddof=0`); nil when empty.
    public var populationStandardDeviation: Double? {
        populationVariance.map { $0.squareRoot() }
    }
}

extension Moments: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(count)
        writer.write(mean)
        writer.write(sumOfSquaredDeviations)
        writer.write(minimum)
        writer.write(maximum)
    }

    public init(from reader: inout BinaryReader) throws {
        let count = try reader.readCount()
        let decoded = Moments(
            count: count, mean: try reader.readDouble(), sumOfSquaredDeviations: try reader.readDouble(),
            minimum: try reader.readDouble(), maximum: try reader.readDouble())
        try decoded.validate()
        self = decoded
    }

    /// Rejects states no sequence of updates can produce.
    func validate() throws {
        if count == 0 {
            guard mean == 0, sumOfSquaredDeviations == 0, minimum == .infinity, maximum == -.infinity else {
                throw SerializationError.invalidValue("empty moments with non-empty state")
            }
        } else {
            guard minimum.isFinite, maximum.isFinite, minimum <= maximum, !mean.isNaN,
                  !sumOfSquaredDeviations.isNaN, sumOfSquaredDeviations >= 0 else {
                throw SerializationError.invalidValue("inconsistent moments")
            }
        }
    }
}

extension Moments: Codable {
    private enum CodingKeys: String, CodingKey { case count, mean, sumOfSquaredDeviations, minimum, maximum }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let count = try container.decode(Int.self, forKey: .count)
        guard count >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: container, debugDescription: "negative count")
        }
        let decoded = count == 0 ? Moments() : Moments(
            count: count,
            mean: try container.decode(LosslessDouble.self, forKey: .mean).value,
            sumOfSquaredDeviations: try container.decode(LosslessDouble.self, forKey: .sumOfSquaredDeviations).value,
            minimum: try container.decode(LosslessDouble.self, forKey: .minimum).value,
            maximum: try container.decode(LosslessDouble.self, forKey: .maximum).value)
        do { try decoded.validate() } catch {
            throw DecodingError.dataCorruptedError(forKey: .count, in: container, debugDescription: "\(error)")
        }
        self = decoded
    }

    /// Empty moments store only the count: their infinite extremes have no JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        guard count > 0 else { return }
        try container.encode(LosslessDouble(mean), forKey: .mean)
        try container.encode(LosslessDouble(sumOfSquaredDeviations), forKey: .sumOfSquaredDeviations)
        try container.encode(LosslessDouble(minimum), forKey: .minimum)
        try container.encode(LosslessDouble(maximum), forKey: .maximum)
    }
}
