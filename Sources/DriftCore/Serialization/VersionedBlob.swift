/// A self-describing envelope for anything persisted: profiles on disk, checkpoints.
///
/// Layout: magic `DWB1`, kind (string), format version (UInt32), payload length
/// (varint), CRC-32 of the payload (UInt32), payload. Decoding checks each part in
/// that order, so a foreign file, a truncated write, a flipped bit and a blob written
/// by a newer release each get their own clear error.
public enum VersionedBlob {
    static let magic: [UInt8] = Array("DWB1".utf8)

    /// Wraps `value` under `kind` at `version`.
    public static func encode(_ value: some BinaryEncodable, kind: String, version: UInt32) -> [UInt8] {
        var payload = BinaryWriter()
        value.encode(to: &payload)
        var envelope = BinaryWriter(reservingCapacity: payload.bytes.count + 32)
        for byte in magic { envelope.write(byte) }
        envelope.write(kind)
        envelope.write(version)
        envelope.writeCount(payload.bytes.count)
        envelope.write(CRC32.checksum(payload.bytes))
        var bytes = envelope.bytes
        bytes.append(contentsOf: payload.bytes)
        return bytes
    }

    /// Unwraps a blob of `kind`, accepting format versions up to `newestVersion`.
    /// `decode` receives the version found so older layouts can still be read.
    public static func decode<Value>(
        _ bytes: [UInt8],
        kind: String,
        newestVersion: UInt32,
        decode: (inout BinaryReader, UInt32) throws -> Value
    ) throws -> Value {
        var reader = BinaryReader(bytes)
        for expected in magic {
            guard (try? reader.readByte()) == expected else { throw SerializationError.badMagic }
        }
        let foundKind = try reader.readString()
        guard foundKind == kind else { throw SerializationError.wrongKind(expected: kind, actual: foundKind) }
        let version = try reader.readUInt32()
        guard version >= 1, version <= newestVersion else {
            throw SerializationError.unsupportedVersion(kind: kind, version: version, newestSupported: newestVersion)
        }
        let length = try reader.readCount()
        let expectedCRC = try reader.readUInt32()
        guard length == reader.remaining else {
            if length > reader.remaining {
                throw SerializationError.truncated(needed: length, available: reader.remaining)
            }
            throw SerializationError.trailingBytes(reader.remaining - length)
        }
        let payload = Array(bytes[reader.position...])
        let actualCRC = CRC32.checksum(payload)
        guard actualCRC == expectedCRC else {
            throw SerializationError.checksumMismatch(expected: expectedCRC, actual: actualCRC)
        }
        var payloadReader = BinaryReader(payload)
        let value = try decode(&payloadReader, version)
        guard payloadReader.isAtEnd else { throw SerializationError.trailingBytes(payloadReader.remaining) }
        return value
    }

    /// Convenience for types whose layout has a single version.
    public static func decode<Value: BinaryDecodable>(
        _: Value.Type, from bytes: [UInt8], kind: String, newestVersion: UInt32
    ) throws -> Value {
        try decode(bytes, kind: kind, newestVersion: newestVersion) { reader, _ in try Value(from: &reader) }
    }
}
