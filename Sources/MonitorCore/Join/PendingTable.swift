import DequeModule

/// The label join's pending predictions: entries in arrival order, each found by its id
/// through an open-addressing index on a 64-bit hash of the id's bytes. No `String` (and
/// no allocation) per entry.
///
/// - `entries`: fixed-size entries (hash, where the id's bytes are, timestamp, payload,
///   labelled flag), oldest first. The n-th entry ever appended (from 0) has *sequence
///   number* n: `firstSequence` and a deque index name every entry, and checkpoints page
///   the table by sequence number (see ``LabelJoin``).
/// - `arena`: the ids' UTF-8 bytes back to back, in arrival order. Entries leave only from
///   the front, so the dead bytes are a prefix, dropped once they outweigh the live ones.
/// - `slots`: linear probing over a power-of-two array of ``PendingTableSlot``s, at most half full: an
///   entry's sequence number (its low 40 bits) with 23 bits of its hash that the slot's
///   position does not use. A probe reads an entry only when those bits match (about one
///   probe in 8 million otherwise), and a hit is confirmed by comparing the id's bytes, so
///   two ids with the same hash never mix; a removal shifts its probe run back (no
///   tombstones).
///
/// The hash is XXH64 (``XXHash64``): stable across runs (no random seed), so the index's
/// layout and timing repeat; outputs never depend on it. Callers that look an id up and
/// then append it pass the hash computed once.
///
/// Cost: `find`, `append` and `removeFirst` O(1) expected (amortised: the index doubles at
/// half load, the arena compacts its dead prefix); a lookup reads one entry (the match),
/// not every entry of its probe run. Memory per entry: its stride in the deque (64 bytes
/// with the engine's payload), 8–16 bytes of index and the id's bytes.
struct PendingTable<Payload> {
    struct Entry {
        var hash: UInt64
        /// The id's first byte, as a position in the arena's history (see `arenaBase`).
        var idStart: Int
        var timestamp: Int64
        var payload: Payload
        var idLength: UInt32
        var isLabelled: Bool
    }

    private(set) var entries = Deque<Entry>()
    /// The sequence number of `entries.first`.
    private(set) var firstSequence = 0
    private var arena: [UInt8] = []
    /// The position in the arena's history of `arena[0]` (bytes dropped so far).
    private var arenaBase = 0
    private var slots = [PendingTableSlot](repeating: .empty, count: 16)

    /// An empty table whose first entry will have sequence number `firstSequence`.
    init(firstSequence: Int = 0) {
        self.firstSequence = firstSequence
    }

    var count: Int { entries.count }
    /// The sequence number the next entry gets.
    var endSequence: Int { firstSequence + entries.count }
    var first: Entry? { entries.first }

    subscript(sequence: Int) -> Entry { entries[sequence - firstSequence] }

    mutating func markLabelled(_ sequence: Int) {
        entries[sequence - firstSequence].isLabelled = true
    }

    /// The sequence number of the entry with this id, if there is one.
    func find(_ id: String) -> Int? {
        find(id, hash: Self.hash(id))
    }

    /// The sequence number of the entry with this id, whose ``hash(_:)`` the caller has.
    func find(_ id: String, hash: UInt64) -> Int? {
        var id = id  // `withUTF8` is mutating; a native string's bytes are read in place
        return id.withUTF8 { find(UnsafeRawBufferPointer($0), hash: hash) }
    }

    /// Appends an entry for an id not in the table (the caller checked with ``find(_:hash:)``).
    mutating func append(id: String, hash: UInt64, timestamp: Int64, payload: Payload, isLabelled: Bool) {
        var id = id
        id.withUTF8 { append(id: UnsafeRawBufferPointer($0), hash: hash, timestamp: timestamp, payload: payload, isLabelled: isLabelled) }
    }

    /// Appends an entry for an id (UTF-8 bytes) not in the table.
    mutating func append(id: UnsafeRawBufferPointer, hash: UInt64, timestamp: Int64, payload: Payload, isLabelled: Bool) {
        if (entries.count + 1) * 2 > slots.count { resizeIndex(to: slots.count * 2) }
        entries.append(Entry(hash: hash, idStart: arenaBase + arena.count, timestamp: timestamp, payload: payload,
                             idLength: UInt32(id.count), isLabelled: isLabelled))
        arena.append(contentsOf: id)
        insert(endSequence - 1, hash: hash)
    }

    /// Removes and returns the oldest entry.
    mutating func removeFirst() -> Entry? {
        guard let entry = entries.first else { return nil }
        removeFromIndex(firstSequence, hash: entry.hash)
        entries.removeFirst()
        firstSequence += 1
        let dead = (entries.first?.idStart ?? arenaBase + arena.count) - arenaBase
        if dead >= 4096, dead * 2 >= arena.count {
            arena.removeFirst(dead)
            arenaBase += dead
        }
        return entry
    }

    /// The id bytes of an entry in the table (not of one removed: its bytes may be gone), for `body` only.
    func withID<Result>(of entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = entry.idStart - arenaBase
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + Int(entry.idLength))])) }
    }

    /// The sequence number of the entry with this id (UTF-8 bytes), whose ``hash(_:)`` the caller has.
    func find(_ id: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = slots[slot]
            guard !candidate.isEmpty else { return nil }
            if candidate.mayHold(hash) {
                let sequence = candidate.sequence(after: firstSequence)
                let entry = self[sequence]
                if entry.hash == hash, Int(entry.idLength) == id.count, withID(of: entry, { $0.elementsEqual(id) }) {
                    return sequence
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func insert(_ sequence: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while !slots[slot].isEmpty { slot = (slot + 1) & mask }
        slots[slot] = PendingTableSlot(sequence: sequence, hash: hash)
    }

    /// Backward-shift deletion: each later entry of the probe run whose home slot is not
    /// between the hole and itself moves into the hole.
    private mutating func removeFromIndex(_ sequence: Int, hash: UInt64) {
        let mask = slots.count - 1
        let removed = PendingTableSlot(sequence: sequence, hash: hash)
        var hole = Int(truncatingIfNeeded: hash) & mask
        while slots[hole] != removed { hole = (hole + 1) & mask }
        var next = (hole + 1) & mask
        while !slots[next].isEmpty {
            let home = Int(truncatingIfNeeded: self[slots[next].sequence(after: firstSequence)].hash) & mask
            if (next - home) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = .empty
    }

    private mutating func resizeIndex(to capacity: Int) {
        slots = [PendingTableSlot](repeating: .empty, count: capacity)
        var sequence = firstSequence
        for entry in entries {
            insert(sequence, hash: entry.hash)
            sequence += 1
        }
    }

    /// An id's hash (XXH64 of its UTF-8 bytes); the index uses its low bits.
    static func hash(_ id: UnsafeRawBufferPointer) -> UInt64 { XXHash64.hash(id) }

    /// An id's hash, for ``find(_:hash:)`` and ``append(id:hash:timestamp:payload:isLabelled:)``.
    static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }
}

/// A ``PendingTable`` index slot: empty, or a live entry's sequence number modulo 2⁴⁰ (low bits) and
/// bits 40–62 of its hash (the tag). Live sequence numbers span fewer than 2⁴⁰ values
/// (`entries.count`), so the full number is `firstSequence` plus the offset modulo 2⁴⁰.
/// Bit 63 is set only in `empty`.
struct PendingTableSlot: Equatable {
    private static let sequenceMask: UInt64 = (1 << 40) - 1
    static let empty = PendingTableSlot(raw: .max)

    private let raw: UInt64

    private init(raw: UInt64) { self.raw = raw }

    init(sequence: Int, hash: UInt64) {
        raw = Self.tag(hash) | UInt64(truncatingIfNeeded: sequence) & Self.sequenceMask
    }

    var isEmpty: Bool { raw >> 63 != 0 }

    /// Whether the entry here may have this hash (its tag matches).
    func mayHold(_ hash: UInt64) -> Bool { raw & ~Self.sequenceMask == Self.tag(hash) }

    /// The entry's full sequence number, given the table's first one.
    func sequence(after firstSequence: Int) -> Int {
        firstSequence + Int((raw &- UInt64(truncatingIfNeeded: firstSequence)) & Self.sequenceMask)
    }

    private static func tag(_ hash: UInt64) -> UInt64 { hash & 0x7FFF_FF00_0000_0000 }
}
