import DriftCore

/// One pane of a stream: the summary of the events whose time falls into it.
package struct RecordedPane<Pane> {
    package var index: Int64
    package var pane: Pane
    package var eventCount: Int
    /// Event-time bounds `[start, end)` (count windows: those of their events).
    package var start: Int64
    package var end: Int64

    package init(index: Int64, pane: Pane, eventCount: Int, start: Int64, end: Int64) {
        self.index = index
        self.pane = pane
        self.eventCount = eventCount
        self.start = start
        self.end = end
    }
}

extension RecordedPane where Pane: WindowPane {
    /// Adds another part of the same pane (recorded elsewhere, e.g. on another partition).
    /// O(pane size).
    package mutating func merge(_ other: RecordedPane) {
        pane.merge(other.pane)
        eventCount += other.eventCount
        start = min(start, other.start)
        end = max(end, other.end)
    }
}

/// The recording half of a sliding window (see ``SlidingWindow``): each event is recorded
/// into the pane of its event time while the pane is open, and a pane closes — it is
/// handed on, whole, to be assembled into windows (``WindowAssembler``) — once the
/// watermark (the largest event time less the allowed lateness) passes its end, or, for
/// count windows, once it holds its events. What a join stage does with a version's drift
/// panes: the panes it closes are the partial panes a merge stage assembles.
///
/// Complexity: recording an event is O(1) amortised (the open panes, few, are searched
/// from the newest). Memory: the open panes only — those the allowed lateness can still
/// reach.
package struct PaneRecorder<Pane> {
    package struct Counters: Sendable, Equatable {
        package var accepted = 0
        /// Events whose pane had already closed.
        package var late = 0
    }

    package let spec: WindowSpec
    private let makePane: () -> Pane
    /// Open panes in index order. An array, not a `Deque`: there are few panes, and an
    /// array element is modified in place, whereas `Deque`'s `_modify` (swift-collections
    /// 1.6) copies the element back, which retained and released every summary of the pane
    /// twice per event.
    private(set) var open: [RecordedPane<Pane>] = []
    /// `open`'s pane indices, kept apart so that finding a pane copies no pane.
    private var openIndices: [Int64] = []
    /// Index of the first pane that is not closed yet (nil before any event).
    package private(set) var firstOpenPane: Int64?
    private var maximumTimestamp = Int64.min
    /// Count windows: events so far, which numbers their panes.
    private var eventSequence: Int64 = 0
    package private(set) var counters = Counters()

    package init(spec: WindowSpec, makePane: @escaping () -> Pane) {
        self.spec = spec
        self.makePane = makePane
    }

    /// The pane an event at `timestamp` falls into, for event-time windows.
    package func paneIndex(of timestamp: Int64) -> Int64? {
        guard case let .eventTime(paneMilliseconds, _) = spec.kind else { return nil }
        return floorDivide(timestamp, paneMilliseconds)
    }

    /// The watermark: panes ending at or before it are closed (event-time windows).
    package var watermark: Int64? {
        guard case let .eventTime(_, lateness) = spec.kind, maximumTimestamp != .min else { return nil }
        return maximumTimestamp - lateness
    }

    /// Whether a pane that holds events is still open (a later watermark will close it).
    package var hasOpenPanesWithEvents: Bool { !open.isEmpty }

    /// Records one event at `timestamp` by applying `update` to its pane, and returns the
    /// boundary the watermark reached when panes before it are not closed yet (close them
    /// with ``close(before:)``). A late event is counted and `update` is not called.
    package mutating func add(timestamp: Int64, _ update: (inout Pane) -> Void) -> Int64? {
        switch spec.kind {
        case let .eventTime(paneMilliseconds, lateness):
            let index = floorDivide(timestamp, paneMilliseconds)
            if let firstOpenPane, index < firstOpenPane {
                counters.late += 1
                return nil
            }
            if firstOpenPane == nil { firstOpenPane = index }
            insert(index: index, timestamp: timestamp, start: index * paneMilliseconds, end: (index + 1) * paneMilliseconds, update)
            maximumTimestamp = max(maximumTimestamp, timestamp)
            return closingBoundary(floorDivide(maximumTimestamp - lateness, paneMilliseconds))
        case let .count(eventsPerPane):
            let index = eventSequence / Int64(eventsPerPane)
            eventSequence += 1
            if firstOpenPane == nil { firstOpenPane = index }
            insert(index: index, timestamp: timestamp, start: timestamp, end: timestamp + 1, update)
            return eventSequence % Int64(eventsPerPane) == 0 ? index + 1 : nil
        }
    }

    /// Moves event time on to `timestamp` without an event (the partition's watermark
    /// moved) and returns the boundary it reached when panes before it are not closed yet.
    /// Event-time windows that have seen an event only; nil for an earlier time.
    package mutating func advance(to timestamp: Int64) -> Int64? {
        guard case let .eventTime(paneMilliseconds, lateness) = spec.kind, firstOpenPane != nil, timestamp > maximumTimestamp else { return nil }
        maximumTimestamp = timestamp
        return closingBoundary(floorDivide(timestamp - lateness, paneMilliseconds))
    }

    /// The boundary after the last open pane (closing before it closes them all; end of
    /// input), or nil when no pane is open.
    package var boundaryAfterOpenPanes: Int64? { openIndices.last.map { $0 + 1 } }

    /// Closes the panes before `boundary`: later events for them are late. Returns the
    /// open ones among them (with events), in index order.
    package mutating func close(before boundary: Int64) -> [RecordedPane<Pane>] {
        guard firstOpenPane.map({ $0 < boundary }) ?? true else { return [] }
        firstOpenPane = boundary
        let closing = openIndices.prefix { $0 < boundary }.count
        guard closing > 0 else { return [] }
        defer {
            open.removeFirst(closing)
            openIndices.removeFirst(closing)
        }
        return Array(open.prefix(closing))
    }

    /// `boundary` when it closes a pane not closed yet.
    private func closingBoundary(_ boundary: Int64) -> Int64? {
        guard let firstOpenPane, boundary > firstOpenPane else { return nil }
        return boundary
    }

    private mutating func insert(index: Int64, timestamp: Int64, start: Int64, end: Int64, _ update: (inout Pane) -> Void) {
        // Search the (few) pane indices from the newest; the panes themselves are never copied.
        var position = openIndices.count
        while position > 0, openIndices[position - 1] > index { position -= 1 }
        if position == 0 || openIndices[position - 1] != index {
            open.insert(RecordedPane(index: index, pane: makePane(), eventCount: 0, start: start, end: end), at: position)
            openIndices.insert(index, at: position)
        } else {
            position -= 1
        }
        counters.accepted += 1
        open[position].eventCount += 1
        if case .count = spec.kind {
            open[position].start = min(open[position].start, timestamp)
            open[position].end = max(open[position].end, timestamp + 1)
        }
        update(&open[position].pane)
    }
}

// MARK: Checkpoint

extension RecordedPane {
    /// Writes the pane's index, events and bounds, then the pane with `encodePane` (what a
    /// window's checkpoint and a hand-over record hold of each pane).
    func encode(to writer: inout BinaryWriter, encodePane: (Pane, inout BinaryWriter) -> Void) {
        writer.write(index)
        writer.writeCounter(eventCount)
        writer.write(start)
        writer.write(end)
        encodePane(pane, &writer)
    }

    /// Reads what ``encode(to:encodePane:)`` wrote.
    init(from reader: inout BinaryReader, decodePane: (inout BinaryReader) throws -> Pane) throws {
        index = try reader.readInt64()
        eventCount = try reader.readCounter()
        start = try reader.readInt64()
        end = try reader.readInt64()
        pane = try decodePane(&reader)
    }
}

extension PaneRecorder {
    /// The recorder's position (the first open pane, the largest event time, the event
    /// sequence, the counters); its open panes are written by the owner, with the closed
    /// panes kept for windows (``SlidingWindow``).
    func encodePosition(to writer: inout BinaryWriter) {
        writer.writeOptional(firstOpenPane)
        writer.write(maximumTimestamp)
        writer.write(eventSequence)
        writer.writeCounter(counters.accepted)
        writer.writeCounter(counters.late)
    }

    /// Restores a position written by ``encodePosition(to:)`` and, of `panes` (index
    /// order), those at or after the first open pane; returns the others, the closed ones.
    mutating func restore(panes: [RecordedPane<Pane>], from reader: inout BinaryReader) throws -> [RecordedPane<Pane>] {
        firstOpenPane = try reader.readOptionalInt64()
        maximumTimestamp = try reader.readInt64()
        eventSequence = try reader.readInt64()
        counters = Counters(accepted: try reader.readCounter(), late: try reader.readCounter())
        let closed = panes.prefix { $0.index < firstOpenPane ?? .min }.count
        open = Array(panes.dropFirst(closed))
        openIndices = open.map(\.index)
        return Array(panes.prefix(closed))
    }
}
