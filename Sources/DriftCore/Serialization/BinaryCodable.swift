/// A value with a stable binary layout (see ``BinaryWriter`` for the conventions).
public protocol BinaryEncodable {
    func encode(to writer: inout BinaryWriter)
}

/// A value that can be rebuilt from its binary layout, rejecting malformed input.
public protocol BinaryDecodable {
    init(from reader: inout BinaryReader) throws
}

public typealias BinaryCodable = BinaryEncodable & BinaryDecodable

/// Why a blob could not be decoded. Never a crash: every malformed input maps here.
public enum SerializationError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, available: Int)
    case badMagic
    case checksumMismatch(expected: UInt32, actual: UInt32)
    case wrongKind(expected: String, actual: String)
    case unsupportedVersion(kind: String, version: UInt32, newestSupported: UInt32)
    case invalidValue(String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case let .truncated(needed, available):
            "truncated data: needed \(needed) more bytes, \(available) left"
        case .badMagic:
            "not a driftwatch blob (bad magic bytes)"
        case let .checksumMismatch(expected, actual):
            "corrupted data: CRC-32 \(String(actual, radix: 16)) does not match \(String(expected, radix: 16))"
        case let .wrongKind(expected, actual):
            "expected a \(expected) blob, found \(actual)"
        case let .unsupportedVersion(kind, version, newest):
            "\(kind) blob has format version \(version); this build reads up to version \(newest)"
        case let .invalidValue(reason):
            "invalid data: \(reason)"
        case let .trailingBytes(count):
            "invalid data: \(count) unexpected bytes after the payload"
        }
    }
}
