/// A summary of one group's rows that a ``GroupTable`` can hold: mergeable, serialisable,
/// and able to say how many rows it stands for (counted as overflow or rejected when it
/// cannot be stored).
public protocol GroupTableEntry: Equatable, Sendable, BinaryCodable {
    /// Rows the summary stands for.
    var groupRowCount: UInt64 { get }
    /// Adds `other` (the same group, from another pane).
    mutating func merge(_ other: Self) throws(OutcomeSummaryError)
}

/// Per-group summaries keyed by the values of the sensitive attribute(s), with a cap on the
/// number of groups: the shared machinery of ``FairnessSummary``,
/// ``GroupAccuracySummary`` and ``RegressionFairnessSummary``.
///
/// Source: none beyond its users'; this is bookkeeping (Fairlearn's `MetricFrame` groups
/// rows by the sensitive features' values the same way, without a cap).
///
/// Bounded: at most `maximumGroups` groups; rows of further groups are counted in
/// ``overflowCount`` instead of being stored. A key with the wrong number of attribute
/// values is counted in ``rejectedCount``. Memory: per group, the key plus one `Entry`
/// (plus an index entry beyond ``linearSearchLimit`` groups).
/// Complexity: ``record(rows:in:new:update:)`` and ``add(_:to:)`` find the group among at
/// most ``linearSearchLimit`` keys by comparing their precomputed hashes (no hashing, as
/// windows of a few segments are the common case), beyond that by one dictionary lookup
/// (amortised O(1)); they allocate only for a new group. ``merge(_:)`` is O(*m*) for *m*
/// groups of `other`, O(*m* log *m*) when they may not all fit (they are then admitted in
/// key order, so which get in never depends on hash order); encoding is O(*n* log *n*).
public struct GroupTable<Entry: GroupTableEntry>: Equatable, Sendable {
    /// Names of the sensitive attributes, in key order.
    public let attributes: [String]
    public let maximumGroups: Int
    /// The groups' keys and entries, in the order they were first stored.
    private var keys: [FairnessGroupKey] = []
    private var entries: [Entry] = []
    /// Each key's position in `keys`, kept once there are more than ``linearSearchLimit`` groups.
    private var positions: [FairnessGroupKey: Int] = [:]
    /// Rows of groups that did not fit under `maximumGroups`.
    public private(set) var overflowCount: UInt64 = 0
    /// Rows whose key did not have one value per attribute.
    public private(set) var rejectedCount: UInt64 = 0

    /// Groups found by a scan of the keys while there are at most this many.
    static var linearSearchLimit: Int { 8 }

    public init(attributes: [String], maximumGroups: Int) throws(OutcomeSummaryError) {
        guard !attributes.isEmpty else { throw .invalidConfiguration("at least one sensitive attribute is needed") }
        guard maximumGroups >= 1 else { throw .invalidConfiguration("maximumGroups must be at least 1") }
        self.attributes = attributes
        self.maximumGroups = maximumGroups
    }

    /// The groups and their entries (built on each call: O(groups)).
    public var groups: [FairnessGroupKey: Entry] { Dictionary(uniqueKeysWithValues: zip(keys, entries)) }

    /// The groups and their entries in key order.
    private var sortedGroups: [(key: FairnessGroupKey, value: Entry)] {
        zip(keys, entries).map { (key: $0, value: $1) }.sorted { $0.key < $1.key }
    }

    private func position(of key: FairnessGroupKey) -> Int? {
        keys.count > Self.linearSearchLimit ? positions[key] : keys.firstIndex(of: key)
    }

    /// Stores a new group (the caller checked that it is new and fits).
    private mutating func insert(_ entry: Entry, for key: FairnessGroupKey) {
        keys.append(key)
        entries.append(entry)
        if keys.count == Self.linearSearchLimit + 1 {
            for (position, key) in keys.enumerated() { positions[key] = position }
        } else if keys.count > Self.linearSearchLimit {
            positions[key] = keys.count - 1
        }
    }

    /// Records `rows` rows of `key`: `update` adds them to the group's entry in place, or
    /// `new()` is the group's first entry (holding them) when the group is new and fits;
    /// otherwise they are counted as rejected (wrong key length) or overflow.
    public mutating func record(rows: UInt64, in key: FairnessGroupKey, new: () -> Entry, update: (inout Entry) -> Void) {
        guard key.values.count == attributes.count else {
            rejectedCount += rows
            return
        }
        if let position = position(of: key) {
            update(&entries[position])
        } else if keys.count < maximumGroups {
            insert(new(), for: key)
        } else {
            overflowCount += rows
        }
    }

    /// Merges `entry` into `key`'s group, or counts its rows as rejected or overflow.
    public mutating func add(_ entry: Entry, to key: FairnessGroupKey) throws(OutcomeSummaryError) {
        guard key.values.count == attributes.count else {
            rejectedCount += entry.groupRowCount
            return
        }
        if let position = position(of: key) {
            try entries[position].merge(entry)
        } else if keys.count < maximumGroups {
            insert(entry, for: key)
        } else {
            overflowCount += entry.groupRowCount
        }
    }

    /// Tables are equal when their groups (in any order of arrival) and counts are.
    public static func == (lhs: GroupTable, rhs: GroupTable) -> Bool {
        lhs.attributes == rhs.attributes && lhs.maximumGroups == rhs.maximumGroups && lhs.overflowCount == rhs.overflowCount
            && lhs.rejectedCount == rhs.rejectedCount && lhs.groups == rhs.groups
    }

    /// Throws unless `other` has the same sensitive attributes.
    public func checkMergeable(with other: GroupTable) throws(OutcomeSummaryError) {
        guard other.attributes == attributes else {
            throw .incompatibleMerge("sensitive attributes \(attributes) and \(other.attributes)")
        }
    }

    /// Adds `other`'s groups (another pane of the same window) and its overflow and
    /// rejected counts.
    public mutating func merge(_ other: GroupTable) throws(OutcomeSummaryError) {
        try checkMergeable(with: other)
        if keys.count + other.keys.count <= maximumGroups {
            for (key, entry) in zip(other.keys, other.entries) { try add(entry, to: key) }
        } else {
            for (key, entry) in other.sortedGroups { try add(entry, to: key) }
        }
        overflowCount += other.overflowCount
        rejectedCount += other.rejectedCount
    }

    /// The groups in key order, those with at least `minimumGroupSize` (by `size`) rows
    /// (eligible for a between-groups gap) and the keys of the others.
    public func sizedGroups(minimumGroupSize: Int, size: (Entry) -> Int)
        -> (all: [(key: FairnessGroupKey, value: Entry)], eligible: [Entry], excluded: [FairnessGroupKey])
    {
        let sorted = sortedGroups
        let threshold = max(minimumGroupSize, 0)
        return (sorted, sorted.filter { size($0.value) >= threshold }.map(\.value),
                sorted.filter { size($0.value) < threshold }.map(\.key))
    }
}

// Layout (shared by the three summaries): attribute count, attributes, maximumGroups,
// [the summary's own fields], overflow, rejected, group count, then per group in key
// order its values and its entry.
extension GroupTable {
    /// Writes the attributes and `maximumGroups`.
    public func encodeHeader(to writer: inout BinaryWriter) {
        writer.writeCount(attributes.count)
        for attribute in attributes { writer.write(attribute) }
        writer.writeCount(maximumGroups)
    }

    /// Writes the overflow and rejected counts and the groups.
    public func encodeBody(to writer: inout BinaryWriter) {
        writer.writeVarint(overflowCount)
        writer.writeVarint(rejectedCount)
        writer.writeCount(keys.count)
        for (key, entry) in sortedGroups {
            for value in key.values { writer.write(value) }
            entry.encode(to: &writer)
        }
    }

    /// Reads what ``encodeHeader(to:)`` wrote.
    public static func readHeader(from reader: inout BinaryReader) throws -> (attributes: [String], maximumGroups: Int) {
        var attributes: [String] = []
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) { attributes.append(try reader.readString()) }
        return (attributes, try reader.readCount())
    }

    /// Makes an empty table or whatever holds one, mapping a configuration error to a
    /// ``SerializationError``.
    public static func decoding<T>(_ make: () throws(OutcomeSummaryError) -> T) throws -> T {
        do {
            return try make()
        } catch {
            throw SerializationError.invalidValue(error.description)
        }
    }

    /// Reads the overflow and rejected counts of ``encodeBody(to:)``.
    public mutating func readCounts(from reader: inout BinaryReader) throws {
        overflowCount = try reader.readVarint()
        rejectedCount = try reader.readVarint()
    }

    /// Reads the groups of ``encodeBody(to:)``, passing each entry to `check`; `kind`
    /// names the summary in the error for a duplicate group.
    public mutating func readGroups(from reader: inout BinaryReader, kind: String, check: (Entry) throws -> Void = { _ in }) throws {
        let groupCount = try reader.readCount(maximum: min(maximumGroups, reader.remaining))
        for _ in 0..<groupCount {
            var values: [String] = []
            for _ in attributes { values.append(try reader.readString()) }
            let entry = try Entry(from: &reader)
            try check(entry)
            let key = FairnessGroupKey(values)
            guard position(of: key) == nil else { throw SerializationError.invalidValue("duplicate \(kind) group \(values)") }
            insert(entry, for: key)
        }
    }
}

extension GroupTable: BinaryCodable {
    /// Writes the header and the body, with nothing between them.
    public func encode(to writer: inout BinaryWriter) {
        encodeHeader(to: &writer)
        encodeBody(to: &writer)
    }

    /// Reads what ``encode(to:)`` wrote; `kind` names the summary in the error for a
    /// duplicate group.
    public init(from reader: inout BinaryReader, kind: String) throws {
        let (attributes, maximumGroups) = try Self.readHeader(from: &reader)
        self = try Self.decoding { () throws(OutcomeSummaryError) in try GroupTable(attributes: attributes, maximumGroups: maximumGroups) }
        try readCounts(from: &reader)
        try readGroups(from: &reader, kind: kind)
    }

    public init(from reader: inout BinaryReader) throws {
        try self.init(from: &reader, kind: "group table")
    }
}

/// The per-group summaries that keep their groups in a ``GroupTable``.
public protocol GroupTableSummary {
    associatedtype Entry: GroupTableEntry
    var table: GroupTable<Entry> { get }
}

extension GroupTableSummary {
    /// Names of the sensitive attributes, in key order.
    public var attributes: [String] { table.attributes }
    public var maximumGroups: Int { table.maximumGroups }
    /// The groups and their summaries (built on each access: O(groups)).
    public var groups: [FairnessGroupKey: Entry] { table.groups }
    /// Rows of groups that did not fit under `maximumGroups`.
    public var overflowCount: UInt64 { table.overflowCount }
    /// Rows whose key did not have one value per attribute.
    public var rejectedCount: UInt64 { table.rejectedCount }
}
