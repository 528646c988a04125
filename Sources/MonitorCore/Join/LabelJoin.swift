import DequeModule
import DriftCore

/// Joins ground-truth labels to the predictions they belong to, by prediction id,
/// in bounded memory and driven by event time only.
///
/// - A prediction waits up to `timeToLive` of event time for its label; then it
///   expires (counted, and reported so label coverage can account for it).
/// - A label that arrives before its prediction waits briefly (`earlyLabelWait`) for
///   it; labels whose prediction never comes are counted as unmatched.
/// - After a join the prediction's entry stays until it expires, so a second label for
///   the same id is recognised as a duplicate rather than mistaken for an early label.
/// - Both waiting areas have caps; when one is full the oldest entry is evicted and
///   counted. Nothing leaves silently.
///
/// "Now" is the largest event time seen so far (predictions and labels alike), so a
/// replay of the same input always joins the same pairs.
///
/// Pending predictions live in a ``PendingTable`` (arrival order, open addressing on a
/// 64-bit hash of the id, the ids' bytes in one arena): no allocation per prediction,
/// about 90 bytes each with the engine's payload and a short id.
///
/// Complexity: amortised O(1) per event (hash lookups plus queue pops).
package struct LabelJoin<Payload> {
    package struct Configuration: Sendable, Equatable {
        package var timeToLiveMilliseconds: Int64 = 7 * 24 * 3_600_000
        package var maximumPendingPredictions = 1_000_000
        package var earlyLabelWaitMilliseconds: Int64 = 10 * 60_000
        package var maximumEarlyLabels = 100_000

        package init() {}
    }

    /// What happened to events that did not simply join; all monotonically increasing.
    package struct Counters: Sendable, Equatable {
        package var joined = 0
        package var joinedAfterWaiting = 0
        package var duplicatePredictions = 0
        package var duplicateLabels = 0
        package var expiredPredictions = 0
        package var evictedPredictions = 0
        package var unmatchedLabels = 0
        package var evictedEarlyLabels = 0
    }

    /// A prediction together with its label.
    package struct Joined {
        package var predictionTimestamp: Int64
        package var labelTimestamp: Int64
        package var label: LabelValue
        package var payload: Payload
    }

    /// A prediction that left the join without a label (expired or evicted).
    package struct Unlabelled {
        package var predictionTimestamp: Int64
        package var payload: Payload
    }

    private struct EarlyLabel {
        var timestamp: Int64
        var label: LabelValue
    }

    package let configuration: Configuration
    package private(set) var counters = Counters()
    /// The largest event time seen.
    package private(set) var now = Int64.min
    private var pending = PendingTable<Payload>()
    private var earlyLabels: [String: EarlyLabel] = [:]
    private var earlyLabelOrder = Deque<(id: String, timestamp: Int64)>()
    /// The id the last duplicate check hashed: a cache, not state (never checkpointed).
    private var checked: CheckedID?

    private struct CheckedID {
        var id: String
        var hash: UInt64
    }

    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Predictions waiting for a label, and labelled ones kept for duplicate detection.
    package var pendingCount: Int { pending.count }
    package var earlyLabelCount: Int { earlyLabels.count }

    /// Whether a prediction with this id is already in the join (waiting for its label, or
    /// labelled and kept for duplicate detection); if so it is counted as a duplicate.
    /// Lets the caller drop a redelivered prediction before it is counted anywhere else.
    package mutating func isDuplicatePrediction(id: String) -> Bool {
        let hash = PendingTable<Payload>.hash(id)
        checked = CheckedID(id: id, hash: hash)
        guard pending.find(id, hash: hash) != nil else { return false }
        counters.duplicatePredictions += 1
        return true
    }

    /// The hash of `id`: the one computed by the last ``isDuplicatePrediction(id:)`` when it
    /// was for this id (the engine checks a prediction, then adds it), else computed now.
    private func hash(of id: String) -> UInt64 {
        if let checked, checked.id == id { checked.hash } else { PendingTable<Payload>.hash(id) }
    }

    /// Records a prediction; returns the joined pair if its label was already waiting,
    /// and any predictions that left the join unlabelled as time moved on.
    package mutating func addPrediction(id: String, timestamp: Int64, payload: Payload) -> (joined: Joined?, unlabelled: [Unlabelled]) {
        var unlabelled = advance(to: timestamp)
        let hash = hash(of: id)
        guard pending.find(id, hash: hash) == nil else {
            counters.duplicatePredictions += 1
            return (nil, unlabelled)
        }
        if pending.count >= configuration.maximumPendingPredictions, let evicted = evictOldestPrediction() {
            unlabelled.append(evicted)
        }
        let early = earlyLabels.isEmpty ? nil : earlyLabels.removeValue(forKey: id)  // usually empty: skip hashing
        pending.append(id: id, hash: hash, timestamp: timestamp, payload: payload, isLabelled: early != nil)
        guard let early else { return (nil, unlabelled) }
        counters.joined += 1
        counters.joinedAfterWaiting += 1
        return (Joined(predictionTimestamp: timestamp, labelTimestamp: early.timestamp, label: early.label, payload: payload), unlabelled)
    }

    /// Records a label; returns the joined pair when its prediction is waiting.
    package mutating func addLabel(id: String, timestamp: Int64, label: LabelValue) -> (joined: Joined?, unlabelled: [Unlabelled]) {
        let unlabelled = advance(to: timestamp)
        // One hash lookup both finds and marks the entry.
        if let sequence = pending.find(id, hash: PendingTable<Payload>.hash(id)) {
            let entry = pending[sequence]
            guard !entry.isLabelled else {
                counters.duplicateLabels += 1
                return (nil, unlabelled)
            }
            pending.markLabelled(sequence)
            counters.joined += 1
            return (Joined(predictionTimestamp: entry.timestamp, labelTimestamp: timestamp, label: label, payload: entry.payload), unlabelled)
        }
        guard earlyLabels[id] == nil else {
            counters.duplicateLabels += 1
            return (nil, unlabelled)
        }
        if earlyLabels.count >= configuration.maximumEarlyLabels {
            evictOldestEarlyLabel()
        }
        earlyLabels[id] = EarlyLabel(timestamp: timestamp, label: label)
        earlyLabelOrder.append((id, timestamp))
        return (nil, unlabelled)
    }

    /// Moves event time forward to `timestamp` (never back) and expires what is due.
    package mutating func advance(to timestamp: Int64) -> [Unlabelled] {
        guard timestamp > now else { return [] }
        now = timestamp
        var unlabelled: [Unlabelled] = []
        while let oldest = pending.first, oldest.timestamp + configuration.timeToLiveMilliseconds < now {
            _ = pending.removeFirst()
            if !oldest.isLabelled {
                counters.expiredPredictions += 1
                unlabelled.append(Unlabelled(predictionTimestamp: oldest.timestamp, payload: oldest.payload))
            }
        }
        while let oldest = earlyLabelOrder.first, oldest.timestamp + configuration.earlyLabelWaitMilliseconds < now {
            earlyLabelOrder.removeFirst()
            // The entry may have joined (and the id come back) since it was queued.
            if earlyLabels[oldest.id]?.timestamp == oldest.timestamp {
                earlyLabels[oldest.id] = nil
                counters.unmatchedLabels += 1
            }
        }
        return unlabelled
    }

    private mutating func evictOldestPrediction() -> Unlabelled? {
        guard let entry = pending.removeFirst(), !entry.isLabelled else { return nil }  // a labelled entry only served duplicate detection
        counters.evictedPredictions += 1
        return Unlabelled(predictionTimestamp: entry.timestamp, payload: entry.payload)
    }

    private mutating func evictOldestEarlyLabel() {
        while let oldest = earlyLabelOrder.popFirst() {
            if earlyLabels[oldest.id]?.timestamp == oldest.timestamp {
                earlyLabels[oldest.id] = nil
                counters.evictedEarlyLabels += 1
                return
            }
        }
    }
}

// MARK: Checkpoint

/// A page of the label join's pending predictions: those with sequence numbers (arrival
/// positions, see ``PendingTable``) in `start..<end`, within page `number`'s range
/// `number * pageEntries ..< (number + 1) * pageEntries`. Predictions only join at the
/// back and leave from the front, so a page once full never changes except by losing
/// its oldest entries — which a restore skips. Checkpoints therefore write a full page
/// once (per slot) and only the newest, growing page each time; a page written earlier
/// stays valid as long as it ends where the join's page ends now.
package struct JoinPage: Sendable, Hashable, CustomStringConvertible {
    package var number: Int
    package var start: Int
    package var end: Int

    package init(number: Int, start: Int, end: Int) {
        self.number = number
        self.start = start
        self.end = end
    }

    package var description: String { "page \(number) [\(start), \(end))" }

    /// Whether a page written as `self` holds every entry `live` needs: same number and
    /// end, starting no later.
    package func covers(_ live: JoinPage) -> Bool { number == live.number && end == live.end && start <= live.start }
}

extension LabelJoin {
    /// Entries per page (about 140 kB encoded with short ids: one state record).
    package static var pageEntries: Int { 4096 }

    /// How many keys the pages of a join with this configuration can need at once: live
    /// pages never exceed it, so page `n` can use key `n % pageKeyCount` (a bounded key
    /// space on a compacted topic, no tombstones).
    package static func pageKeyCount(_ configuration: Configuration) -> Int {
        (configuration.maximumPendingPredictions + pageEntries - 1) / pageEntries + 2
    }

    /// The pages holding the pending predictions, oldest first.
    package var pages: [JoinPage] { Self.pages(first: pending.firstSequence, end: pending.endSequence) }

    /// Page `number` (one of ``pages``): its range, then each entry's id, timestamp (a
    /// zigzag delta from the previous one) and payload. Labelled flags are in the state
    /// (they change after the page is written).
    func encodePage(_ number: Int, encodePayload: (Payload, inout BinaryWriter) -> Void) -> [UInt8] {
        let size = Self.pageEntries
        let start = max(number * size, pending.firstSequence), end = min((number + 1) * size, pending.endSequence)
        var writer = BinaryWriter(reservingCapacity: max(end - start, 0) * 40 + 16)
        writer.writeCount(number)
        writer.writeCount(start)
        writer.writeCount(max(end, start))
        var previous: Int64 = 0
        for sequence in start..<max(end, start) {
            let entry = pending[sequence]
            pending.withID(of: entry) { writer.writeBytes($0) }
            writer.writeZigzag(entry.timestamp &- previous)
            previous = entry.timestamp
            encodePayload(entry.payload, &writer)
        }
        return writer.bytes
    }

    /// Writes the join's state: counters, now, the pending predictions' sequence range and
    /// labelled flags (a bitset), the early labels (by id) and their arrival queue, then
    /// the pages — inline (`encodePayload` given), or left out for the caller to write
    /// separately (``encodePage(_:encodePayload:)``, ``restoreState(from:pages:decodePayload:)``).
    /// The configuration is not written (the owner's applies).
    func encodeState(to writer: inout BinaryWriter, inlinePages encodePayload: ((Payload, inout BinaryWriter) -> Void)?) {
        for count in [counters.joined, counters.joinedAfterWaiting, counters.duplicatePredictions, counters.duplicateLabels,
                      counters.expiredPredictions, counters.evictedPredictions, counters.unmatchedLabels, counters.evictedEarlyLabels] {
            writer.writeCounter(count)
        }
        writer.write(now)
        writer.writeCount(pending.firstSequence)
        writer.writeCount(pending.count)
        var bits = [UInt8](repeating: 0, count: (pending.count + 7) / 8)
        for (index, entry) in pending.entries.enumerated() where entry.isLabelled { bits[index >> 3] |= 1 << (index & 7) }
        bits.withUnsafeBytes { writer.writeBytes($0) }
        writer.writeCount(earlyLabels.count)
        for (id, early) in earlyLabels.sorted(by: { $0.key < $1.key }) {
            writer.write(id)
            writer.write(early.timestamp)
            writer.write(early.label)
        }
        writer.writeCount(earlyLabelOrder.count)
        for (id, timestamp) in earlyLabelOrder {
            writer.write(id)
            writer.write(timestamp)
        }
        writer.write(encodePayload != nil)
        guard let encodePayload else { return }
        for page in pages { encodePage(page.number, encodePayload: encodePayload).withUnsafeBytes { writer.writeBytes($0) } }
    }

    /// How a state wrote its early labels.
    enum LabelEncoding {
        /// Binary classes as 64-bit integers (engine checkpoint formats up to 5).
        case classes
        /// Classes or values, tagged (``BinaryWriter/write(_:)-LabelValue``).
        case tagged
    }

    /// Replaces the state with one written by ``encodeState(to:inlinePages:)`` (or, with
    /// `labels: .classes`, by a release whose labels were classes only), taking pages left
    /// out of it from `pages` (by page number; each must cover its live range).
    mutating func restoreState(from reader: inout BinaryReader, pages separatePages: [Int: [UInt8]] = [:], labels: LabelEncoding = .tagged,
                               decodePayload: (inout BinaryReader) throws -> Payload) throws {
        var restored = Counters()
        restored.joined = try reader.readCounter()
        restored.joinedAfterWaiting = try reader.readCounter()
        restored.duplicatePredictions = try reader.readCounter()
        restored.duplicateLabels = try reader.readCounter()
        restored.expiredPredictions = try reader.readCounter()
        restored.evictedPredictions = try reader.readCounter()
        restored.unmatchedLabels = try reader.readCounter()
        restored.evictedEarlyLabels = try reader.readCounter()
        counters = restored
        now = try reader.readInt64()
        let first = try reader.readCount()
        let count = try reader.readCount()
        guard first <= Int.max - count else { throw SerializationError.invalidValue("pending range \(first) + \(count)") }
        let bits = try reader.readBytes()
        guard bits.count == (count + 7) / 8 else { throw SerializationError.invalidValue("labelled flags of \(bits.count) bytes for \(count) predictions") }
        earlyLabels = [:]
        earlyLabelOrder = []
        let earlyCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<earlyCount {
            let id = try reader.readString()
            let timestamp = try reader.readInt64()
            let value: LabelValue
            switch labels {
            case .classes:
                let label = try reader.readInt64()
                guard let label = Int(exactly: label) else { throw SerializationError.invalidValue("label \(label)") }
                value = .class(label)
            case .tagged: value = try reader.readLabelValue()
            }
            guard earlyLabels.updateValue(EarlyLabel(timestamp: timestamp, label: value), forKey: id) == nil else {
                throw SerializationError.invalidValue("duplicate early label \(id)")
            }
        }
        let earlyOrderCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<earlyOrderCount { earlyLabelOrder.append((try reader.readString(), try reader.readInt64())) }

        pending = PendingTable(firstSequence: first)
        let inline = try reader.readBool()
        let bitBase = bits.startIndex
        for live in Self.pages(first: first, end: first + count) {
            let bytes: [UInt8]
            if inline {
                bytes = Array(try reader.readBytes())
            } else {
                guard let separate = separatePages[live.number] else { throw SerializationError.invalidValue("label join \(live) missing") }
                bytes = separate
            }
            var page = BinaryReader(bytes)
            let written = JoinPage(number: try page.readCount(), start: try page.readCount(), end: try page.readCount())
            guard written.covers(live) else { throw SerializationError.invalidValue("label join \(written) where \(live) is needed") }
            var timestamp: Int64 = 0
            for sequence in written.start..<written.end {
                let id = try page.readBytes()
                timestamp &+= try page.readZigzag()
                let payload = try decodePayload(&page)
                guard sequence >= first else { continue }  // left the join after the page was written
                let offset = sequence - first
                let isLabelled = bits[bitBase + offset >> 3] & (1 << (offset & 7)) != 0
                try id.withUnsafeBytes { id in
                    let hash = PendingTable<Payload>.hash(id)
                    guard pending.find(id, hash: hash) == nil else {
                        throw SerializationError.invalidValue("duplicate pending prediction \(String(decoding: id, as: UTF8.self))")
                    }
                    pending.append(id: id, hash: hash, timestamp: timestamp, payload: payload, isLabelled: isLabelled)
                }
            }
            guard page.isAtEnd else { throw SerializationError.invalidValue("label join \(written): \(page.remaining) bytes after its entries") }
        }
    }

    private static func pages(first: Int, end: Int) -> [JoinPage] {
        guard end > first else { return [] }
        let size = Self.pageEntries
        return (first / size...(end - 1) / size).map { number in
            JoinPage(number: number, start: max(number * size, first), end: min((number + 1) * size, end))
        }
    }
}
