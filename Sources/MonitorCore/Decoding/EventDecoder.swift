/// Turns one message's bytes into a ``MonitorEvent``, following a ``FieldMapping``.
///
/// It reads the document once with ``JSONReader``, descending only into the objects
/// that lead to a mapped field and skipping everything else unparsed. The mapping's
/// paths are compiled into a small trie at start-up, so matching a key costs a byte
/// comparison against the few names expected at that depth, with no allocation.
///
/// Duplicate keys: the last occurrence wins, as in JavaScript and most JSON libraries.
package struct EventDecoder: Sendable {
    package struct Limits: Sendable, Equatable {
        /// Larger messages are rejected before parsing.
        package var maximumEventBytes = 1 << 20
        package var maximumFeatures = 1000

        package init(maximumEventBytes: Int = 1 << 20, maximumFeatures: Int = 1000) {
            self.maximumEventBytes = maximumEventBytes
            self.maximumFeatures = maximumFeatures
        }
    }

    private let schema: CompiledSchema
    package var mapping: FieldMapping { schema.mapping }
    package var limits: Limits { schema.limits }
    private var trie: PathTrie { schema.trie }

    package var modelTypes: ModelTypes { schema.modelTypes }

    /// A decoder for `mapping`; `modelTypes` says what each model's predictions hold (an
    /// event that does not fit its model's type is rejected).
    package init(mapping: FieldMapping = FieldMapping(), limits: Limits = Limits(), modelTypes: ModelTypes = ModelTypes()) {
        schema = CompiledSchema(mapping: mapping, limits: limits, modelTypes: modelTypes)
    }

    /// Decodes one message; `messageTimestamp` is its Kafka timestamp (epoch milliseconds),
    /// the event time under `timestamp: kafka` (files have none).
    package func decode(_ bytes: [UInt8], messageTimestamp: Int64? = nil) -> Result<MonitorEvent, EventRejection> {
        bytes.withUnsafeBufferPointer { decode($0, messageTimestamp: messageTimestamp) }
    }

    package func decode(_ bytes: UnsafeBufferPointer<UInt8>, messageTimestamp: Int64? = nil) -> Result<MonitorEvent, EventRejection> {
        var nothingRemembered = RecentStrings(capacity: 0)
        return decode(bytes, messageTimestamp: messageTimestamp, reusing: &nothingRemembered)
    }

    /// Fails when events need a Kafka message timestamp (`timestamp: kafka`), which files
    /// do not have: a start-up error for `context` (a command or a file) rather than every
    /// line rejected.
    package func requireEventTimeInFiles(_ context: String) throws(EventTimeUnavailable) {
        if mapping.timestamp == .kafkaMessage { throw EventTimeUnavailable(context: context) }
    }

    /// A decoder for one stream of messages decoded in order: it reuses the previous
    /// message's strings (see ``RecentStrings``) as an engine does, for a caller that
    /// decodes apart from the engine (e.g. on another thread) and hands it the events.
    package struct Session {
        package let decoder: EventDecoder
        private var recent = RecentStrings()
        /// The JSON an Avro message is decoded to, reused from message to message.
        private var transcoded: [UInt8] = []

        package init(_ decoder: EventDecoder) { self.decoder = decoder }

        /// Decodes a JSON message, or a message in Schema Registry framing with its schema
        /// from `schemas` (see ``SchemaRegistryFraming``); `messageTimestamp` is its Kafka timestamp.
        package mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, messageTimestamp: Int64? = nil,
                                    schemas: SchemaTable = .none) -> Result<MonitorEvent, EventRejection> {
            decoder.decode(bytes, messageTimestamp: messageTimestamp, schemas: schemas, reusing: &recent, transcoded: &transcoded)
        }
    }

    /// The decoded form of an Avro message may be larger than the message (a `null` costs
    /// no byte in Avro and four in JSON) up to this many times ``Limits/maximumEventBytes``.
    package static let transcodedSizeFactor = 4

    /// Decodes reusing the strings of the previous message decoded with `recent` (see
    /// ``RecentStrings``): what an engine does with the stream it is fed. Without a schema
    /// registry, a framed message is rejected as such.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, messageTimestamp: Int64?, reusing recent: inout RecentStrings) -> Result<MonitorEvent, EventRejection> {
        var transcoded: [UInt8] = []
        return decode(bytes, messageTimestamp: messageTimestamp, schemas: .none, reusing: &recent, transcoded: &transcoded)
    }

    func decode(_ bytes: UnsafeBufferPointer<UInt8>, messageTimestamp: Int64?, schemas: SchemaTable, reusing recent: inout RecentStrings,
                transcoded: inout [UInt8]) -> Result<MonitorEvent, EventRejection> {
        guard bytes.count <= limits.maximumEventBytes else {
            return .failure(.oversize(bytes: bytes.count, limit: limits.maximumEventBytes))
        }
        guard bytes.first == SchemaRegistryFraming.magicByte else { return decodeJSON(bytes, messageTimestamp: messageTimestamp, reusing: &recent) }
        guard let id = SchemaRegistryFraming.schemaID(bytes) else { return .failure(.invalidFraming(bytes: bytes.count)) }
        let payload = UnsafeBufferPointer(rebasing: bytes[SchemaRegistryFraming.headerBytes...])
        switch schemas.schema(id) {
        case let .failure(failure):
            return .failure(.schemaUnavailable(id: id, failure))
        case .success(.json):
            return decodeJSON(payload, messageTimestamp: messageTimestamp, reusing: &recent)
        case let .success(.avro(avro)):
            do {
                try avro.transcode(payload, into: &transcoded, outputLimit: Self.transcodedSizeFactor * limits.maximumEventBytes)
            } catch {
                return .failure(.invalidAvro(schemaID: id, error))
            }
            return transcoded.withUnsafeBufferPointer { decodeJSON($0, messageTimestamp: messageTimestamp, reusing: &recent) }
        }
    }

    private func decodeJSON(_ bytes: UnsafeBufferPointer<UInt8>, messageTimestamp: Int64?, reusing recent: inout RecentStrings) -> Result<MonitorEvent, EventRejection> {
        var fields = ScannedFields(schema: schema, reusing: &recent.arrays)
        defer { recent.arrays.keep(fields.arrays) }
        recent.startMessage()
        var reader = JSONReader(bytes)
        do {
            guard try reader.peekKind() == .object else {
                // Valid JSON of another kind is "not an object"; anything else is invalid JSON.
                try reader.skipValue()
                try reader.expectEnd()
                return .failure(.notAnObject)
            }
            try scan(&reader, node: trie.root, into: &fields, recent: &recent)
            try reader.expectEnd()
        } catch let error as EventRejection {
            return .failure(error)
        } catch {
            return .failure(.invalidJSON(error as! JSONError))
        }
        return fields.event(messageTimestamp: messageTimestamp)
    }

    /// Walks the object at `node`, storing mapped values into `fields`. Throws
    /// ``JSONError`` or, on the first field that breaks a rule, ``EventRejection``.
    private func scan(_ reader: inout JSONReader, node: Int, into fields: inout ScannedFields, recent: inout RecentStrings) throws {
        try reader.readObject { reader, key in
            guard let child = trie.child(of: node, matching: key) else { return try reader.skipValue() }
            if let slot = trie.slot(of: child) {
                try fields.store(slot, from: &reader, recent: &recent)
            } else if try reader.peekKind() == .object {
                try scan(&reader, node: child, into: &fields, recent: &recent)
            } else {
                try reader.skipValue()
            }
        }
    }
}

/// `timestamp: kafka` given to a command that reads files.
package struct EventTimeUnavailable: Error, Sendable, CustomStringConvertible {
    package var context: String

    package var description: String {
        "\(context): 'timestamp: kafka' takes the Kafka message timestamp, which files do not carry (it works in serve only); "
            + "name the event-time field instead (e.g. mapping.timestamp: ts)"
    }
}

/// A mapping prepared for decoding, shared by reference so a decode retains it once.
final class CompiledSchema: Sendable {
    let mapping: FieldMapping
    let limits: EventDecoder.Limits
    let modelTypes: ModelTypes
    let trie: PathTrie
    /// Explicit segment attributes in name order; `Slot.segmentPath` indexes it.
    let segmentPaths: [(name: String, path: String)]

    init(mapping: FieldMapping, limits: EventDecoder.Limits, modelTypes: ModelTypes) {
        self.mapping = mapping
        self.limits = limits
        self.modelTypes = modelTypes
        trie = PathTrie(mapping: mapping)
        segmentPaths = mapping.sortedSegmentPaths
    }
}

/// Which event field a mapped path holds.
enum Slot: Equatable {
    case eventType, model, version, id, timestamp, score, predictedLabel, prediction, probabilities, label
    case featuresObject, segmentObject
    case featurePath(Int)
    case segmentPath(Int)
}

/// The mapping's paths as a trie of object keys; node 0 is the document root.
///
/// Stored flat (edges in one array, their keys in one byte buffer) so that matching a
/// key on the hot path touches no reference-counted storage.
struct PathTrie: Sendable {
    private struct Edge: Sendable {
        var parent: Int
        var keyStart: Int
        var keyLength: Int
        var child: Int
    }

    private var edges: [Edge] = []
    private var keyBytes: [UInt8] = []
    private var slots: [Slot?] = [nil]
    let root = 0

    /// Every mapped path: a regression `prediction` and multiclass `probabilities` too, as a
    /// model not declared may be of any type (an event without them costs a few more key
    /// comparisons at the top level).
    init(mapping: FieldMapping) {
        insert(mapping.eventType, .eventType)
        insert(mapping.model, .model)
        insert(mapping.version, .version)
        insert(mapping.id, .id)
        if case let .field(path) = mapping.timestamp { insert(path, .timestamp) }
        insert(mapping.score, .score)
        insert(mapping.predictedLabel, .predictedLabel)
        insert(mapping.label, .label)
        if mapping.featurePaths.isEmpty {
            insert(mapping.features, .featuresObject)
        } else {
            for (index, path) in mapping.featurePaths.enumerated() { insert(path, .featurePath(index)) }
        }
        if mapping.segmentPaths.isEmpty {
            insert(mapping.segment, .segmentObject)
        } else {
            for (index, path) in mapping.sortedSegmentPaths.map(\.path).enumerated() { insert(path, .segmentPath(index)) }
        }
        // Last: a key is matched against the edges in insertion order, so a binary
        // classifier's keys are found before these are tried.
        insert(mapping.prediction, .prediction)
        insert(mapping.probabilities, .probabilities)
    }

    private mutating func insert(_ path: String, _ slot: Slot) {
        var node = root
        for key in path.split(separator: ".", omittingEmptySubsequences: false) {
            let utf8 = Array(key.utf8)
            if let existing = edges.first(where: { $0.parent == node && Array(keyBytes[$0.keyStart..<($0.keyStart + $0.keyLength)]) == utf8 }) {
                node = existing.child
            } else {
                slots.append(nil)
                edges.append(Edge(parent: node, keyStart: keyBytes.count, keyLength: utf8.count, child: slots.count - 1))
                keyBytes.append(contentsOf: utf8)
                node = slots.count - 1
            }
        }
        slots[node] = slot
    }

    func child(of node: Int, matching key: JSONKey) -> Int? {
        keyBytes.withUnsafeBufferPointer { keyBytes in
            edges.withUnsafeBufferPointer { edges in
                for edge in edges where edge.parent == node
                    && key.matches(UnsafeBufferPointer(rebasing: keyBytes[edge.keyStart..<(edge.keyStart + edge.keyLength)])) {
                    return edge.child
                }
                return nil
            }
        }
    }

    func slot(of node: Int) -> Slot? {
        slots[node]
    }
}

extension FieldMapping {
    /// Segment paths in a fixed (name) order, so decoding is deterministic.
    var sortedSegmentPaths: [(name: String, path: String)] {
        segmentPaths.sorted { $0.key < $1.key }.map { (name: $0.key, path: $0.value) }
    }
}
