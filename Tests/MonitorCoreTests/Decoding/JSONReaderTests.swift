import Testing
@testable import Monitor
@testable import MonitorCore

/// A generic value built with JSONReader, to compare whole documents in tests.
indirect enum Value: Equatable {
    case object([(String, Value)])
    case array([Value])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a.bitPattern == b.bitPattern
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }
}

func read(_ reader: inout JSONReader) throws -> Value {
    switch try reader.peekKind() {
    case .object:
        var members: [(String, Value)] = []
        try reader.readObject { reader, key in members.append((key.string, try read(&reader))) }
        return .object(members)
    case .array:
        var elements: [Value] = []
        try reader.readArray { reader in elements.append(try read(&reader)) }
        return .array(elements)
    case .string: return .string(try reader.readString())
    case .number: return .number(try reader.readDouble())
    case .bool: return .bool(try reader.readBool())
    case .null:
        try reader.readNull()
        return .null
    }
}

func parse(_ text: String) throws(JSONError) -> Value {
    var bytes = Array(text.utf8)
    return try parseBytes(&bytes)
}

func parseBytes(_ bytes: inout [UInt8]) throws(JSONError) -> Value {
    let result: Result<Value, JSONError> = bytes.withUnsafeBufferPointer { buffer in
        var reader = JSONReader(buffer)
        do {
            let value = try read(&reader)
            try reader.expectEnd()
            return .success(value)
        } catch {
            return .failure(error as! JSONError)
        }
    }
    return try result.get()
}

@Suite struct JSONReaderTests {
    @Test func readsNestedDocuments() throws {
        let value = try parse(#" { "a" : [1, -2.5e3, true, false, null, {"b": {}}, []], "c": "d" } "#)
        #expect(value == .object([
            ("a", .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .object([("b", .object([]))]), .array([])])),
            ("c", .string("d")),
        ]))
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{c}\n\r\t"))
        #expect(try parse(#""caf\u00e9 \u20AC""#) == .string("café €"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"grüße 😀\"") == .string("grüße 😀"))
    }

    @Test(arguments: [
        "0", "-0", "1", "123456789", "3.14159", "1e10", "1E-10", "-2.5e+3", "0.1", "0.30000000000000004",
        "9007199254740993", "123456789012345678901234567890", "1.7976931348623157e308", "5e-324",
        "2.2250738585072014e-308", "4.9406564584124654e-324", "0.000001234567890123456789", "1e22", "1e23",
    ])
    func numbersAreCorrectlyRounded(text: String) throws {
        #expect(try parse(text) == .number(Double(text)!))
    }

    @Test func hugeNumbersOverflowToInfinity() throws {
        #expect(try parse("1e400") == .number(.infinity))
        #expect(try parse("-1e400") == .number(-.infinity))
        #expect(try parse("1e-400") == .number(0))
    }

    @Test func duplicateKeysAreAllReported() throws {
        // The reader reports members in order; the event decoder documents "last one wins".
        #expect(try parse(#"{"a":1,"a":2}"#) == .object([("a", .number(1)), ("a", .number(2))]))
    }

    @Test func keysMatchWithoutAllocating() throws {
        var bytes = Array(#"{"score": 1, "sc\u006fre": 2}"#.utf8)
        let matches: [Bool] = bytes.withUnsafeMutableBufferPointer { buffer in
            var reader = JSONReader(UnsafeBufferPointer(buffer))
            var result: [Bool] = []
            try! reader.readObject { reader, key in
                result.append(key.matches("score"))
                try reader.skipValue()
            }
            return result
        }
        #expect(matches == [true, true])
    }

    @Test(arguments: [
        ("", JSONError.Reason.unexpectedEnd), ("{", .unexpectedEnd), (#"{"a":1"#, .unexpectedEnd),
        (#"{"a" 1}"#, .expected("':'")), ("[1,]", .unexpectedCharacter(UInt8(ascii: "]"))),
        (#"{"a":1,}"#, .expected("a string key")), ("01", .invalidNumber), ("1.", .invalidNumber),
        ("-", .unexpectedEnd), ("1e", .invalidNumber), ("NaN", .unexpectedCharacter(UInt8(ascii: "N"))),
        ("Infinity", .unexpectedCharacter(UInt8(ascii: "I"))), ("tru", .unexpectedEnd), ("nul", .unexpectedEnd),
        ("truth", .expected("true or false")), (#""\x""#, .invalidEscape), (#""\u12g4""#, .invalidEscape),
        (#""\ud83d""#, .invalidSurrogate), (#""\ude00""#, .invalidSurrogate), ("\"a\u{1}\"", .controlCharacterInString),
        ("\"abc", .unexpectedEnd), ("1 2", .trailingCharacters), ("{} x", .trailingCharacters),
    ])
    func rejectsMalformedInput(text: String, reason: JSONError.Reason) {
        #expect(throws: JSONError.self) { try parse(text) }
        do { _ = try parse(text) } catch { #expect(error.reason == reason, "\(text): \(error)") }
    }

    @Test func rejectsInvalidUTF8() {
        var bytes: [UInt8] = [UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")]
        #expect(throws: JSONError(reason: .invalidUTF8, offset: 1)) { try parseBytes(&bytes) }
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try parse(deep) }
        let allowed = String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth)
        _ = try parse(allowed)
    }

    @Test func everyTruncationOfAValidDocumentIsAnError() {
        let document = #"{"event":"prediction","id":"p-1","ts":1700000000000,"features":{"x":1.5e-3,"c":"m\u00f6bile","n":null},"score":0.79,"ok":true}"#
        let bytes = Array(document.utf8)
        for length in 0..<bytes.count {
            var prefix = Array(bytes[..<length])
            #expect(throws: JSONError.self) { try parseBytes(&prefix) }
        }
    }
}
