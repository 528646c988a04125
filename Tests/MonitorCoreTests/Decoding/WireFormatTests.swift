import Testing
@testable import Monitor
@testable import MonitorCore

/// Messages in Schema Registry framing through ``EventDecoder``: Avro and JSON Schema
/// payloads decode to the same events as the JSON they stand for, and every failure is a
/// rejection naming the schema id.
@Suite struct WireFormatTests {
    /// The fastavro-written `event` vectors: a prediction and a label, and their JSON.
    static let event = AvroDecoderTests.vectors.cases.first { $0.name == "event" }!

    static func decode(_ bytes: [UInt8], schemas: SchemaTable) -> Result<MonitorEvent, EventRejection> {
        var session = EventDecoder.Session(EventDecoder())
        return bytes.withUnsafeBufferPointer { session.decode($0, schemas: schemas) }
    }

    static let avroSchemas = SchemaTable(schemas: [
        258: .success(.avro(AvroDecoder(schema: try! AvroSchema(json: event.schema)))),
        7: .success(.json),
        9: .failure(.notFound),
    ])
    static let header258: [UInt8] = [0, 0, 0, 1, 2]

    @Test func avroDecodesToTheEventsOfItsJSON() throws {
        for datum in Self.event.datums {
            let avro = Self.decode(Self.header258 + AvroDecoderTests.bytes(datum.hex), schemas: Self.avroSchemas)
            let json = EventDecoder().decode(Array(datum.json.utf8))
            #expect(try avro.get() == json.get())
        }
        guard case let .prediction(prediction) = try Self.decode(Self.header258 + AvroDecoderTests.bytes(Self.event.datums[0].hex),
                                                                schemas: Self.avroSchemas).get() else {
            Issue.record("not a prediction")
            return
        }
        #expect(prediction.timestamp == 1_700_000_000_123)
        #expect(prediction.features.map(\.name) == ["f_income", "c_channel", "b_flag", "n_count", "f_missing"])
        #expect(prediction.segment == [SegmentAttribute("gender", "female"), SegmentAttribute("region", "north")])
    }

    @Test func jsonSchemaPayloadsAreTheJSONAfterTheHeader() throws {
        let json = Array(#"{"event":"label","id":"p-1","ts":1700000360000,"label":1}"#.utf8)
        #expect(try Self.decode([0, 0, 0, 0, 7] + json, schemas: Self.avroSchemas).get() == EventDecoder().decode(json).get())
    }

    @Test func failuresNameTheSchemaID() {
        let cut = Array(AvroDecoderTests.bytes(Self.event.datums[0].hex).dropLast(2))
        #expect(Self.decode(Self.header258 + cut, schemas: Self.avroSchemas)
            == .failure(.invalidAvro(schemaID: 258, AvroError(reason: .truncated, offset: cut.count - 1))))
        #expect(Self.decode([0, 0, 0, 0, 9, 1], schemas: Self.avroSchemas) == .failure(.schemaUnavailable(id: 9, .notFound)))
        #expect(Self.decode([0, 0, 0, 0, 9, 1], schemas: .none) == .failure(.schemaUnavailable(id: 9, .registryNotConfigured)))
        #expect(EventDecoder().decode([0, 0, 0, 1, 2, 1]) == .failure(.schemaUnavailable(id: 258, .registryNotConfigured)))
        #expect(Self.decode([0, 0, 1], schemas: Self.avroSchemas) == .failure(.invalidFraming(bytes: 3)))
        #expect(EventRejection.schemaUnavailable(id: 9, .notFound).description == "schema id 9: the schema registry has no schema with this id")
        #expect(EventRejection.schemaUnavailable(id: 9, .notFound).code == "schema_not_found")
    }
}
