/// A sequential change detector: fed one value at a time, it reports whether the
/// stream's distribution changed at the value just seen.
///
/// Every conforming type follows River 0.26.1's convention: after an update that sets
/// ``driftDetected``, the next update first resets the detector, so each detection
/// starts a fresh reference period. Non-finite values (NaN, ±∞) are ignored: they leave
/// the state, including the flags, untouched, so one bad value cannot poison the
/// statistics for the rest of the stream.
public protocol ChangeDetector: BinaryCodable, Sendable {
    /// Feeds one value (for the binary detectors: 1 = error, 0 = correct).
    mutating func update(_ value: Double)
    /// Whether the last update detected a change.
    var driftDetected: Bool { get }
}

/// A detector that also signals a warning zone before a change (DDM, EDDM).
public protocol WarningChangeDetector: ChangeDetector {
    /// Whether the last update left the detector in its warning zone.
    var warningDetected: Bool { get }
}

/// A detector parameter outside its valid range.
public struct DetectorConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var parameter: String
    public var requirement: String

    public init(parameter: String, requirement: String) {
        self.parameter = parameter
        self.requirement = requirement
    }

    public var description: String { "invalid detector parameter \(parameter): must be \(requirement)" }

    /// Throws unless `condition` holds.
    static func require(_ condition: Bool, _ parameter: String, _ requirement: String) throws(DetectorConfigurationError) {
        if !condition { throw DetectorConfigurationError(parameter: parameter, requirement: requirement) }
    }
}

extension BinaryReader {
    /// Rebuilds a detector's configuration while decoding, reporting an invalid one as
    /// corrupted data rather than as a configuration error.
    mutating func readDetectorConfiguration<Value>(_ build: (inout BinaryReader) throws -> Value) throws -> Value {
        do {
            return try build(&self)
        } catch let error as DetectorConfigurationError {
            throw SerializationError.invalidValue(error.description)
        }
    }
}
