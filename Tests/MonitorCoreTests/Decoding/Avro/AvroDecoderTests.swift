import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The Avro decoder against fastavro: every datum of `fixtures/vectors/avro.json`
/// (written by `Tests/ReferenceVectors/avro_vectors.py`) decodes to the expected JSON,
/// and malformed data fails with the reason and offset instead of crashing.
@Suite struct AvroDecoderTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            var name: String
            var schema: String
            var datums: [Datum]
        }
        struct Datum: Decodable {
            var hex: String
            var json: String
        }
        var cases: [Case]
    }

    static let vectors: Vectors = {
        let data = FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/avro.json"))!
        return try! JSONDecoder().decode(Vectors.self, from: data)
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func transcode(_ schema: String, _ bytes: [UInt8], limit: Int = 1 << 20) throws -> String {
        let decoder = AvroDecoder(schema: try AvroSchema(json: schema))
        var output: [UInt8] = []
        try bytes.withUnsafeBufferPointer { try decoder.transcode($0, into: &output, outputLimit: limit) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parsed, so that `1.0` and `1`, or `\u00e9` and `é`, compare equal.
    static func parsed(_ json: String) throws -> NSObject {
        try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) as! NSObject
    }

    @Test(arguments: vectors.cases.map(\.name))
    func decodesWhatFastavroWrote(_ name: String) throws {
        let vector = Self.vectors.cases.first { $0.name == name }!
        #expect(!vector.datums.isEmpty)
        for datum in vector.datums {
            let json = try Self.transcode(vector.schema, Self.bytes(datum.hex))
            #expect(try Self.parsed(json) == Self.parsed(datum.json), "\(name): \(json) != \(datum.json)")
            // What the event decoder will read: JSONReader accepts every document written.
            try json.utf8CString.dropLast().map(UInt8.init).withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                try reader.skipValue()
                try reader.expectEnd()
            }
        }
    }

    @Test func longExtremesAndDecimalsAreExact() throws {
        let longs = Self.vectors.cases.first { $0.name == "long" }!
        let decoded = try longs.datums.map { try Self.transcode(longs.schema, Self.bytes($0.hex)) }
        #expect(decoded.contains("-9223372036854775808"))
        #expect(decoded.contains("9223372036854775807"))
        let decimals = Self.vectors.cases.first { $0.name == "decimal on bytes" }!
        let texts = try decimals.datums.map { try Self.transcode(decimals.schema, Self.bytes($0.hex)) }
        #expect(texts == decimals.datums.map(\.json))
    }

    @Test(arguments: [
        // schema, hex, reason, offset
        ("\"long\"", "", AvroError.Reason.truncated, 0),
        ("\"long\"", "80", .truncated, 1),
        ("\"long\"", "ffffffffffffffffff02", .varintTooLong, 9),
        ("\"int\"", "8080808010", .intOutOfRange, 0),
        ("\"int\"", "808080808001", .varintTooLong, 0),
        ("\"boolean\"", "02", .invalidBoolean(2), 0),
        ("\"string\"", "03", .negativeLength(-2), 0),
        ("\"string\"", "0a6162", .truncated, 1),
        ("\"string\"", "04c328", .invalidUTF8, 3),
        ("\"double\"", "000000000000f87f", .nonFinite, 8),
        ("\"float\"", "0000", .truncated, 0),
        ("[\"null\",\"int\"]", "04", .branchOutOfRange(2, branches: 2), 0),
        ("[\"null\",\"int\"]", "01", .branchOutOfRange(-1, branches: 2), 0),
        ("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "02", .symbolOutOfRange(1, symbols: 1), 0),
        ("{\"type\":\"array\",\"items\":\"long\"}", "0302", .truncated, 2),
        ("{\"type\":\"array\",\"items\":\"long\"}", "030e02", .truncated, 2),
        ("{\"type\":\"array\",\"items\":\"long\"}", "0201", .truncated, 2),
        ("\"null\"", "00", .trailingBytes(1), 0),
    ])
    func malformedDataFailsWithReasonAndOffset(_ schema: String, _ hex: String, _ reason: AvroError.Reason, _ offset: Int) {
        #expect(throws: AvroError(reason: reason, offset: offset)) { try Self.transcode(schema, Self.bytes(hex)) }
    }

    @Test func costlessItemsStopAtTheOutputLimit() {
        // One block of 2^62 nulls: no input bytes per item, four output bytes each.
        let schema = #"{"type":"array","items":"null"}"#
        let hugeCount: [UInt8] = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        #expect(throws: AvroError(reason: .outputTooLarge(limit: 1000), offset: 9)) {
            try Self.transcode(schema, hugeCount + [0], limit: 1000)
        }
    }

    @Test func deepRecursionIsAnErrorNotACrash() throws {
        // A recursive record nested 200 levels deep (each `next` takes branch 1).
        let schema = #"{"type":"record","name":"N","fields":[{"name":"next","type":["null","N"]}]}"#
        let bytes = [UInt8](repeating: 0x02, count: 200) + [0x00]
        #expect {
            try Self.transcode(schema, bytes)
        } throws: { error in
            (error as? AvroError)?.reason == .tooDeep
        }
    }

    @Test func oversizeDecimalsAreRefused() {
        let schema = #"{"type":"bytes","logicalType":"decimal","precision":200}"#
        #expect(throws: AvroError(reason: .decimalTooLong(40), offset: 1)) {
            try Self.transcode(schema, [80] + [UInt8](repeating: 1, count: 40))
        }
    }
}
