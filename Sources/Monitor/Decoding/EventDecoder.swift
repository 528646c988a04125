/// Turns one message's bytes into a ``MonitorEvent``, following a ``FieldMapping``.
///
/// It reads the document once with ``JSONReader``, descending only into the objects
/// that lead to a mapped field and skipping everything else unparsed. The mapping's
/// paths are compiled into a small trie at start-up, so matching a key costs a byte
/// comparison against the few names expected at that depth, with no allocation.
///
/// Duplicate keys: the last occurrence wins, as in JavaScript and most JSON libraries.
public struct EventDecoder: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Larger messages are rejected before parsing.
        public var maximumEventBytes = 1 << 20
        public var maximumFeatures = 1000

        public init(maximumEventBytes: Int = 1 << 20, maximumFeatures: Int = 1000) {
            self.maximumEventBytes = maximumEventBytes
            self.maximumFeatures = maximumFeatures
        }
    }

    public let mapping: FieldMapping
    public let limits: Limits
    private let trie: PathTrie

    public init(mapping: FieldMapping = FieldMapping(), limits: Limits = Limits()) {
        self.mapping = mapping
        self.limits = limits
        trie = PathTrie(mapping: mapping)
    }

    public func decode(_ bytes: [UInt8]) -> Result<MonitorEvent, EventRejection> {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<MonitorEvent, EventRejection> {
        guard bytes.count <= limits.maximumEventBytes else {
            return .failure(.oversize(bytes: bytes.count, limit: limits.maximumEventBytes))
        }
        var fields = ScannedFields(mapping: mapping, limits: limits)
        var reader = JSONReader(bytes)
        do {
            guard try reader.peekKind() == .object else { return .failure(.notAnObject) }
            try scan(&reader, node: trie.root, into: &fields)
            try reader.expectEnd()
        } catch let error as EventRejection {
            return .failure(error)
        } catch {
            return .failure(.invalidJSON(error as! JSONError))
        }
        return fields.event()
    }

    /// Walks the object at `node`, storing mapped values into `fields`. Throws
    /// ``JSONError`` or, on the first field that breaks a rule, ``EventRejection``.
    private func scan(_ reader: inout JSONReader, node: Int, into fields: inout ScannedFields) throws {
        try reader.readObject { reader, key in
            guard let child = trie.child(of: node, matching: key) else { return try reader.skipValue() }
            if let slot = trie.slot(of: child) {
                try fields.store(slot, from: &reader)
            } else if try reader.peekKind() == .object {
                try scan(&reader, node: child, into: &fields)
            } else {
                try reader.skipValue()
            }
        }
    }
}

/// Which event field a mapped path holds.
enum Slot: Equatable {
    case eventType, model, version, id, timestamp, score, predictedLabel, label
    case featuresObject, segmentObject
    case featurePath(Int)
    case segmentPath(Int)
}

/// The mapping's paths as a trie of object keys; node 0 is the document root.
struct PathTrie: Sendable {
    private struct Node: Sendable {
        var children: [(key: String, node: Int)] = []
        var slot: Slot?
    }

    private var nodes = [Node()]
    let root = 0

    init(mapping: FieldMapping) {
        insert(mapping.eventType, .eventType)
        insert(mapping.model, .model)
        insert(mapping.version, .version)
        insert(mapping.id, .id)
        insert(mapping.timestamp, .timestamp)
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
    }

    private mutating func insert(_ path: String, _ slot: Slot) {
        var node = root
        for key in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            if let existing = nodes[node].children.first(where: { $0.key == key }) {
                node = existing.node
            } else {
                nodes.append(Node())
                nodes[node].children.append((key, nodes.count - 1))
                node = nodes.count - 1
            }
        }
        nodes[node].slot = slot
    }

    func child(of node: Int, matching key: JSONKey) -> Int? {
        for child in nodes[node].children where key.matches(child.key) { return child.node }
        return nil
    }

    func slot(of node: Int) -> Slot? {
        nodes[node].slot
    }
}

extension FieldMapping {
    /// Segment paths in a fixed (name) order, so decoding is deterministic.
    var sortedSegmentPaths: [(name: String, path: String)] {
        segmentPaths.sorted { $0.key < $1.key }.map { (name: $0.key, path: $0.value) }
    }
}
