import DriftCore

/// What a join task holds of one model version (issue 11, plan step 3): it records its
/// partition's predictions into drift panes (a ``PaneRecorder``) and its predictions and
/// joined labels into parts of outcome panes, and each time its watermark passes a pane
/// boundary it hands over (``handOver()``) the drift panes it closed and the outcome parts
/// recorded before the boundary, for a ``PaneMerge`` to merge with every other source's.
///
/// **Steps.** Each outcome part carries the step it belongs to: one more than the source's
/// boundary when it was recorded (for events in event-time order, the pane boundary the
/// event's own time reached, plus one). The merge stage judges the windows at each step
/// with the parts of that step and before, from every source — what one recorder of all
/// the events in event-time order has recorded when its watermark reaches the boundary —
/// so the windows do not depend on how the events were spread over sources or on when
/// their records arrive.
///
/// **Idempotence.** Hand-overs happen only where the watermark crosses a boundary, a point
/// fixed by the input, and a source is a value: one restored from a copy (a checkpoint)
/// and given the same input again sends the same records with the same numbers, which the
/// merge stage drops as duplicates.
///
/// Event-time windows only: count windows number their panes by arrival, which differs
/// from source to source. Complexity: a record O(1) amortised plus an outcome part found
/// among those not handed over (few: the panes the step's labels reach); a hand-over
/// O(parts + closed panes). Memory: the open drift panes and the outcome parts since the
/// last hand-over.
package struct PaneSource<Pane> {
    package let source: Int
    private var recorder: PaneRecorder<Pane>
    private let outcomes: OutcomeShape
    /// Drift panes closed since the last hand-over, in index order.
    private var closed: [RecordedPane<Pane>] = []
    /// Outcome parts not handed over yet, in (step, pane index) order.
    private var parts: [HandOver<Pane>.OutcomePart] = []
    /// `parts`' (step, pane index), kept apart so that finding a part copies no part (a
    /// retain and release of each of its summaries' arrays).
    private var partKeys: [PartKey] = []

    private struct PartKey: Comparable {
        var step: Int64
        var pane: Int64

        static func < (left: PartKey, right: PartKey) -> Bool { (left.step, left.pane) < (right.step, right.pane) }
    }
    /// The boundary of the last hand-over (`.min` before the first).
    private var handedOverBefore = Int64.min
    private var nextSequence: UInt64 = 0

    /// A source numbered `source` (its input partition) of a version with `spec`'s
    /// event-time windows; nil for count windows.
    package init?(source: Int, spec: WindowSpec, outcomes: OutcomeShape, makePane: @escaping () -> Pane) {
        guard case .eventTime = spec.kind else { return nil }
        self.source = source
        self.outcomes = outcomes
        recorder = PaneRecorder(spec: spec, makePane: makePane)
    }

    package var counters: PaneRecorder<Pane>.Counters { recorder.counters }

    /// Records a prediction at `timestamp` into its drift pane with `update` and, when a
    /// label can judge it (`judgeable`), counts it in its outcome pane. Returns its pane's
    /// index, or nil when the pane had closed (the prediction is counted late).
    package mutating func recordPrediction(timestamp: Int64, judgeable: Bool, _ update: (inout Pane) -> Void) -> Int64? {
        let lateBefore = recorder.counters.late
        close(before: recorder.add(timestamp: timestamp, update))
        guard recorder.counters.late == lateBefore, let pane = recorder.paneIndex(of: timestamp) else { return nil }
        if judgeable { recordOutcome(pane: pane) { $0.recordPrediction(timestamp: timestamp) } }
        return pane
    }

    /// Records, with `record`, a joined label's outcome into the part of outcome pane
    /// `pane` (its prediction's).
    package mutating func recordOutcome(pane: Int64, _ record: (inout OutcomeSummaries) -> Void) {
        let key = PartKey(step: recorder.firstOpenPane.map { $0 + 1 } ?? .min, pane: pane)
        // A new part belongs near the end: its step is the latest.
        var position = partKeys.count
        while position > 0, key < partKeys[position - 1] { position -= 1 }
        if position > 0, partKeys[position - 1] == key {
            record(&parts[position - 1].part.summaries)
        } else {
            var part = PerformanceTracker.Pane(index: pane, summaries: OutcomeSummaries(outcomes))
            record(&part.summaries)
            parts.insert(HandOver<Pane>.OutcomePart(step: key.step, part: part), at: position)
            partKeys.insert(key, at: position)
        }
    }

    /// Moves the source's event time on to `timestamp` without a prediction (a label, or
    /// the partition's time).
    package mutating func advance(to timestamp: Int64) {
        close(before: recorder.advance(to: timestamp))
    }

    /// Treats every pane before `boundary` as closed: for a source whose partition's
    /// watermark had passed `boundary` before the version's first prediction on it (its
    /// watermark, ``PaneMerge/receivePartitionWatermark(source:before:)``, moved the merge on), so
    /// that nothing it records belongs to a step the merge may have judged.
    package mutating func closePanes(before boundary: Int64) {
        close(before: boundary)
    }

    /// Closes the panes before `boundary` as soon as the watermark reaches it (so that an
    /// event for one of them is late whenever the hand-over is taken).
    private mutating func close(before boundary: Int64?) {
        if let boundary { closed += recorder.close(before: boundary) }
    }

    /// The hand-over due when the watermark passed a boundary since the last one: the drift
    /// panes it closed and the outcome parts of the steps up to it, numbered from the
    /// source's next sequence number. Nil when it did not, or, `unlessEmpty`, when there
    /// is nothing to hand over (no number is taken: the partition's watermark moves the
    /// merge on, see ``JoinPartition``).
    package mutating func handOver(unlessEmpty: Bool = false) -> HandOver<Pane>? {
        // The recorder's first open pane is the boundary its watermark reached.
        guard let boundary = recorder.firstOpenPane, boundary > handedOverBefore else { return nil }
        handedOverBefore = boundary
        let due = partKeys.prefix { $0.step <= boundary }.count
        if unlessEmpty, closed.isEmpty, due == 0 { return nil }
        let handOver = HandOver(origin: .init(source: source, sequence: nextSequence), boundary: boundary, isLast: true,
                                panes: closed, outcomes: Array(parts.prefix(due)))
        closed = []
        parts.removeFirst(due)
        partKeys.removeFirst(due)
        nextSequence += 1
        return handOver
    }

    /// ``handOver(unlessEmpty:)`` as the bytes of records of at most `maximumBytes` each (see
    /// ``HandOver/encodedRecords(of:maximumBytes:panes:outcomes:)``), numbered on from the
    /// source's sequence: what a join task sends.
    package mutating func handOverRecords(maximumBytes: Int, panes coding: PaneCoding<Pane>, unlessEmpty: Bool = false) -> [[UInt8]] {
        guard let whole = handOver(unlessEmpty: unlessEmpty) else { return [] }
        let records = HandOver.encodedRecords(of: whole, maximumBytes: maximumBytes, panes: coding, outcomes: outcomes)
        nextSequence = whole.origin.sequence + UInt64(records.count)
        return records
    }
}

// MARK: Checkpoint

extension PaneSource {
    /// Writes the source's state (not its number, spec or pane factory, which the owner
    /// recreates): its next sequence number, its last hand-over's boundary, its open drift
    /// panes and position, and what it has not handed over yet. A source restored from it
    /// and given the same input again sends the same records with the same numbers.
    package func encodeState(to writer: inout BinaryWriter, panes coding: PaneCoding<Pane>) {
        writer.write(nextSequence)
        writer.write(handedOverBefore)
        HandOver.write(panes: recorder.open, outcomes: [], to: &writer, coding, outcomes)
        recorder.encodePosition(to: &writer)
        HandOver.write(panes: closed, outcomes: parts, to: &writer, coding, outcomes)
    }

    /// Replaces the state with one written by ``encodeState(to:panes:)``.
    package mutating func restoreState(from reader: inout BinaryReader, panes coding: PaneCoding<Pane>) throws {
        nextSequence = try reader.readUInt64()
        handedOverBefore = try reader.readInt64()
        let open = try HandOver.read(from: &reader, coding, outcomes).panes
        guard try recorder.restore(panes: open, from: &reader).isEmpty else {
            throw SerializationError.invalidValue("an open pane of a pane source before its first open pane")
        }
        (closed, parts) = try HandOver.read(from: &reader, coding, outcomes)
        partKeys = parts.map { PartKey(step: $0.step, pane: $0.part.index) }
        guard zip(partKeys, partKeys.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SerializationError.invalidValue("outcome parts of a pane source out of order")
        }
    }
}
