#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one Avro binary datum (Apache Avro 1.11 specification, "Binary Encoding") and
/// writes it as the JSON document the event decoder reads, so Avro messages feed the same
/// field mapping, rules and rejections as JSON ones.
///
/// Source: https://avro.apache.org/docs/1.11.1/specification/#binary-encoding — `int` and
/// `long` as zig-zag variable-length integers, `float`/`double` little-endian IEEE 754,
/// `bytes`/`string` as a long length then the bytes, records as their fields in order, enums
/// as an int index, arrays and maps as blocks (a long count, negative when followed by the
/// block's byte size, and a zero count to end), unions as a long branch index then the value,
/// fixed as its size in bytes. Cost: O(bytes in + bytes out), one pass; the output buffer
/// is the caller's, reused from message to message.
///
/// The JSON written: records as objects, maps as objects, arrays as arrays, enums as their
/// symbol, a union as the value of its branch (not Avro's `{"type": value}` JSON encoding,
/// which the mapping could not see through), bytes and fixed as strings of code points
/// U+0000–U+00FF (as Avro's JSON encoding does), decimals as exact decimal numbers.
///
/// Safety: every length is checked against the bytes remaining; varints longer than their
/// type allows, branch and symbol indices out of range, invalid UTF-8, NaN and infinities
/// (which the event model cannot hold), nesting deeper than ``maximumDepth`` and output
/// larger than the caller's limit (a block of a billion `null`s costs no input bytes) are
/// errors with the byte offset; so are bytes left over after the datum.
package struct AvroDecoder: Sendable {
    /// One less than ``JSONReader/maximumDepth``: the JSON written must itself be readable.
    package static let maximumDepth = JSONReader.maximumDepth - 1

    package let schema: AvroSchema

    package init(schema: AvroSchema) {
        self.schema = schema
    }

    /// Replaces `output` with the JSON of the datum in `bytes`; fails beyond `outputLimit` bytes.
    package func transcode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], outputLimit: Int) throws(AvroError) {
        output.removeAll(keepingCapacity: true)
        var cursor = Cursor(bytes: bytes, output: output, outputLimit: outputLimit)
        output = []  // `cursor` owns the buffer meanwhile (no copy on write)
        defer { output = cursor.output }
        try cursor.value(schema.root, schema: schema, depth: 0)
        guard cursor.offset == bytes.count else { throw cursor.error(.trailingBytes(bytes.count - cursor.offset)) }
    }
}

/// Why an Avro datum could not be decoded, and the byte offset where.
package struct AvroError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        case truncated
        case varintTooLong
        case intOutOfRange
        case negativeLength(Int64)
        case invalidBoolean(UInt8)
        case branchOutOfRange(Int64, branches: Int)
        case symbolOutOfRange(Int64, symbols: Int)
        case invalidUTF8
        case nonFinite
        case decimalTooLong(Int)
        case tooDeep
        case outputTooLarge(limit: Int)
        case trailingBytes(Int)
    }

    package var reason: Reason
    package var offset: Int

    package var description: String {
        let what = switch reason {
        case .truncated: "truncated datum"
        case .varintTooLong: "variable-length integer too long"
        case .intOutOfRange: "int out of the 32-bit range"
        case let .negativeLength(length): "negative length \(length)"
        case let .invalidBoolean(byte): "boolean byte 0x\(String(byte, radix: 16)) is neither 0 nor 1"
        case let .branchOutOfRange(index, branches): "union branch \(index) out of range (\(branches) branches)"
        case let .symbolOutOfRange(index, symbols): "enum index \(index) out of range (\(symbols) symbols)"
        case .invalidUTF8: "string is not valid UTF-8"
        case .nonFinite: "NaN or infinite float (not representable in an event)"
        case let .decimalTooLong(count): "decimal of \(count) bytes (at most 32)"
        case .tooDeep: "nesting deeper than \(AvroDecoder.maximumDepth) levels"
        case let .outputTooLarge(limit): "decoded value larger than \(limit) bytes"
        case let .trailingBytes(count): "\(count) bytes left after the datum"
        }
        return "invalid Avro at byte \(offset): \(what)"
    }
}

private struct Cursor {
    static let maximumDecimalBytes = 32
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    let bytes: UnsafeBufferPointer<UInt8>
    var output: [UInt8]
    let outputLimit: Int
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, output: [UInt8], outputLimit: Int) {
        self.bytes = bytes
        self.output = output
        self.outputLimit = outputLimit
    }

    func error(_ reason: AvroError.Reason) -> AvroError {
        AvroError(reason: reason, offset: offset)
    }

    mutating func value(_ node: Int, schema: AvroSchema, depth: Int) throws(AvroError) {
        guard depth <= AvroDecoder.maximumDepth else { throw error(.tooDeep) }
        guard output.count <= outputLimit else { throw error(.outputTooLarge(limit: outputLimit)) }
        switch schema.nodes[node] {
        case .null: append("null")
        case .boolean:
            guard offset < bytes.count else { throw error(.truncated) }
            switch bytes[offset] {
            case 0: append("false")
            case 1: append("true")
            case let other: throw error(.invalidBoolean(other))
            }
            offset += 1
        case .int: writeInteger(try int())
        case .long: writeInteger(try long())
        case .float:
            let bits = try littleEndian(UInt32.self)
            try writeDouble(Double(Float(bitPattern: bits)))
        case .double:
            let bits = try littleEndian(UInt64.self)
            try writeDouble(Double(bitPattern: bits))
        case .string:
            let range = try lengthPrefixed()
            try writeString(range)
        case let .bytes(decimal):
            let range = try lengthPrefixed()
            if let decimal { try writeDecimal(range, scale: decimal.scale) } else { writeLatin1(range) }
        case let .fixed(_, size, logical):
            let range = try take(size)
            switch logical {
            case let .decimal(decimal)?: try writeDecimal(range, scale: decimal.scale)
            case .uuid?: writeUUID(range)
            case nil: writeLatin1(range)
            }
        case let .enumeration(_, symbols):
            let start = offset
            let index = try int()
            guard index >= 0, index < symbols.count else {
                offset = start
                throw error(.symbolOutOfRange(Int64(index), symbols: symbols.count))
            }
            writeEscaped(symbols[index])
        case let .record(_, fields):
            append("{")
            for (position, field) in fields.enumerated() {
                if position > 0 { append(",") }
                writeEscaped(field.name)
                append(":")
                try value(field.type, schema: schema, depth: depth + 1)
            }
            append("}")
        case let .array(items):
            try blocks(open: "[", close: "]") { cursor throws(AvroError) in
                try cursor.value(items, schema: schema, depth: depth + 1)
            }
        case let .map(values):
            try blocks(open: "{", close: "}") { cursor throws(AvroError) in
                try cursor.writeString(try cursor.lengthPrefixed())
                cursor.append(":")
                try cursor.value(values, schema: schema, depth: depth + 1)
            }
        case let .union(branches):
            let start = offset
            let index = try long()
            guard index >= 0, index < branches.count else {
                offset = start
                throw error(.branchOutOfRange(index, branches: branches.count))
            }
            try value(branches[Int(index)], schema: schema, depth: depth + 1)
        }
    }

    /// Reads array or map blocks between `open` and `close`, calling `item` once per item,
    /// comma-separated. A negative count is followed by the block's size in bytes (which
    /// lets a reader skip; here it is only checked).
    mutating func blocks(open: StaticString, close: StaticString, _ item: (inout Cursor) throws(AvroError) -> Void) throws(AvroError) {
        append(open)
        var first = true
        while true {
            var count = try long()
            if count == 0 { return append(close) }
            if count < 0 {
                guard count != .min else { throw error(.negativeLength(count)) }
                count = -count
                let size = try long()
                guard size >= 0 else { throw error(.negativeLength(size)) }
                guard size <= bytes.count - offset else { throw error(.truncated) }
            }
            for _ in 0..<count {
                guard output.count <= outputLimit else { throw error(.outputTooLarge(limit: outputLimit)) }
                if !first { append(",") }
                first = false
                try item(&self)
            }
        }
    }

    // MARK: Primitives

    mutating func long() throws(AvroError) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw error(.truncated) }
            let byte = bytes[offset]
            // The tenth byte holds the 64th bit only.
            guard shift < 63 || byte <= 1 else { throw error(.varintTooLong) }
            offset += 1
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int() throws(AvroError) -> Int {
        let start = offset
        let value = try long()
        guard offset - start <= 5, let int = Int32(exactly: value) else {
            let reason: AvroError.Reason = offset - start > 5 ? .varintTooLong : .intOutOfRange
            offset = start
            throw error(reason)
        }
        return Int(int)
    }

    mutating func littleEndian<T: FixedWidthInteger>(_: T.Type) throws(AvroError) -> T {
        let range = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (shift, index) in range.enumerated() { value |= T(bytes[index]) << (8 * shift) }
        return value
    }

    mutating func take(_ count: Int) throws(AvroError) -> Range<Int> {
        guard count <= bytes.count - offset else { throw error(.truncated) }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func lengthPrefixed() throws(AvroError) -> Range<Int> {
        let start = offset
        let length = try long()
        guard length >= 0 else {
            offset = start
            throw error(.negativeLength(length))
        }
        guard length <= Int64(bytes.count - offset) else { throw error(.truncated) }
        return try take(Int(length))
    }

    // MARK: Output

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    mutating func writeInteger(_ value: some BinaryInteger) {
        append(decimal: value.magnitude, negative: value < 0)
    }

    mutating func append(decimal magnitude: some BinaryInteger, negative: Bool) {
        if negative { output.append(UInt8(ascii: "-")) }
        let start = output.count
        var rest = UInt64(magnitude)
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        output[start...].reverse()
    }

    mutating func writeDouble(_ value: Double) throws(AvroError) {
        guard value.isFinite else { throw error(.nonFinite) }
        output.append(contentsOf: value.description.utf8)
    }

    /// A string's bytes, validated as UTF-8 and escaped for JSON.
    mutating func writeString(_ range: Range<Int>) throws(AvroError) {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        var isASCII = true
        for byte in slice where byte >= 0x80 { isASCII = false; break }
        if !isASCII {
            var decoder = UTF8()
            var iterator = slice.makeIterator()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: break loop
                case .error: throw error(.invalidUTF8)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
        for byte in slice { appendEscaped(byte) }
        output.append(UInt8(ascii: "\""))
    }

    mutating func writeEscaped(_ string: String) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 { appendEscaped(byte) }
        output.append(UInt8(ascii: "\""))
    }

    /// Bytes as the string of code points U+0000–U+00FF, one per byte.
    mutating func writeLatin1(_ range: Range<Int>) {
        output.append(UInt8(ascii: "\""))
        for byte in bytes[range] {
            if byte < 0x80 {
                appendEscaped(byte)
            } else {
                output.append(0xC0 | byte >> 6)
                output.append(0x80 | byte & 0x3F)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            output.append(UInt8(ascii: "\\"))
            output.append(byte)
        case 0..<0x20:
            let hex = Self.hexDigits
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                       hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        default:
            output.append(byte)
        }
    }

    mutating func writeUUID(_ range: Range<Int>) {
        let hex = Self.hexDigits
        output.append(UInt8(ascii: "\""))
        for (position, index) in range.enumerated() {
            if position == 4 || position == 6 || position == 8 || position == 10 { output.append(UInt8(ascii: "-")) }
            output.append(hex[Int(bytes[index] >> 4)])
            output.append(hex[Int(bytes[index] & 0xF)])
        }
        output.append(UInt8(ascii: "\""))
    }

    /// A decimal: the unscaled big-endian two's-complement integer in `range`, divided by
    /// 10^scale, written exactly (`-12.3400`). O(n²) in the integer's bytes, hence at most
    /// ``maximumDecimalBytes`` of them (77 digits; Avro implementations commonly allow 38).
    mutating func writeDecimal(_ range: Range<Int>, scale: Int) throws(AvroError) {
        guard range.count <= Self.maximumDecimalBytes else {
            offset = range.lowerBound
            throw error(.decimalTooLong(range.count))
        }
        var magnitude = Array(bytes[range])
        let negative = (magnitude.first ?? 0) & 0x80 != 0
        if negative {
            // Two's complement: invert and add one.
            var carry = true
            for index in magnitude.indices.reversed() {
                magnitude[index] = ~magnitude[index]
                if carry {
                    magnitude[index] &+= 1
                    carry = magnitude[index] == 0
                }
            }
        }
        // Repeated division by 10 of the big-endian magnitude: digits least significant first.
        var digits: [UInt8] = []
        while magnitude.contains(where: { $0 != 0 }) {
            var remainder = 0
            for index in magnitude.indices {
                let current = remainder << 8 | Int(magnitude[index])
                magnitude[index] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder))
        }
        while digits.count <= scale { digits.append(0) }
        if negative { output.append(UInt8(ascii: "-")) }
        for position in stride(from: digits.count - 1, through: 0, by: -1) {
            if position == scale - 1 { output.append(UInt8(ascii: ".")) }
            output.append(UInt8(ascii: "0") + digits[position])
        }
    }
}
