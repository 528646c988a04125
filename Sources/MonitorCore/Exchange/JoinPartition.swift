import DriftCore

/// What a join task holds for its input partition (issue 11, plan step 3): a
/// ``PaneSource`` for each model version seen on the partition, all moved on by the
/// partition's event time, and the exchange messages they make, in the order the merge
/// tasks rely on (see ``VersionMerges``).
///
/// **One time per partition.** Every event on the partition — a prediction or a label, of
/// any version — moves the partition's time, and with it every version's source: when it
/// reaches a new pane boundary, each version with something to hand over (closed drift
/// panes, outcome parts of the steps up to it) hands it over, in version order, then the
/// boundary is sent as the partition's watermark, which moves every version's merge on
/// (``PaneMerge/receivePartitionWatermark(source:before:)``): the versions with nothing to
/// hand over, and those the partition never had, send nothing. So the records a boundary
/// costs follow the versions active on the partition, not all it ever saw. A version
/// first seen after a boundary was sent starts with its panes before it closed
/// (``PaneSource/closePanes(before:)``): an event of it that allowed lateness would still
/// admit, but for a pane the merges were told the partition passed, is counted late here
/// instead of reaching a pane they may have judged.
///
/// **Idempotence.** Messages are made only where the partition's time crosses a boundary,
/// a point fixed by its input: a partition restored from its checkpoint
/// (``encodeState(to:)``) and given the same input again sends the same messages, which
/// the merge tasks drop as duplicates (the watermarks as not moving on).
///
/// Complexity: an event O(1) amortised within a pane; a boundary crossed
/// O(versions + what they hand over). Memory: each version's source (its open panes and
/// the parts since its last hand-over) and the messages not taken yet.
package struct JoinPartition<Pane> {
    /// What a version's source needs: its outcome shape, its fresh pane and how its
    /// hand-overs are written.
    package struct Version {
        package var outcomes: OutcomeShape
        package var makePane: () -> Pane
        package var panes: PaneCoding<Pane>

        package init(outcomes: OutcomeShape, makePane: @escaping () -> Pane, panes: PaneCoding<Pane>) {
            self.outcomes = outcomes
            self.makePane = makePane
            self.panes = panes
        }
    }

    package struct Counters: Equatable, Sendable {
        /// Predictions of versions `makeVersion` did not admit (over the version cap):
        /// not recorded.
        package var unmonitoredPredictions = 0
        /// Labels of versions the partition holds no source of (their predictions were
        /// not recorded): not recorded.
        package var unmonitoredLabels = 0
        /// Versions whose state a restore dropped because `makeVersion` no longer admits
        /// them (another configuration; their later events count as unmonitored).
        package var versionsNotRestored = 0
    }

    private struct Held {
        var source: PaneSource<Pane>
        var panes: PaneCoding<Pane>
    }

    /// The partition's number: its sources' number in every merge.
    package let source: Int
    private let spec: WindowSpec
    private let maximumBytes: Int
    private let makeVersion: (VersionKey) -> Version?
    private var versions: [VersionKey: Held] = [:]
    /// The partition's latest event time (`.min` before any).
    private var time = Int64.min
    /// The pane boundary the partition's time reached, sent as its watermark (`.min` before any).
    private var boundary = Int64.min
    private var messages: [ExchangeMessage] = []
    package private(set) var counters = Counters()

    /// The join task of input partition `source`, with `spec`'s event-time windows
    /// (nil for count windows), handing over in records of at most `maximumBytes`;
    /// `makeVersion` admits a version at its first prediction (nil: not monitored).
    package init?(source: Int, spec: WindowSpec, maximumBytes: Int, makeVersion: @escaping (VersionKey) -> Version?) {
        guard case .eventTime = spec.kind else { return nil }
        self.source = source
        self.spec = spec
        self.maximumBytes = maximumBytes
        self.makeVersion = makeVersion
    }

    /// Records a prediction of `key`'s version at `timestamp` (see
    /// ``PaneSource/recordPrediction(timestamp:judgeable:_:)``): returns its pane's index,
    /// or nil when it is late or its version is not monitored (counted).
    package mutating func recordPrediction(of key: VersionKey, timestamp: Int64, judgeable: Bool, _ update: (inout Pane) -> Void) -> Int64? {
        advance(to: timestamp)
        if versions[key] == nil {
            guard var held = made(key) else {
                counters.unmonitoredPredictions += 1
                return nil
            }
            if boundary != .min { held.source.closePanes(before: boundary) }
            versions[key] = held
        }
        let pane = versions[key]!.source.recordPrediction(timestamp: timestamp, judgeable: judgeable, update)
        handOver(key)
        return pane
    }

    /// Records, with `record`, a joined label's outcome (its event at `timestamp`) into
    /// the part of `key`'s outcome pane `pane` (its prediction's).
    package mutating func recordLabel(of key: VersionKey, timestamp: Int64, pane: Int64, _ record: (inout OutcomeSummaries) -> Void) {
        advance(to: timestamp)
        guard versions[key] != nil else {
            counters.unmonitoredLabels += 1
            return
        }
        versions[key]!.source.recordOutcome(pane: pane, record)
    }

    /// Moves the partition's time on to `timestamp` (an event, an idle partition moved by
    /// the wall clock, the end of input): at a new pane boundary every version hands over
    /// up to it, then the boundary is sent as the partition's watermark.
    package mutating func advance(to timestamp: Int64) {
        guard timestamp > time else { return }
        time = timestamp
        guard case let .eventTime(paneMilliseconds, lateness) = spec.kind else { return }
        let reached = floorDivide(timestamp - lateness, paneMilliseconds)
        guard reached > boundary else { return }
        boundary = reached
        for key in versions.keys.sorted() {
            versions[key]!.source.advance(to: timestamp)
            handOver(key)
        }
        messages.append(.watermark(source: source, before: reached))
    }

    /// A new source of `key`'s version, if `makeVersion` admits it.
    private func made(_ key: VersionKey) -> Held? {
        guard let version = makeVersion(key),
              let source = PaneSource(source: source, spec: spec, outcomes: version.outcomes, makePane: version.makePane) else { return nil }
        return Held(source: source, panes: version.panes)
    }

    private mutating func handOver(_ key: VersionKey) {
        // The coding alone: a copy of the source held while it hands over would make it copy its arrays.
        let coding = versions[key]!.panes
        for record in versions[key]!.source.handOverRecords(maximumBytes: maximumBytes, panes: coding, unlessEmpty: true) {
            messages.append(.handOver(key, record: record))
        }
    }

    /// The messages made since the last call, in the order to send them.
    package mutating func takeMessages() -> [ExchangeMessage] {
        defer { messages = [] }
        return messages
    }

    package var keys: [VersionKey] { versions.keys.sorted() }
}

// MARK: Checkpoint

extension JoinPartition {
    /// Writes the partition's state (take its messages first: they are not in it): its
    /// time, its boundary, the counters and each version's source. Versions are made again
    /// by `makeVersion` at a restore.
    package func encodeState(to writer: inout BinaryWriter) {
        writer.write(time)
        writer.write(boundary)
        for count in [counters.unmonitoredPredictions, counters.unmonitoredLabels, counters.versionsNotRestored] {
            writer.writeCounter(count)
        }
        writer.writeCount(versions.count)
        for key in keys {
            writer.write(key.model)
            writer.write(key.version)
            // Length-prefixed, so that a restore can drop a version it no longer monitors.
            var state = BinaryWriter()
            versions[key]!.source.encodeState(to: &state, panes: versions[key]!.panes)
            state.bytes.withUnsafeBytes { writer.writeBytes($0) }
        }
    }

    /// Replaces the state with one written by ``encodeState(to:)``. Versions are made
    /// again by `makeVersion`; the state of one it no longer admits is dropped (counted,
    /// ``Counters/versionsNotRestored``), as a merge task drops its merge (see
    /// ``VersionMerges/restoreState(from:identity:)``).
    package mutating func restoreState(from reader: inout BinaryReader) throws {
        time = try reader.readInt64()
        boundary = try reader.readInt64()
        counters = Counters(unmonitoredPredictions: try reader.readCounter(), unmonitoredLabels: try reader.readCounter(),
                            versionsNotRestored: try reader.readCounter())
        versions = [:]
        messages = []
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) {
            let key = VersionKey(model: try reader.readString(), version: try reader.readString())
            var state = BinaryReader(Array(try reader.readBytes()))
            guard var held = made(key) else {
                counters.versionsNotRestored += 1
                continue
            }
            try held.source.restoreState(from: &state, panes: held.panes)
            guard state.remaining == 0 else { throw SerializationError.trailingBytes(state.remaining) }
            versions[key] = held
        }
    }
}
