/// Reads what ``BinaryWriter`` wrote, checking every bound.
///
/// Any read past the end, any varint longer than ten bytes and any length larger than
/// the bytes that remain throws ``SerializationError`` instead of trapping, so a
/// truncated or corrupted blob can never crash the process.
public struct BinaryReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var position: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
    }

    public var isAtEnd: Bool { position == bytes.count }
    public var remaining: Int { bytes.count - position }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw SerializationError.truncated(needed: count, available: remaining)
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    public mutating func readByte() throws -> UInt8 {
        try take(1).first!
    }

    public mutating func readBool() throws -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw SerializationError.invalidValue("boolean byte \(other)")
        }
    }

    public mutating func readUInt32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func readInt64() throws -> Int64 {
        Int64(bitPattern: try readUInt64())
    }

    public mutating func readDouble() throws -> Double {
        Double(bitPattern: try readUInt64())
    }

    public mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        for index in 0..<10 {
            let byte = try readByte()
            result |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 { return result }
        }
        throw SerializationError.invalidValue("varint longer than 10 bytes")
    }

    /// A count or length; rejects values that cannot fit in the bytes left, which
    /// keeps a corrupted length from causing a huge allocation.
    public mutating func readCount(maximum: Int = .max) throws -> Int {
        let value = try readVarint()
        guard value <= UInt64(min(maximum, Int.max)) else {
            throw SerializationError.invalidValue("count \(value) exceeds limit \(maximum)")
        }
        return Int(value)
    }

    public mutating func readString() throws -> String {
        let length = try readCount(maximum: remaining)
        let slice = try take(length)
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw SerializationError.invalidValue("string is not valid UTF-8")
        }
        return string
    }

    /// Bytes written by ``BinaryWriter/writeBytes(_:)``.
    public mutating func readBytes() throws -> ArraySlice<UInt8> {
        try take(try readCount(maximum: remaining))
    }

    public mutating func readDoubles() throws -> [Double] {
        let count = try readCount(maximum: remaining / 8)
        var values = [Double]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readDouble()) }
        return values
    }

    public mutating func readCounts() throws -> [UInt64] {
        let count = try readCount(maximum: remaining)
        var values = [UInt64]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readVarint()) }
        return values
    }

    public mutating func read<Value: BinaryDecodable>(_: Value.Type = Value.self) throws -> Value {
        try Value(from: &self)
    }

    public mutating func readArray<Element: BinaryDecodable>(of _: Element.Type = Element.self) throws -> [Element] {
        // Every element takes at least one byte, so `remaining` bounds the count.
        let count = try readCount(maximum: remaining)
        var values = [Element]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try Element(from: &self)) }
        return values
    }
}
