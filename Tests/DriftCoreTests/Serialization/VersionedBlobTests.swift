import Testing
@testable import DriftCore

struct Sample: BinaryCodable, Equatable {
    var name: String
    var values: [Double]
    var counts: [UInt64]

    func encode(to writer: inout BinaryWriter) {
        writer.write(name)
        writer.write(values)
        writer.writeCounts(counts)
    }

    init(name: String, values: [Double], counts: [UInt64]) {
        self.name = name
        self.values = values
        self.counts = counts
    }

    init(from reader: inout BinaryReader) throws {
        name = try reader.readString()
        values = try reader.readDoubles()
        counts = try reader.readCounts()
    }
}

@Suite struct VersionedBlobTests {
    let sample = Sample(name: "f_income ✓", values: [1.5, -.infinity, .nan, 0, -0.0], counts: [0, 1, 127, 128, .max])

    func encoded() -> [UInt8] { VersionedBlob.encode(sample, kind: "sample", version: 2) }

    @Test func roundTripsBitForBit() throws {
        let decoded = try VersionedBlob.decode(Sample.self, from: encoded(), kind: "sample", newestVersion: 2)
        #expect(decoded.name == sample.name)
        #expect(decoded.counts == sample.counts)
        #expect(decoded.values.map(\.bitPattern) == sample.values.map(\.bitPattern))
    }

    @Test func everyTruncationIsAnError() {
        let bytes = encoded()
        for length in 0..<bytes.count {
            #expect(throws: SerializationError.self) {
                try VersionedBlob.decode(Sample.self, from: Array(bytes[..<length]), kind: "sample", newestVersion: 2)
            }
        }
    }

    @Test func everyFlippedPayloadBitIsDetected() {
        let bytes = encoded()
        let payloadStart = bytes.count - 60  // well inside the payload
        for index in payloadStart..<bytes.count {
            var corrupted = bytes
            corrupted[index] ^= 0x10
            #expect(throws: SerializationError.self) {
                try VersionedBlob.decode(Sample.self, from: corrupted, kind: "sample", newestVersion: 2)
            }
        }
    }

    @Test func newerVersionAndWrongKindAreNamed() {
        #expect(throws: SerializationError.unsupportedVersion(kind: "sample", version: 2, newestSupported: 1)) {
            try VersionedBlob.decode(Sample.self, from: encoded(), kind: "sample", newestVersion: 1)
        }
        #expect(throws: SerializationError.wrongKind(expected: "profile", actual: "sample")) {
            try VersionedBlob.decode(Sample.self, from: encoded(), kind: "profile", newestVersion: 2)
        }
        #expect(throws: SerializationError.badMagic) {
            try VersionedBlob.decode(Sample.self, from: Array("{\"json\":1}".utf8), kind: "sample", newestVersion: 2)
        }
    }

    @Test func hugeLengthPrefixDoesNotAllocate() {
        var writer = BinaryWriter()
        writer.writeVarint(UInt64.max >> 1)  // a count no blob could hold
        var reader = BinaryReader(writer.bytes)
        #expect(throws: SerializationError.self) { try reader.readDoubles() }
    }
}
