/// The Page–Hinkley test (Page, "Continuous Inspection Schemes", Biometrika 1954),
/// ported from River 0.26.1 (`river.drift.PageHinkley`).
///
/// Keeps the running mean x̄ and two fading cumulative sums of the deviations,
/// Uᵢ = α·Uᵢ₋₁ + (xᵢ − x̄ᵢ) − δ and Lᵢ = α·Lᵢ₋₁ + (xᵢ − x̄ᵢ) + δ. After `minInstances`
/// values, Uᵢ − min U > λ is an increase and max L − Lᵢ > λ a decrease (`mode` picks
/// which count), where λ is `threshold`. O(1) time and memory per update.
public struct PageHinkley: ChangeDetector, Equatable {
    /// Which direction of change in the mean is reported.
    public enum Mode: UInt8, Sendable {
        case up, down, both
    }

    public let minInstances: Int
    public let delta: Double
    public let threshold: Double
    public let alpha: Double
    public let mode: Mode

    @usableFromInline var mean = RiverMean()
    @usableFromInline var increaseSum = 0.0
    @usableFromInline var decreaseSum = 0.0
    @usableFromInline var minimumIncreaseSum = Double.infinity
    /// River starts the maximum at −1, not −∞; kept for identical detections.
    @usableFromInline var maximumDecreaseSum = -1.0
    @usableFromInline var driftFlag = false

    public var driftDetected: Bool { driftFlag }

    public init(
        minInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001,
        mode: Mode = .both
    ) throws(DetectorConfigurationError) {
        try DetectorConfigurationError.require(minInstances >= 0, "minInstances", "non-negative")
        try DetectorConfigurationError.require(delta.isFinite, "delta", "finite")
        try DetectorConfigurationError.require(threshold.isFinite && threshold >= 0, "threshold", "finite and non-negative")
        try DetectorConfigurationError.require(alpha > 0 && alpha <= 1, "alpha", "in (0, 1]")
        self.minInstances = minInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
    }

    @inlinable
    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        if driftFlag { self = Self(resetting: self) }
        mean.update(value)
        let deviation = value - mean.mean
        increaseSum = alpha * increaseSum + deviation - delta
        decreaseSum = alpha * decreaseSum + deviation + delta
        minimumIncreaseSum = min(minimumIncreaseSum, increaseSum)
        maximumDecreaseSum = max(maximumDecreaseSum, decreaseSum)
        guard mean.count >= Double(minInstances) else { return }
        let increase = increaseSum - minimumIncreaseSum > threshold
        let decrease = maximumDecreaseSum - decreaseSum > threshold
        switch mode {
        case .up: driftFlag = increase
        case .down: driftFlag = decrease
        case .both: driftFlag = increase || decrease
        }
    }

    /// A fresh detector with `detector`'s parameters (valid by construction).
    @usableFromInline
    init(resetting detector: PageHinkley) {
        minInstances = detector.minInstances
        delta = detector.delta
        threshold = detector.threshold
        alpha = detector.alpha
        mode = detector.mode
    }
}

extension PageHinkley: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(minInstances)
        writer.write(delta)
        writer.write(threshold)
        writer.write(alpha)
        writer.write(mode.rawValue)
        mean.encode(to: &writer)
        writer.write(increaseSum)
        writer.write(decreaseSum)
        writer.write(minimumIncreaseSum)
        writer.write(maximumDecreaseSum)
        writer.write(driftFlag)
    }

    public init(from reader: inout BinaryReader) throws {
        self = try reader.readDetectorConfiguration { reader in
            let minInstances = try reader.readCount()
            let delta = try reader.readDouble()
            let threshold = try reader.readDouble()
            let alpha = try reader.readDouble()
            let modeByte = try reader.readByte()
            guard let mode = Mode(rawValue: modeByte) else {
                throw SerializationError.invalidValue("Page-Hinkley mode \(modeByte)")
            }
            return try PageHinkley(minInstances: minInstances, delta: delta, threshold: threshold, alpha: alpha, mode: mode)
        }
        mean = try RiverMean(from: &reader)
        increaseSum = try reader.readDouble()
        decreaseSum = try reader.readDouble()
        minimumIncreaseSum = try reader.readDouble()
        maximumDecreaseSum = try reader.readDouble()
        driftFlag = try reader.readBool()
    }
}
