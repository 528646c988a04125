import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct JSONTreeTests {
    @Test func readsEveryKindOfValue() throws {
        let tree = try JSONTree(parsing: #" {"a": [1, 2.5, -3e2], "b": {"c": "d\u00e9\n"}, "t": true, "f": false, "n": null} "#)
        #expect(tree == .object([
            "a": .array([.number(1), .number(2.5), .number(-300)]),
            "b": .object(["c": .string("dé\n")]),
            "t": .bool(true), "f": .bool(false), "n": .null,
        ]))
        #expect(tree["a"]?.array?.count == 3 && tree["b"]?["c"]?.string == "dé\n")
        #expect(tree["missing"] == nil && tree["a"]?["x"] == nil && tree["t"]?.string == nil)
        // A bare value is a document too (a schema may be just "string").
        #expect(try JSONTree(parsing: #""string""#) == .string("string"))
    }

    @Test func integersAreWholeNumbers() throws {
        let tree = try JSONTree(parsing: #"[16, 16.0, 16.5, 1e300, "16"]"#)
        #expect(tree.array?.map(\.integer) == [16, 16, nil, nil, nil])
    }

    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        #expect(try JSONTree(parsing: #"{"k": 1, "k": 2}"#)["k"] == .number(2))
    }

    @Test(arguments: [
        ("{not json", JSONError(reason: .expected("a string key"), offset: 1)),
        ("[1, 2", JSONError(reason: .unexpectedEnd, offset: 5)),
        ("[1] x", JSONError(reason: .trailingCharacters, offset: 4)),
        (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), JSONError(reason: .tooDeep, offset: 65)),
    ])
    func malformedDocumentsFailWithThePlace(_ text: String, _ error: JSONError) {
        #expect(throws: error) { try JSONTree(parsing: text) }
    }
}
