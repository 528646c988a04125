/// River's running mean (`river.stats.Mean`, West 1979) with unit weights:
/// `n += 1; mean += (1 / n) * (x - mean)`.
///
/// The detectors' thresholds are compared with `>`/`<`, so matching River's detections
/// exactly needs the same floating-point operations in the same order, not just an
/// algebraically equal formula.
@usableFromInline
struct RiverMean: Equatable, Sendable {
    @usableFromInline var count: Double = 0
    @usableFromInline var mean: Double = 0

    @inlinable init() {}

    @inlinable mutating func update(_ value: Double) {
        count += 1
        mean += (1 / count) * (value - mean)
    }

    func encode(to writer: inout BinaryWriter) {
        writer.write(count)
        writer.write(mean)
    }

    init(from reader: inout BinaryReader) throws {
        count = try reader.readDouble()
        mean = try reader.readDouble()
        guard count >= 0, count.isFinite else { throw SerializationError.invalidValue("running mean count \(count)") }
    }
}

/// River's running variance (`river.stats.Var`, Welford 1962) with unit weights and
/// `ddof = 1`: `S += (x - mean_old) * (x - mean_new)`, variance `S / (n - 1)` (0 while n ≤ 1).
@usableFromInline
struct RiverVariance: Equatable, Sendable {
    @usableFromInline var moments = RiverMean()
    @usableFromInline var sumOfSquaredDeviations: Double = 0

    @inlinable init() {}

    @inlinable mutating func update(_ value: Double) {
        let previousMean = moments.mean
        moments.update(value)
        sumOfSquaredDeviations += (value - previousMean) * (value - moments.mean)
    }

    @inlinable var sampleVariance: Double {
        moments.count > 1 ? sumOfSquaredDeviations / (moments.count - 1) : 0
    }

    func encode(to writer: inout BinaryWriter) {
        moments.encode(to: &writer)
        writer.write(sumOfSquaredDeviations)
    }

    init(from reader: inout BinaryReader) throws {
        moments = try RiverMean(from: &reader)
        sumOfSquaredDeviations = try reader.readDouble()
    }
}
