#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull reader over the bytes of one JSON document (RFC 8259), built for the
/// per-event hot path: it walks the bytes in place, skips what the caller does not
/// ask for without building it, and allocates only for strings the caller reads.
///
/// Foundation's `JSONDecoder` decodes about 170 k events/s on this project's machines;
/// a byte scanner like this one about ten times as many (see the Kafka notes).
///
/// Strictness: the grammar is RFC 8259's (no comments, no trailing commas, no NaN or
/// Infinity literals, no leading zeros, control characters must be escaped, strings must
/// be valid UTF-8). Numbers that overflow a Double read as ±infinity; callers decide
/// whether that is acceptable. Nesting deeper than ``maximumDepth`` is an error rather
/// than a stack overflow. Every failure is a ``JSONError`` with the byte offset.
package struct JSONReader: ~Copyable {
    package static let maximumDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the next unread byte.
    package private(set) var offset: Int = 0
    private var depth = 0

    /// The caller keeps `bytes` alive for the reader's lifetime.
    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// The kind of the next value, after skipping white space.
    package mutating func peekKind() throws(JSONError) -> JSONValueKind {
        skipWhitespace()
        guard offset < bytes.count else { throw error(.unexpectedEnd) }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error(.unexpectedCharacter(bytes[offset]))
        }
    }

    /// Calls `body` once per member of the object that comes next, with its key.
    /// `body` must consume the member's value (read it or ``skipValue()``). Errors
    /// `body` throws pass through unchanged, so a caller can stop early with its own.
    package mutating func readObject(_ body: (inout JSONReader, JSONKey) throws -> Void) throws {
        try open(UInt8(ascii: "{"))
        if try consumeIf(UInt8(ascii: "}")) { return close() }
        while true {
            skipWhitespace()
            let key = try readKey()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            if try consumeIf(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"))
            return close()
        }
    }

    /// Calls `body` once per element of the array that comes next; `body` must consume it.
    package mutating func readArray(_ body: (inout JSONReader) throws -> Void) throws {
        try open(UInt8(ascii: "["))
        if try consumeIf(UInt8(ascii: "]")) { return close() }
        while true {
            try body(&self)
            if try consumeIf(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "]"))
            return close()
        }
    }

    /// Checks that only white space follows the document.
    package mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        guard offset == bytes.count else { throw error(.trailingCharacters) }
    }

    /// Skips the next value of any kind, validating it. Throws only ``JSONError``.
    package mutating func skipValue() throws {
        switch try peekKind() {
        case .object: try readObject { reader, _ in try reader.skipValue() }
        case .array: try readArray { reader in try reader.skipValue() }
        case .string: _ = try scanString()
        case .number: _ = try readDouble()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    // MARK: Scalars

    package mutating func readBool() throws(JSONError) -> Bool {
        skipWhitespace()
        if try consumeLiteral("true") { return true }
        if try consumeLiteral("false") { return false }
        throw error(.expected("true or false"))
    }

    package mutating func readNull() throws(JSONError) {
        skipWhitespace()
        guard try consumeLiteral("null") else { throw error(.expected("null")) }
    }

    /// Reads `null` if it comes next; returns whether it did.
    package mutating func readNullIfPresent() throws(JSONError) -> Bool {
        guard try peekKind() == .null else { return false }
        try readNull()
        return true
    }

    package mutating func readString() throws(JSONError) -> String {
        skipWhitespace()
        let scanned = try scanString()
        return try decode(scanned)
    }

    /// Reads the next string without building it: its bytes in place when it has no
    /// escapes (see ``JSONKey``), for callers that compare before they build.
    package mutating func readStringBytes() throws(JSONError) -> JSONKey {
        skipWhitespace()
        return try readKey()
    }

    /// Reads a number, correctly rounded to the nearest Double.
    package mutating func readDouble() throws(JSONError) -> Double {
        skipWhitespace()
        let start = offset
        let number = try scanNumber()
        if let fast = number.exactValue { return fast }
        return slowParse(start..<offset)
    }

    // MARK: Internals

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    private func error(_ reason: JSONError.Reason) -> JSONError {
        JSONError(reason: reason, offset: offset)
    }

    private mutating func open(_ bracket: UInt8) throws(JSONError) {
        try expect(bracket)
        depth += 1
        guard depth <= Self.maximumDepth else { throw error(.tooDeep) }
    }

    private mutating func close() {
        depth -= 1
    }

    private mutating func expect(_ byte: UInt8) throws(JSONError) {
        skipWhitespace()
        guard offset < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[offset] == byte else { throw error(.expected("'\(Character(Unicode.Scalar(byte)))'")) }
        offset += 1
    }

    private mutating func consumeIf(_ byte: UInt8) throws(JSONError) -> Bool {
        skipWhitespace()
        guard offset < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    private mutating func consumeLiteral(_ literal: StaticString) throws(JSONError) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard offset + length <= bytes.count else {
            if offset < bytes.count, bytes[offset] == literal.utf8Start.pointee { throw error(.unexpectedEnd) }
            return false
        }
        for index in 0..<length where bytes[offset + index] != literal.utf8Start[index] { return false }
        offset += length
        return true
    }

    private mutating func readKey() throws(JSONError) -> JSONKey {
        guard offset < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[offset] == UInt8(ascii: "\"") else { throw error(.expected("a string key")) }
        let scanned = try scanString()
        if scanned.hasEscapes { return JSONKey(decoded: try decode(scanned)) }
        return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[scanned.content]))
    }

    /// A string's content range (between the quotes) and whether it holds escapes.
    struct ScannedString {
        var content: Range<Int>
        var hasEscapes: Bool
    }

    /// Scans a string, validating escapes, control characters and UTF-8.
    private mutating func scanString() throws(JSONError) -> ScannedString {
        offset += 1  // opening quote, checked by the caller
        let start = offset
        var hasEscapes = false
        var isASCII = true
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                let content = start..<offset
                offset += 1
                if !isASCII, String(validating: UnsafeBufferPointer(rebasing: bytes[content]), as: UTF8.self) == nil {
                    offset = start
                    throw error(.invalidUTF8)
                }
                return ScannedString(content: content, hasEscapes: hasEscapes)
            case UInt8(ascii: "\\"):
                hasEscapes = true
                offset += 1
                guard offset < bytes.count else { throw error(.unexpectedEnd) }
                switch bytes[offset] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    offset += 1
                case UInt8(ascii: "u"):
                    guard offset + 4 < bytes.count else { throw error(.unexpectedEnd) }
                    for index in 1...4 where hexValue(bytes[offset + index]) == nil {
                        offset += index
                        throw error(.invalidEscape)
                    }
                    offset += 5
                default:
                    throw error(.invalidEscape)
                }
            case 0..<0x20:
                throw error(.controlCharacterInString)
            default:
                if byte >= 0x80 { isASCII = false }
                offset += 1
            }
        }
        throw error(.unexpectedEnd)
    }

    /// Builds the String of a scanned string, resolving escapes and surrogate pairs.
    private func decode(_ scanned: ScannedString) throws(JSONError) -> String {
        let content = UnsafeBufferPointer(rebasing: bytes[scanned.content])
        guard scanned.hasEscapes else { return String(decoding: content, as: UTF8.self) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(content.count)
        var index = 0
        while index < content.count {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            let escape = content[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(content, at: index)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 6 <= content.count, content[index] == UInt8(ascii: "\\"),
                          content[index + 1] == UInt8(ascii: "u") else {
                        throw JSONError(reason: .invalidSurrogate, offset: scanned.content.lowerBound + index)
                    }
                    let low = hex4(content, at: index + 2)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw JSONError(reason: .invalidSurrogate, offset: scanned.content.lowerBound + index)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw JSONError(reason: .invalidSurrogate, offset: scanned.content.lowerBound + index)
                }
                utf8.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
            default: utf8.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    private func hex4(_ content: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 4 | UInt32(hexValue(content[index + $1])!) }
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A validated number's decimal significand and exponent, when they fit the fast path.
    struct ScannedNumber {
        var isNegative: Bool
        var significand: UInt64
        var exponent: Int
        var significandOverflowed: Bool

        /// Clinger's fast path: a significand below 2^53 scaled by an exactly
        /// representable power of ten gives the correctly rounded result.
        var exactValue: Double? {
            guard !significandOverflowed, significand <= 1 << 53, abs(exponent) <= 22 else { return nil }
            let magnitude = exponent >= 0
                ? Double(significand) * exactPowersOfTen[exponent]
                : Double(significand) / exactPowersOfTen[-exponent]
            return isNegative ? -magnitude : magnitude
        }
    }

    private mutating func scanNumber() throws(JSONError) -> ScannedNumber {
        var number = ScannedNumber(isNegative: false, significand: 0, exponent: 0, significandOverflowed: false)
        if bytes[offset] == UInt8(ascii: "-") {
            number.isNegative = true
            offset += 1
        }
        guard offset < bytes.count else { throw error(.unexpectedEnd) }
        guard isDigit(bytes[offset]) else { throw error(.invalidNumber) }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, isDigit(bytes[offset]) { throw error(.invalidNumber) }  // leading zero
        } else {
            scanDigits(into: &number, isFraction: false)
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error(.invalidNumber) }
            scanDigits(into: &number, isFraction: true)
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            var exponentSign = 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                exponentSign = bytes[offset] == UInt8(ascii: "-") ? -1 : 1
                offset += 1
            }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error(.invalidNumber) }
            var exponent = 0
            while offset < bytes.count, isDigit(bytes[offset]) {
                exponent = min(exponent * 10 + Int(bytes[offset] - UInt8(ascii: "0")), 100_000)
                offset += 1
            }
            number.exponent += exponentSign * exponent
        }
        return number
    }

    private mutating func scanDigits(into number: inout ScannedNumber, isFraction: Bool) {
        while offset < bytes.count, isDigit(bytes[offset]) {
            let digit = UInt64(bytes[offset] - UInt8(ascii: "0"))
            let (times10, overflow1) = number.significand.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 {
                number.significandOverflowed = true
                if !isFraction { number.exponent += 1 }
            } else {
                number.significand = sum
                if isFraction { number.exponent -= 1 }
            }
            offset += 1
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Correct rounding for the rare numbers outside the fast path, via the C library.
    private func slowParse(_ range: Range<Int>) -> Double {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return Double(text) ?? .nan  // the grammar was validated; Double accepts every JSON number
    }
}

/// 10⁰ … 10²², each exactly representable. Written as literals so the table is
/// initialised statically: a computed global is initialised lazily, which cost a
/// `swift_once` check on every number read.
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// What kind of value comes next in a document.
package enum JSONValueKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// An object key (or a string read with ``JSONReader/readStringBytes()``), compared
/// without building a String when it has no escapes.
package struct JSONKey {
    private let raw: UnsafeBufferPointer<UInt8>?
    private let decoded: String?

    init(raw: UnsafeBufferPointer<UInt8>) {
        self.raw = raw
        decoded = nil
    }

    init(decoded: String) {
        raw = nil
        self.decoded = decoded
    }

    /// Whether the key's UTF-8 bytes equal `utf8` (a memory comparison, no allocation).
    @inline(__always)
    package func matches(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let raw else { return decoded!.utf8.elementsEqual(utf8) }
        guard raw.count == utf8.count else { return false }
        return raw.isEmpty || memcmp(utf8.baseAddress!, raw.baseAddress!, raw.count) == 0
    }

    /// Whether the key equals `name`.
    package func matches(_ name: String) -> Bool {
        Array(name.utf8).withUnsafeBufferPointer { matches($0) }
    }

    package var string: String {
        decoded ?? String(decoding: raw!, as: UTF8.self)
    }

    /// The bytes in the document, when the string has no escapes.
    var rawBytes: UnsafeBufferPointer<UInt8>? { raw }

    /// Calls `body` with the string's UTF-8 bytes (in place when it has no escapes).
    func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let raw { return try body(raw) }
        var decoded = decoded!
        return try decoded.withUTF8(body)
    }
}

/// A malformed document: what was wrong and at which byte.
package struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Reason: Equatable, Sendable {
        case unexpectedEnd
        case unexpectedCharacter(UInt8)
        case expected(String)
        case invalidNumber
        case invalidEscape
        case invalidSurrogate
        case invalidUTF8
        case controlCharacterInString
        case tooDeep
        case trailingCharacters
    }

    package var reason: Reason
    package var offset: Int

    package var description: String {
        let what = switch reason {
        case .unexpectedEnd: "unexpected end of input"
        case let .unexpectedCharacter(byte): "unexpected character 0x\(String(byte, radix: 16))"
        case let .expected(thing): "expected \(thing)"
        case .invalidNumber: "invalid number"
        case .invalidEscape: "invalid escape sequence"
        case .invalidSurrogate: "unpaired UTF-16 surrogate in \\u escape"
        case .invalidUTF8: "string is not valid UTF-8"
        case .controlCharacterInString: "unescaped control character in string"
        case .tooDeep: "nesting deeper than \(JSONReader.maximumDepth) levels"
        case .trailingCharacters: "unexpected characters after the JSON value"
        }
        return "invalid JSON at byte \(offset): \(what)"
    }
}
