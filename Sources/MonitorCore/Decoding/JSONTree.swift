/// A JSON document read whole into a tree of values, for the few documents the monitor
/// needs entire (an Avro schema served by a schema registry); events are read in place by
/// ``JSONReader`` without building one.
///
/// Same grammar and limits as ``JSONReader`` (RFC 8259, nesting at most
/// ``JSONReader/maximumDepth``); an object's repeated key keeps its last value, as
/// JavaScript's `JSON.parse` and Python's `json.loads` do. Cost: O(size of the text) time
/// and memory.
package enum JSONTree: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    /// Parses a whole document; anything after its value is an error.
    package init(parsing text: String) throws(JSONError) {
        var text = text
        let result: Result<JSONTree, JSONError> = text.withUTF8 { bytes in
            var reader = JSONReader(bytes)
            do {
                let tree = try Self.read(&reader)
                try reader.expectEnd()
                return .success(tree)
            } catch let error as JSONError {
                return .failure(error)
            } catch {
                preconditionFailure("JSONTree.read throws only JSONError")
            }
        }
        self = try result.get()
    }

    private static func read(_ reader: inout JSONReader) throws -> JSONTree {
        switch try reader.peekKind() {
        case .null:
            try reader.readNull()
            return .null
        case .bool: return .bool(try reader.readBool())
        case .number: return .number(try reader.readDouble())
        case .string: return .string(try reader.readString())
        case .array:
            var items: [JSONTree] = []
            try reader.readArray { items.append(try read(&$0)) }
            return .array(items)
        case .object:
            var members: [String: JSONTree] = [:]
            try reader.readObject { reader, key in members[key.string] = try read(&reader) }
            return .object(members)
        }
    }

    /// An object's member, or nil (no such key, or not an object).
    package subscript(key: String) -> JSONTree? {
        if case let .object(members) = self { members[key] } else { nil }
    }

    package var string: String? {
        if case let .string(value) = self { value } else { nil }
    }

    package var array: [JSONTree]? {
        if case let .array(items) = self { items } else { nil }
    }

    /// A number that is a whole value an `Int` holds (`16`, `16.0`), or nil.
    package var integer: Int? {
        if case let .number(value) = self { Int(exactly: value) } else { nil }
    }
}
