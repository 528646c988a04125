import DriftCore

/// A summary a window is made of: panes are merged to form the window.
package protocol WindowPane {
    mutating func merge(_ other: Self)
}

/// A window that has just become complete: the merge of its panes.
package struct ClosedWindow<Pane> {
    /// Event-time bounds `[start, end)` in epoch ms (count windows: those of their events).
    package var start: Int64
    package var end: Int64
    /// Events in the window.
    package var eventCount: Int
    package var summary: Pane
    /// Index of the window's last pane (event time: `end / pane width − 1`).
    package var lastPane: Int64
    /// Panes the window spans: `panesPerWindow`, or more for a window that grew on sparse traffic.
    package var paneSpan: Int
}

/// Sliding windows over one stream, built from panes (see ``WindowSpec``): a
/// ``PaneRecorder`` records each event into the pane of its time and closes panes as the
/// watermark passes them; a ``WindowAssembler`` makes windows of the closed panes. The two
/// halves are what a join stage (recording partial panes) and a merge stage (assembling
/// them) hold apart; here they are joined in process.
///
/// Holds at most `panesPerWindow` closed panes plus the open ones (those the allowed
/// lateness can still reach), so memory is bounded by the spec, not by the stream.
/// A window is emitted each time a pane closes, unless the whole window is empty
/// (an idle model produces no empty evaluations). With ``WindowSpec/Sizing/growing(minimumEvents:maximumPanes:)``
/// a window under the minimum is not emitted: the closing pane is merged into an
/// accumulation of the panes closed since the last emitted window, which is emitted once
/// it holds the minimum or spans the maximum (so a sparse stream gets tumbling windows
/// of about `minimumEvents` events each, a dense one its sliding windows).
///
/// Complexity: adding an event is O(1) amortised; closing a pane merges
/// `panesPerWindow` panes, O(panes × pane size) (plus one merge into the accumulation).
/// Memory: `panesPerWindow` panes plus the open ones and one accumulated pane.
package struct SlidingWindow<Pane: WindowPane> {
    private var recorder: PaneRecorder<Pane>
    private var assembler: WindowAssembler<Pane>

    package init(spec: WindowSpec, makePane: @escaping () -> Pane) {
        recorder = PaneRecorder(spec: spec, makePane: makePane)
        assembler = WindowAssembler(spec: spec)
    }

    package var spec: WindowSpec { recorder.spec }
    package var counters: PaneRecorder<Pane>.Counters { recorder.counters }

    /// Index of the first pane that can still receive events (nil before any event).
    package var firstOpenPane: Int64? { recorder.firstOpenPane }

    /// The pane an event at `timestamp` falls into, for event-time windows.
    package func paneIndex(of timestamp: Int64) -> Int64? { recorder.paneIndex(of: timestamp) }

    /// Treats every pane before `index` as closed, so events for them count as late
    /// (used when earlier panes were consumed elsewhere, e.g. to build a reference); the
    /// windows they end are not emitted.
    package mutating func closePanes(before index: Int64) {
        handOver(before: index)
        assembler.markClosed(before: index)
    }

    /// The watermark: panes ending at or before it are closed (event-time windows).
    package var watermark: Int64? { recorder.watermark }

    /// Adds one event at `timestamp`, applying `update` to its pane, and returns the
    /// windows that closed. A late event is counted and `update` is not called.
    package mutating func add(timestamp: Int64, _ update: (inout Pane) -> Void) -> [ClosedWindow<Pane>] {
        recorder.add(timestamp: timestamp, update).map { close(before: $0) } ?? []
    }

    /// Moves event time on to `timestamp` without an event of this window's own — its
    /// partition's watermark moved (other versions and models of the partition keep it
    /// moving) — and returns the windows the panes it closes complete: a stream that
    /// stops still gets its last windows, as it would from later events of its own.
    /// Event-time windows that have seen an event only; no-op for an earlier time.
    package mutating func advance(to timestamp: Int64) -> [ClosedWindow<Pane>] {
        recorder.advance(to: timestamp).map { close(before: $0) } ?? []
    }

    /// Whether a pane that holds events is still open (a later watermark will close it).
    package var hasOpenPanesWithEvents: Bool { recorder.hasOpenPanesWithEvents }

    /// Closes every open pane (end of input) and returns the windows that completes.
    /// A window still growing on sparse traffic is emitted as it is.
    package mutating func flush() -> [ClosedWindow<Pane>] {
        var windows = recorder.boundaryAfterOpenPanes.map { close(before: $0) } ?? []
        if let grown = assembler.takeAccumulation() { windows.append(grown) }
        return windows
    }

    /// Events in the panes accumulated towards a window that is still growing.
    package var eventsInGrowingWindow: Int { assembler.eventsInGrowingWindow }

    /// Closes the panes before `boundary` and returns the windows they complete.
    private mutating func close(before boundary: Int64) -> [ClosedWindow<Pane>] {
        handOver(before: boundary)
        return assembler.close(before: boundary)
    }

    /// Closes the recorder's panes before `boundary`, handing them to the assembler, which
    /// takes them all: both close at the same boundaries, so none is before the last.
    private mutating func handOver(before boundary: Int64) {
        for pane in recorder.close(before: boundary) {
            let taken = assembler.add(pane)
            precondition(taken, "the recorder handed over pane \(pane.index) after the assembler closed it")
        }
    }
}

/// Floor division, so negative epoch times fall into the right pane.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}

// MARK: Checkpoint

extension SlidingWindow {
    /// Writes the window's state (not its spec or pane factory, which the owner
    /// recreates): panes with their bounds and counts (the closed ones kept for windows,
    /// then the open ones), the first open pane, the largest event time, the event
    /// sequence, the counters and the accumulation. `encodePane` writes one pane.
    func encodeState(to writer: inout BinaryWriter, encodePane: (Pane, inout BinaryWriter) -> Void) {
        let panes = assembler.heldPanes + recorder.open
        writer.writeCount(panes.count)
        for pane in panes { pane.encode(to: &writer, encodePane: encodePane) }
        recorder.encodePosition(to: &writer)
        assembler.encodeAccumulation(to: &writer, encodePane: encodePane)
    }

    /// Replaces the state with one written by ``encodeState(to:encodePane:)``; pane
    /// indices must be strictly increasing. Panes before the first open pane are the
    /// closed ones, the others are open.
    mutating func restoreState(from reader: inout BinaryReader, decodePane: (inout BinaryReader) throws -> Pane) throws {
        let count = try reader.readCount(maximum: reader.remaining)
        var restored: [RecordedPane<Pane>] = []
        for _ in 0..<count {
            let pane = try RecordedPane(from: &reader, decodePane: decodePane)
            guard restored.last.map({ $0.index < pane.index }) ?? true else {
                throw SerializationError.invalidValue("window panes out of order")
            }
            restored.append(pane)
        }
        let closed = try recorder.restore(panes: restored, from: &reader)
        try assembler.restore(closed: closed, closedBefore: recorder.firstOpenPane ?? .min, from: &reader, decodePane: decodePane)
    }
}
