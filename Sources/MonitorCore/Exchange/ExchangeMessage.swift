import DriftCore

/// A model version: what the exchange topic is keyed by, and what a merge task holds a
/// ``PaneMerge`` for.
package struct VersionKey: Hashable, Comparable, Sendable {
    package var model: String
    package var version: String

    package init(model: String, version: String) {
        self.model = model
        self.version = version
    }

    package static func < (left: VersionKey, right: VersionKey) -> Bool { (left.model, left.version) < (right.model, right.version) }
}

/// A message of the exchange topic (issue 11, plan step 3): what a join task sends the
/// merge tasks through Kafka, as a record key and value.
///
/// - A version's hand-over record goes to the exchange partition of its version
///   (``partitions(of:)``: the key's XXH64 modulo the partition count, so that it never
///   depends on a client's partitioner), where the version's merge task reads it.
/// - A source partition's watermark goes to every exchange partition: the join task
///   cannot know which versions the merge tasks hold that it never saw.
///
/// One producer per join task, sending in order (idempotent, so that retries keep it), and
/// one exchange partition per version give a merge task what ``VersionMerges`` relies on:
/// a version's hand-overs up to a boundary before the source's watermark at it.
///
/// Key: a kind byte (1 a hand-over, 2 a watermark), then the model and version
/// (length-prefixed UTF-8), or the source (varint). Value: a hand-over record's bytes
/// (``HandOver``'s wire format, which only the version's merge can read: it needs the
/// version's feature layout and outcome shape), or a format byte and the boundary.
/// Reading a key or a watermark throws on anything else, never traps.
package enum ExchangeMessage: Equatable, Sendable {
    /// A record of the version's hand-over.
    case handOver(VersionKey, record: [UInt8])
    /// The source partition closed its panes before `boundary`, for every version.
    case watermark(source: Int, before: Int64)

    private enum Kind: UInt8 {
        case handOver = 1
        case watermark = 2
    }

    /// The watermark value's format, written first.
    private static let watermarkFormat: UInt8 = 1

    package var key: [UInt8] {
        var writer = BinaryWriter()
        switch self {
        case let .handOver(version, _):
            writer.write(Kind.handOver.rawValue)
            writer.write(version.model)
            writer.write(version.version)
        case let .watermark(source, _):
            writer.write(Kind.watermark.rawValue)
            writer.writeVarint(UInt64(source))
        }
        return writer.bytes
    }

    package var value: [UInt8] {
        switch self {
        case let .handOver(_, record):
            return record
        case let .watermark(_, boundary):
            var writer = BinaryWriter()
            writer.write(Self.watermarkFormat)
            writer.write(boundary)
            return writer.bytes
        }
    }

    /// The exchange partitions the message goes to, of `count` (≥ 1): its version's one,
    /// or all of them for a watermark.
    package func partitions(of count: Int) -> Range<Int> {
        switch self {
        case .handOver:
            let partition = key.withUnsafeBytes { Int(XXHash64.hash($0) % UInt64(count)) }
            return partition..<(partition + 1)
        case .watermark:
            return 0..<count
        }
    }

    /// Reads a message from a record's key and value (nil: none, as Kafka gives them).
    package init(key: [UInt8]?, value: [UInt8]?) throws {
        guard let key, !key.isEmpty else { throw SerializationError.invalidValue("exchange record without a key") }
        var reader = BinaryReader(key)
        switch Kind(rawValue: try reader.readByte()) {
        case .handOver:
            let version = VersionKey(model: try reader.readString(), version: try reader.readString())
            guard reader.remaining == 0 else { throw SerializationError.trailingBytes(reader.remaining) }
            guard let value else { throw SerializationError.invalidValue("exchange hand-over of \(version.model) \(version.version) without a value") }
            self = .handOver(version, record: value)
        case .watermark:
            let source = try reader.readVarint()
            guard reader.remaining == 0 else { throw SerializationError.trailingBytes(reader.remaining) }
            guard source <= UInt64(Int32.max) else { throw SerializationError.invalidValue("exchange watermark of source \(source)") }
            var values = BinaryReader(value ?? [])
            let format = try values.readByte()
            guard format == Self.watermarkFormat else {
                throw SerializationError.unsupportedVersion(kind: "exchange watermark", version: UInt32(format),
                                                            newestSupported: UInt32(Self.watermarkFormat))
            }
            let boundary = try values.readInt64()
            guard values.remaining == 0 else { throw SerializationError.trailingBytes(values.remaining) }
            self = .watermark(source: Int(source), before: boundary)
        case nil:
            throw SerializationError.invalidValue("exchange record of unknown kind \(key[0])")
        }
    }
}
