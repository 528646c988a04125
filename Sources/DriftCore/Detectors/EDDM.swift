import RealModule

/// EDDM, the Early Drift Detection Method (Baena-García, del Campo-Ávila, Fidalgo,
/// Bifet, Gavaldà & Morales-Bueno, 2006), ported from River 0.26.1
/// (`river.drift.binary.EDDM`).
///
/// Input: 1 for an error, 0 otherwise (any value other than 1 counts as correct, as in
/// River). Tracks the mean p′ and standard deviation s′ of the distance between
/// consecutive errors and the maximum of p′ + 2s′. Once more than `warmStart` values and
/// more than `warmStart` errors were seen, a ratio (p′ + 2s′)/max below `alpha` is a
/// warning and below `beta` a drift. O(1) time and memory per update.
public struct EDDM: WarningChangeDetector, Equatable {
    public let warmStart: Int
    public let alpha: Double
    public let beta: Double

    @usableFromInline var errorDistances = RiverVariance()
    @usableFromInline var count = 0
    @usableFromInline var lastErrorIndex = 0
    @usableFromInline var errorCount = 0
    /// Largest p′ + 2s′ so far; −1 before the first (River's sentinel).
    @usableFromInline var maximumMeanPlusTwoDeviations = -1.0
    @usableFromInline var driftFlag = false
    @usableFromInline var warningFlag = false

    public var driftDetected: Bool { driftFlag }
    public var warningDetected: Bool { warningFlag }

    public init(warmStart: Int = 30, alpha: Double = 0.95, beta: Double = 0.9) throws(DetectorConfigurationError) {
        try DetectorConfigurationError.require(warmStart >= 0, "warmStart", "non-negative")
        try DetectorConfigurationError.require(alpha > 0 && alpha <= 1, "alpha", "in (0, 1]")
        try DetectorConfigurationError.require(beta > 0 && beta <= alpha, "beta", "in (0, alpha]")
        self.warmStart = warmStart
        self.alpha = alpha
        self.beta = beta
    }

    @inlinable
    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        if driftFlag { self = Self(resetting: self) }
        count += 1
        guard value == 1 else { return }
        errorCount += 1
        errorDistances.update(Double(count - lastErrorIndex))
        lastErrorIndex = count
        guard count > warmStart else { return }
        let meanDistance = errorDistances.moments.mean
        // River takes `variance ** 0.5`, i.e. pow, which can differ from sqrt in the last bit.
        let deviation = Double.pow(errorDistances.sampleVariance, 0.5)
        let meanPlusTwoDeviations = meanDistance + 2 * deviation
        if meanPlusTwoDeviations > maximumMeanPlusTwoDeviations {
            maximumMeanPlusTwoDeviations = meanPlusTwoDeviations
        } else if errorCount > warmStart {
            let level = meanPlusTwoDeviations / maximumMeanPlusTwoDeviations
            if level < beta {
                driftFlag = true
            } else {
                warningFlag = level < alpha
            }
        }
    }

    /// A fresh detector with `detector`'s parameters (valid by construction).
    @usableFromInline
    init(resetting detector: EDDM) {
        warmStart = detector.warmStart
        alpha = detector.alpha
        beta = detector.beta
    }
}

extension EDDM: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(warmStart)
        writer.write(alpha)
        writer.write(beta)
        errorDistances.encode(to: &writer)
        writer.writeCount(count)
        writer.writeCount(lastErrorIndex)
        writer.writeCount(errorCount)
        writer.write(maximumMeanPlusTwoDeviations)
        writer.write(driftFlag)
        writer.write(warningFlag)
    }

    public init(from reader: inout BinaryReader) throws {
        self = try reader.readDetectorConfiguration { reader in
            try EDDM(warmStart: try reader.readCount(), alpha: try reader.readDouble(), beta: try reader.readDouble())
        }
        errorDistances = try RiverVariance(from: &reader)
        count = try reader.readCount(maximum: 1 << 53)
        lastErrorIndex = try reader.readCount(maximum: count)
        errorCount = try reader.readCount(maximum: count)
        maximumMeanPlusTwoDeviations = try reader.readDouble()
        driftFlag = try reader.readBool()
        warningFlag = try reader.readBool()
    }
}
