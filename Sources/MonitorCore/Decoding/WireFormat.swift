/// Confluent Schema Registry framing ("wire format"): a zero magic byte, the schema id as
/// a 4-byte big-endian integer, then the payload in the format of that schema — Avro
/// binary or JSON (JSON Schema). A JSON document never starts with a zero byte, so a
/// message is framed exactly when its first byte is zero, and unframed JSON keeps working
/// next to framed messages on the same topic. Cost: 5 bytes read per message.
///
/// Source: https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
package enum SchemaRegistryFraming {
    package static let magicByte: UInt8 = 0
    package static let headerBytes = 5

    /// The schema id of a framed message, or nil when `bytes` is too short to hold one.
    static func schemaID(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard bytes.count >= headerBytes else { return nil }
        return bytes[1...4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The schema id of `bytes` when it is a framed message (nil for JSON or too short).
    package static func framedSchemaID(_ bytes: [UInt8]) -> UInt32? {
        guard bytes.first == magicByte else { return nil }
        return bytes.withUnsafeBufferPointer { schemaID($0) }
    }
}

/// How the payloads framed with one schema id are decoded.
package enum WireSchema: Sendable {
    case avro(AvroDecoder)
    /// A JSON Schema: the payload is JSON, decoded as an unframed message (the schema
    /// itself is not checked against; the field mapping's type checks apply).
    case json
}

/// Why no schema is available for a framed message's id.
package enum SchemaLookupFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message is framed but the run has no schema registry.
    case registryNotConfigured
    /// The registry answered that it has no schema with this id.
    case notFound
    /// The registry did not answer (after retries), or answered with an error.
    case unreachable(String)
    /// The registry's schema is of a type driftwatch does not decode (Protobuf), or invalid.
    case unsupported(String)

    package var code: String {
        switch self {
        case .registryNotConfigured: "schema_registry_not_configured"
        case .notFound: "schema_not_found"
        case .unreachable: "schema_registry_unreachable"
        case .unsupported: "schema_unsupported"
        }
    }

    package var description: String {
        switch self {
        case .registryNotConfigured: "no schema registry configured (serve --schema-registry URL)"
        case .notFound: "the schema registry has no schema with this id"
        case let .unreachable(reason): "schema registry unreachable: \(reason)"
        case let .unsupported(reason): "unsupported schema: \(reason)"
        }
    }
}

/// The schemas known for the messages of one batch, by id: a snapshot of the registry
/// client's cache taken before the batch is decoded, so decoding never waits on the network.
package struct SchemaTable: Sendable {
    package var schemas: [UInt32: Result<WireSchema, SchemaLookupFailure>]
    /// The answer for ids not in `schemas`.
    package var missing: SchemaLookupFailure

    package init(schemas: [UInt32: Result<WireSchema, SchemaLookupFailure>] = [:], missing: SchemaLookupFailure = .registryNotConfigured) {
        self.schemas = schemas
        self.missing = missing
    }

    /// No registry: every framed message is rejected as such.
    package static let none = SchemaTable()

    func schema(_ id: UInt32) -> Result<WireSchema, SchemaLookupFailure> {
        schemas[id] ?? .failure(missing)
    }
}
