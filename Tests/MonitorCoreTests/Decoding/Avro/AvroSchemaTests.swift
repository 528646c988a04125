import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct AvroSchemaTests {
    @Test func namedTypesResolveThroughNamespaces() throws {
        let schema = try AvroSchema(json: #"""
        {"type":"record","name":"A","namespace":"n1","fields":[
          {"name":"b","type":{"type":"enum","name":"B","symbols":["X"]}},
          {"name":"c","type":"B"},{"name":"d","type":"n1.B"},
          {"name":"e","type":{"type":"fixed","name":"other.F","size":3}},{"name":"f","type":"other.F"}]}
        """#)
        guard case let .record(name, fields) = schema.nodes[schema.root] else { Issue.record("not a record"); return }
        #expect(name == "n1.A")
        #expect(fields[1].type == fields[0].type && fields[2].type == fields[0].type)
        #expect(fields[4].type == fields[3].type)
        #expect(schema.nodes[fields[3].type] == .fixed(name: "other.F", size: 3, logical: nil))
    }

    @Test func invalidLogicalTypesAreIgnoredAsTheSpecificationAsks() throws {
        let schema = try AvroSchema(json: #"{"type":"bytes","logicalType":"decimal","scale":2}"#)
        #expect(schema.nodes[schema.root] == .bytes(decimal: nil))
        let fixed = try AvroSchema(json: #"{"type":"fixed","name":"T","size":2,"logicalType":"decimal","precision":10}"#)
        #expect(fixed.nodes[fixed.root] == .fixed(name: "T", size: 2, logical: nil))
    }

    @Test(arguments: [
        (#"{"type":"record","name":"R","fields":[{"name":"x","type":"Later"}]}"#, "unknown type 'Later' (named types must be declared before use)"),
        (#"{"type":"record","name":"R"}"#, "record 'R' has no 'fields' array"),
        (#"{"type":"enum","name":"E","symbols":["A","A"]}"#, "enum 'E' needs distinct 'symbols'"),
        (#"["null",["int"]]"#, "a union may not directly contain a union"),
        (#"{"type":"fixed","name":"int","size":1}"#, "'int' redefines a primitive type"),
        (#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}"#, "record 'R': duplicate field 'a'"),
        ("{not json", "schema is not valid JSON (invalid JSON at byte 1: expected a string key)"),
        (#"{"type":"enum","name":"E","symbols":["A",1]}"#, "enum 'E' needs distinct 'symbols'"),
        (#"{"type":"fixed","name":"F","size":2.5}"#, "fixed 'F' needs a non-negative 'size'"),
        (String(repeating: #"{"type":"array","items":"#, count: 40) + #""int""# + String(repeating: "}", count: 40),
         "schema nested deeper than 32 levels"),
    ])
    func invalidSchemasAreRejectedWithAReason(_ json: String, _ message: String) {
        #expect(throws: AvroSchemaError(message)) { try AvroSchema(json: json) }
    }
}
