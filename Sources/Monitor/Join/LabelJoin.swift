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
/// Complexity: amortised O(1) per event (hash lookups plus queue pops).
public struct LabelJoin<Payload> {
    public struct Configuration: Sendable, Equatable {
        public var timeToLiveMilliseconds: Int64 = 7 * 24 * 3_600_000
        public var maximumPendingPredictions = 1_000_000
        public var earlyLabelWaitMilliseconds: Int64 = 10 * 60_000
        public var maximumEarlyLabels = 100_000

        public init() {}
    }

    /// What happened to events that did not simply join; all monotonically increasing.
    public struct Counters: Sendable, Equatable {
        public var joined = 0
        public var joinedAfterWaiting = 0
        public var duplicatePredictions = 0
        public var duplicateLabels = 0
        public var expiredPredictions = 0
        public var evictedPredictions = 0
        public var unmatchedLabels = 0
        public var evictedEarlyLabels = 0
    }

    /// A prediction together with its label.
    public struct Joined {
        public var predictionTimestamp: Int64
        public var labelTimestamp: Int64
        public var label: Int
        public var payload: Payload
    }

    /// A prediction that left the join without a label (expired or evicted).
    public struct Unlabelled {
        public var predictionTimestamp: Int64
        public var payload: Payload
    }

    private struct Pending {
        var timestamp: Int64
        var payload: Payload
        var isLabelled: Bool
    }

    private struct EarlyLabel {
        var timestamp: Int64
        var label: Int
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    /// The largest event time seen.
    public private(set) var now = Int64.min
    private var pending: [String: Pending] = [:]
    private var pendingOrder = Deque<(id: String, timestamp: Int64)>()
    private var earlyLabels: [String: EarlyLabel] = [:]
    private var earlyLabelOrder = Deque<(id: String, timestamp: Int64)>()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Predictions waiting for a label, and labelled ones kept for duplicate detection.
    public var pendingCount: Int { pending.count }
    public var earlyLabelCount: Int { earlyLabels.count }

    /// Whether a prediction with this id is already in the join (waiting for its label, or
    /// labelled and kept for duplicate detection); if so it is counted as a duplicate.
    /// Lets the caller drop a redelivered prediction before it is counted anywhere else.
    public mutating func isDuplicatePrediction(id: String) -> Bool {
        guard pending[id] != nil else { return false }
        counters.duplicatePredictions += 1
        return true
    }

    /// Records a prediction; returns the joined pair if its label was already waiting,
    /// and any predictions that left the join unlabelled as time moved on.
    public mutating func addPrediction(id: String, timestamp: Int64, payload: Payload) -> (joined: Joined?, unlabelled: [Unlabelled]) {
        var unlabelled = advance(to: timestamp)
        guard pending[id] == nil else {
            counters.duplicatePredictions += 1
            return (nil, unlabelled)
        }
        if pending.count >= configuration.maximumPendingPredictions, let evicted = evictOldestPrediction() {
            unlabelled.append(evicted)
        }
        let early = earlyLabels.isEmpty ? nil : earlyLabels.removeValue(forKey: id)  // usually empty: skip hashing
        pending[id] = Pending(timestamp: timestamp, payload: payload, isLabelled: early != nil)
        pendingOrder.append((id, timestamp))
        guard let early else { return (nil, unlabelled) }
        counters.joined += 1
        counters.joinedAfterWaiting += 1
        return (Joined(predictionTimestamp: timestamp, labelTimestamp: early.timestamp, label: early.label, payload: payload), unlabelled)
    }

    /// Records a label; returns the joined pair when its prediction is waiting.
    public mutating func addLabel(id: String, timestamp: Int64, label: Int) -> (joined: Joined?, unlabelled: [Unlabelled]) {
        let unlabelled = advance(to: timestamp)
        // One hash lookup both finds and marks the entry.
        if let index = pending.index(forKey: id) {
            guard !pending.values[index].isLabelled else {
                counters.duplicateLabels += 1
                return (nil, unlabelled)
            }
            pending.values[index].isLabelled = true
            counters.joined += 1
            let entry = pending.values[index]
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
    public mutating func advance(to timestamp: Int64) -> [Unlabelled] {
        guard timestamp > now else { return [] }
        now = timestamp
        var unlabelled: [Unlabelled] = []
        while let oldest = pendingOrder.first, oldest.timestamp + configuration.timeToLiveMilliseconds < now {
            pendingOrder.removeFirst()
            if let entry = pending.removeValue(forKey: oldest.id), !entry.isLabelled {
                counters.expiredPredictions += 1
                unlabelled.append(Unlabelled(predictionTimestamp: entry.timestamp, payload: entry.payload))
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
        while let oldest = pendingOrder.popFirst() {
            guard let entry = pending.removeValue(forKey: oldest.id) else { continue }
            guard !entry.isLabelled else { return nil }  // a labelled entry only served duplicate detection
            counters.evictedPredictions += 1
            return Unlabelled(predictionTimestamp: entry.timestamp, payload: entry.payload)
        }
        return nil
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

extension LabelJoin {
    /// Writes the join's state: counters, now, the pending predictions in arrival order
    /// (each with its payload, written by `encodePayload`), then the early labels (by id)
    /// and their arrival queue. The configuration is not written (the owner's applies).
    func encodeState(to writer: inout BinaryWriter, encodePayload: (Payload, inout BinaryWriter) -> Void) {
        for count in [counters.joined, counters.joinedAfterWaiting, counters.duplicatePredictions, counters.duplicateLabels,
                      counters.expiredPredictions, counters.evictedPredictions, counters.unmatchedLabels, counters.evictedEarlyLabels] {
            writer.writeCounter(count)
        }
        writer.write(now)
        // Every pending entry has exactly one queue entry (both are added and removed
        // together), so the queue order carries the map without sorting a million ids.
        // Timestamps are deltas from the previous one (nearly sorted: a byte or two).
        writer.writeCount(pendingOrder.count)
        var previous: Int64 = 0
        for (id, timestamp) in pendingOrder {
            writer.write(id)
            writer.writeZigzag(timestamp &- previous)
            previous = timestamp
            let entry = pending[id].flatMap { $0.timestamp == timestamp ? $0 : nil }
            writer.writeOptional(entry) { writer, entry in
                writer.write(entry.isLabelled)
                encodePayload(entry.payload, &writer)
            }
        }
        writer.writeCount(earlyLabels.count)
        for (id, early) in earlyLabels.sorted(by: { $0.key < $1.key }) {
            writer.write(id)
            writer.write(early.timestamp)
            writer.write(Int64(early.label))
        }
        writer.writeCount(earlyLabelOrder.count)
        for (id, timestamp) in earlyLabelOrder {
            writer.write(id)
            writer.write(timestamp)
        }
    }

    /// Replaces the state with one written by ``encodeState(to:encodePayload:)``.
    mutating func restoreState(from reader: inout BinaryReader, decodePayload: (inout BinaryReader) throws -> Payload) throws {
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
        pending = [:]
        pendingOrder = []
        let pendingCount = try reader.readCount(maximum: reader.remaining)
        pending.reserveCapacity(pendingCount)
        var previous: Int64 = 0
        for _ in 0..<pendingCount {
            let id = try reader.readString()
            let timestamp = previous &+ (try reader.readZigzag())
            previous = timestamp
            pendingOrder.append((id, timestamp))
            guard try reader.readBool() else { continue }
            let isLabelled = try reader.readBool()
            let entry = Pending(timestamp: timestamp, payload: try decodePayload(&reader), isLabelled: isLabelled)
            guard pending.updateValue(entry, forKey: id) == nil else {
                throw SerializationError.invalidValue("duplicate pending prediction \(id)")
            }
        }
        earlyLabels = [:]
        earlyLabelOrder = []
        let earlyCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<earlyCount {
            let id = try reader.readString()
            let timestamp = try reader.readInt64()
            let label = try reader.readInt64()
            guard let value = Int(exactly: label) else { throw SerializationError.invalidValue("label \(label)") }
            guard earlyLabels.updateValue(EarlyLabel(timestamp: timestamp, label: value), forKey: id) == nil else {
                throw SerializationError.invalidValue("duplicate early label \(id)")
            }
        }
        let earlyOrderCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<earlyOrderCount { earlyLabelOrder.append((try reader.readString(), try reader.readInt64())) }
    }
}
