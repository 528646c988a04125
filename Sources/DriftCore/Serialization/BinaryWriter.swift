/// Appends values to a byte buffer in a fixed little-endian layout.
///
/// The layout is the contract of every serialised summary, profile and checkpoint:
/// fixed-width integers and IEEE-754 doubles are little-endian, counts and lengths are
/// LEB128 varints, strings are a varint length followed by UTF-8 bytes. Nothing here
/// depends on the host's byte order or on Foundation.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    public mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int64) {
        write(UInt64(bitPattern: value))
    }

    public mutating func write(_ value: Double) {
        write(value.bitPattern)
    }

    /// Unsigned LEB128: small counts take one byte.
    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    /// A non-negative count or length as a varint.
    public mutating func writeCount(_ value: Int) {
        precondition(value >= 0, "counts are never negative")
        writeVarint(UInt64(value))
    }

    public mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        writeCount(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    /// Raw bytes with a varint length (what ``BinaryReader/readBytes()`` reads).
    public mutating func writeBytes(_ values: UnsafeRawBufferPointer) {
        writeCount(values.count)
        bytes.append(contentsOf: values)
    }

    /// Raw bytes without a length: what another writer wrote, to be read in place.
    public mutating func writeRaw(_ values: [UInt8]) {
        bytes.append(contentsOf: values)
    }

    public mutating func write(_ values: [Double]) {
        writeCount(values.count)
        for value in values { write(value) }
    }

    /// Counts as varints: sparse histograms (mostly zeros) stay small.
    public mutating func writeCounts(_ values: [UInt64]) {
        writeCount(values.count)
        for value in values { writeVarint(value) }
    }

    public mutating func write(_ value: some BinaryEncodable) {
        value.encode(to: &self)
    }

    public mutating func write<Element: BinaryEncodable>(_ values: [Element]) {
        writeCount(values.count)
        for value in values { value.encode(to: &self) }
    }
}
