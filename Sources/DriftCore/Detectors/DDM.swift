/// DDM, the Drift Detection Method (Gama, Medas, Castillo & Rodrigues, "Learning with
/// Drift Detection", SBIA 2004), ported from River 0.26.1 (`river.drift.binary.DDM`).
///
/// Input: 1 for an error, 0 for a correct prediction. Tracks the error rate pᵢ and its
/// binomial standard deviation sᵢ = √(pᵢ(1 − pᵢ)/i); after `warmStart` values it keeps
/// the (p_min, s_min) at which pᵢ + sᵢ was smallest and signals a warning when
/// pᵢ + sᵢ > p_min + `warningThreshold`·s_min and a drift when
/// pᵢ + sᵢ > p_min + `driftThreshold`·s_min. O(1) time and memory per update.
public struct DDM: WarningChangeDetector, Equatable {
    public let warmStart: Int
    public let warningThreshold: Double
    public let driftThreshold: Double

    @usableFromInline var errorRate = RiverMean()
    @usableFromInline var minimumRate = 0.0
    @usableFromInline var minimumDeviation = 0.0
    /// `minimumRate + minimumDeviation`; +∞ until the warm start ends.
    @usableFromInline var minimumRateAndDeviation = Double.infinity
    @usableFromInline var driftFlag = false
    @usableFromInline var warningFlag = false

    public var driftDetected: Bool { driftFlag }
    public var warningDetected: Bool { warningFlag }

    public init(warmStart: Int = 30, warningThreshold: Double = 2.0, driftThreshold: Double = 3.0)
        throws(DetectorConfigurationError)
    {
        try DetectorConfigurationError.require(warmStart >= 0, "warmStart", "non-negative")
        try DetectorConfigurationError.require(warningThreshold.isFinite, "warningThreshold", "finite")
        try DetectorConfigurationError.require(driftThreshold.isFinite, "driftThreshold", "finite")
        self.warmStart = warmStart
        self.warningThreshold = warningThreshold
        self.driftThreshold = driftThreshold
    }

    @inlinable
    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        if driftFlag { self = Self(resetting: self) }
        errorRate.update(value)
        let rate = errorRate.mean
        let count = errorRate.count
        let deviation = (rate * (1 - rate) / count).squareRoot()
        guard count > Double(warmStart) else { return }
        if rate + deviation <= minimumRateAndDeviation {
            minimumRate = rate
            minimumDeviation = deviation
            minimumRateAndDeviation = minimumRate + minimumDeviation
        }
        warningFlag = rate + deviation > minimumRate + warningThreshold * minimumDeviation
        if rate + deviation > minimumRate + driftThreshold * minimumDeviation {
            driftFlag = true
            warningFlag = false
        }
    }

    /// A fresh detector with `detector`'s parameters (valid by construction).
    @usableFromInline
    init(resetting detector: DDM) {
        warmStart = detector.warmStart
        warningThreshold = detector.warningThreshold
        driftThreshold = detector.driftThreshold
    }
}

extension DDM: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(warmStart)
        writer.write(warningThreshold)
        writer.write(driftThreshold)
        errorRate.encode(to: &writer)
        writer.write(minimumRate)
        writer.write(minimumDeviation)
        writer.write(minimumRateAndDeviation)
        writer.write(driftFlag)
        writer.write(warningFlag)
    }

    public init(from reader: inout BinaryReader) throws {
        self = try reader.readDetectorConfiguration { reader in
            try DDM(warmStart: try reader.readCount(), warningThreshold: try reader.readDouble(),
                    driftThreshold: try reader.readDouble())
        }
        errorRate = try RiverMean(from: &reader)
        minimumRate = try reader.readDouble()
        minimumDeviation = try reader.readDouble()
        minimumRateAndDeviation = try reader.readDouble()
        driftFlag = try reader.readBool()
        warningFlag = try reader.readBool()
    }
}
