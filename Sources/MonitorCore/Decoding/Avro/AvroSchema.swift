/// An Avro schema (Apache Avro 1.11 specification, "Schema Declaration"), parsed from its
/// JSON text and flattened into a table of nodes so that named types may refer to
/// themselves (a recursive record) and to types declared earlier in the document.
///
/// Source: https://avro.apache.org/docs/1.11.1/specification/ — primitive types, records,
/// enums, arrays, maps, unions, fixed; names and namespaces ("Names": a dotted name is a
/// full name, otherwise the nearest enclosing namespace applies; primitive type names
/// cannot be redefined); logical types. Cost: parsing is O(size of the schema text),
/// done once per schema id; decoding then reads nodes by index.
///
/// Logical types change what a value decodes to only where the number would otherwise
/// be lost: `decimal` (on `bytes` or `fixed`) decodes to its decimal number and `uuid`
/// on `fixed(16)` to the canonical string. `date`, `time-*`, `timestamp-*` and
/// `local-timestamp-*` decode to their integer (days, or epoch milliseconds or
/// microseconds), which the field mapping's timestamp unit then interprets. As the
/// specification asks, an invalid logical type (e.g. `decimal` without a precision)
/// is ignored and the underlying type used.
package struct AvroSchema: Sendable, Equatable {
    package enum Node: Sendable, Equatable {
        case null, boolean, int, long, float, double, string
        case bytes(decimal: AvroDecimal?)
        case fixed(name: String, size: Int, logical: FixedLogicalType?)
        case enumeration(name: String, symbols: [String])
        case record(name: String, fields: [Field])
        case array(items: Int)
        case map(values: Int)
        case union(branches: [Int])
    }

    package struct Field: Sendable, Equatable {
        package var name: String
        /// Index of the field's type in ``nodes``.
        package var type: Int
    }

    package enum FixedLogicalType: Sendable, Equatable {
        case decimal(AvroDecimal)
        /// Avro 1.12: a UUID as 16 raw bytes.
        case uuid
    }

    /// Every node; ``root`` is the schema's top type. A named type's node is shared by
    /// every reference to it.
    package let nodes: [Node]
    package let root: Int

    /// Parses a schema from its JSON text (as served by a schema registry).
    package init(json: String) throws(AvroSchemaError) {
        let tree: JSONTree
        do {
            tree = try JSONTree(parsing: json)
        } catch {
            throw AvroSchemaError("schema is not valid JSON (\(error))")
        }
        var parser = Parser()
        root = try parser.parse(tree, namespace: nil, depth: 0)
        nodes = parser.nodes
    }

    /// Deeper schemas are rejected (they would only serve to exhaust the stack).
    package static let maximumDepth = 32
}

/// The `decimal` logical type: an unscaled two's-complement big-endian integer and a scale.
package struct AvroDecimal: Sendable, Equatable {
    package var precision: Int
    package var scale: Int
}

/// Why a schema text is not a usable Avro schema.
package struct AvroSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

private struct Parser {
    var nodes: [AvroSchema.Node] = []
    /// Full name → node, for references to named types.
    var named: [String: Int] = [:]

    static let log10Of2 = 0.301_029_995_663_981_2

    static let primitives: [String: AvroSchema.Node] = [
        "null": .null, "boolean": .boolean, "int": .int, "long": .long, "float": .float,
        "double": .double, "bytes": .bytes(decimal: nil), "string": .string,
    ]

    mutating func add(_ node: AvroSchema.Node) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    mutating func parse(_ json: JSONTree, namespace: String?, depth: Int) throws(AvroSchemaError) -> Int {
        guard depth < AvroSchema.maximumDepth else { throw AvroSchemaError("schema nested deeper than \(AvroSchema.maximumDepth) levels") }
        switch json {
        case let .string(name):
            if let primitive = Self.primitives[name] { return add(primitive) }
            if let node = named[fullName(name, namespace: namespace)] ?? named[name] { return node }
            throw AvroSchemaError("unknown type '\(name)' (named types must be declared before use)")
        case let .array(branches):
            var indices: [Int] = []
            for branch in branches {
                let index = try parse(branch, namespace: namespace, depth: depth + 1)
                if case .union = nodes[index] { throw AvroSchemaError("a union may not directly contain a union") }
                indices.append(index)
            }
            guard !indices.isEmpty else { throw AvroSchemaError("a union needs at least one branch") }
            return add(.union(branches: indices))
        case .object:
            return try parseObject(json, namespace: namespace, depth: depth)
        default:
            throw AvroSchemaError("a schema is a type name, an object or an array (union)")
        }
    }

    mutating func parseObject(_ object: JSONTree, namespace: String?, depth: Int) throws(AvroSchemaError) -> Int {
        guard let type = object["type"] else { throw AvroSchemaError("schema object without 'type'") }
        guard let typeName = type.string else {
            // {"type": {...}} or {"type": [...]}: a wrapped schema.
            return try parse(type, namespace: namespace, depth: depth + 1)
        }
        let logicalType = object["logicalType"]?.string
        switch typeName {
        case "record", "error":
            let (name, inner) = try declaredName(object, namespace: namespace)
            // Declared before its fields, so a field may refer to the record itself.
            let index = add(.record(name: name, fields: []))
            named[name] = index
            guard let fieldList = object["fields"]?.array else { throw AvroSchemaError("record '\(name)' has no 'fields' array") }
            var fields: [AvroSchema.Field] = []
            for entry in fieldList {
                guard let fieldName = entry["name"]?.string, let fieldType = entry["type"] else {
                    throw AvroSchemaError("record '\(name)': each field needs a 'name' and a 'type'")
                }
                guard !fields.contains(where: { $0.name == fieldName }) else {
                    throw AvroSchemaError("record '\(name)': duplicate field '\(fieldName)'")
                }
                fields.append(AvroSchema.Field(name: fieldName, type: try parse(fieldType, namespace: inner, depth: depth + 1)))
            }
            nodes[index] = .record(name: name, fields: fields)
            return index
        case "enum":
            let (name, _) = try declaredName(object, namespace: namespace)
            guard let entries = object["symbols"]?.array, case let symbols = entries.compactMap(\.string),
                  symbols.count == entries.count, !symbols.isEmpty, Set(symbols).count == symbols.count else {
                throw AvroSchemaError("enum '\(name)' needs distinct 'symbols'")
            }
            let index = add(.enumeration(name: name, symbols: symbols))
            named[name] = index
            return index
        case "fixed":
            let (name, _) = try declaredName(object, namespace: namespace)
            guard let size = object["size"]?.integer, size >= 0 else {
                throw AvroSchemaError("fixed '\(name)' needs a non-negative 'size'")
            }
            let logical: AvroSchema.FixedLogicalType? = switch logicalType {
            case "decimal": decimal(object, maximumBytes: size).map { .decimal($0) }
            case "uuid" where size == 16: .uuid
            default: nil
            }
            let index = add(.fixed(name: name, size: size, logical: logical))
            named[name] = index
            return index
        case "array":
            guard let items = object["items"] else { throw AvroSchemaError("array without 'items'") }
            return add(.array(items: try parse(items, namespace: namespace, depth: depth + 1)))
        case "map":
            guard let values = object["values"] else { throw AvroSchemaError("map without 'values'") }
            return add(.map(values: try parse(values, namespace: namespace, depth: depth + 1)))
        case "bytes" where logicalType == "decimal":
            return add(.bytes(decimal: decimal(object, maximumBytes: nil)))
        default:
            // A primitive written as an object, or a reference to a named type.
            return try parse(.string(typeName), namespace: namespace, depth: depth + 1)
        }
    }

    /// The full name of a named type and the namespace its members inherit.
    func declaredName(_ object: JSONTree, namespace: String?) throws(AvroSchemaError) -> (name: String, namespace: String?) {
        guard let name = object["name"]?.string, !name.isEmpty else { throw AvroSchemaError("named type without a 'name'") }
        let own = object["namespace"]?.string
        let full = fullName(name, namespace: own ?? namespace)
        guard Self.primitives[full] == nil else { throw AvroSchemaError("'\(full)' redefines a primitive type") }
        guard named[full] == nil else { throw AvroSchemaError("type '\(full)' is defined twice") }
        let inner = full.lastIndex(of: ".").map { String(full[..<$0]) }
        return (full, inner)
    }

    func fullName(_ name: String, namespace: String?) -> String {
        if name.contains(".") { return name }
        guard let namespace, !namespace.isEmpty else { return name }
        return "\(namespace).\(name)"
    }

    /// The decimal attributes, or nil when they are invalid (then the logical type is ignored).
    func decimal(_ object: JSONTree, maximumBytes: Int?) -> AvroDecimal? {
        guard let precision = object["precision"]?.integer, precision > 0 else { return nil }
        let scale = object["scale"]?.integer ?? 0
        guard scale >= 0, scale <= precision else { return nil }
        if let maximumBytes {
            // The most digits a two's-complement number of that many bytes holds.
            let digits = Int((Double(8 * maximumBytes - 1) * Self.log10Of2).rounded(.down))
            guard precision <= digits else { return nil }
        }
        return AvroDecimal(precision: precision, scale: scale)
    }
}
