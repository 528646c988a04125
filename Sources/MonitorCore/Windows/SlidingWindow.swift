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

/// Sliding windows over one stream, built from panes (see ``WindowSpec``).
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
    package struct Counters: Sendable, Equatable {
        package var accepted = 0
        /// Events whose pane had already closed.
        package var late = 0
    }

    private struct Slot {
        var index: Int64
        var pane: Pane
        var eventCount: Int
        var start: Int64
        var end: Int64
    }

    package let spec: WindowSpec
    private let makePane: () -> Pane
    /// Panes in index order: closed ones (at most panesPerWindow − 1 kept) then open ones.
    /// An array, not a `Deque`: there are few panes, and an array element is modified in
    /// place, whereas `Deque`'s `_modify` (swift-collections 1.6) copies the element back,
    /// which retained and released every summary of the pane twice per event.
    private var slots: [Slot] = []
    /// `slots`' pane indices, kept apart so that finding a pane copies no pane.
    private var paneIndices: [Int64] = []
    /// Index of the first pane that is not closed yet.
    private var firstOpenIndex: Int64?
    private var maximumTimestamp = Int64.min
    /// Count windows: events so far, which numbers their panes.
    private var eventSequence: Int64 = 0
    package private(set) var counters = Counters()
    private var accumulation = Accumulation.empty

    /// Panes closed since the last emitted window, while the windows are under the minimum.
    private enum Accumulation {
        case empty
        case holding(firstPane: Int64, lastPane: Int64, events: Int, pane: Pane)
    }

    package init(spec: WindowSpec, makePane: @escaping () -> Pane) {
        self.spec = spec
        self.makePane = makePane
    }

    /// Index of the first pane that can still receive events (nil before any event).
    package var firstOpenPane: Int64? { firstOpenIndex }

    /// The pane an event at `timestamp` falls into, for event-time windows.
    package func paneIndex(of timestamp: Int64) -> Int64? {
        guard case let .eventTime(paneMilliseconds, _) = spec.kind else { return nil }
        return floorDivide(timestamp, paneMilliseconds)
    }

    /// Treats every pane before `index` as closed, so events for them count as late
    /// (used when earlier panes were consumed elsewhere, e.g. to build a reference).
    package mutating func closePanes(before index: Int64) {
        if firstOpenIndex.map({ $0 < index }) ?? true { firstOpenIndex = index }
    }

    /// The watermark: panes ending at or before it are closed (event-time windows).
    package var watermark: Int64? {
        guard case let .eventTime(_, lateness) = spec.kind, maximumTimestamp != .min else { return nil }
        return maximumTimestamp - lateness
    }

    /// Adds one event at `timestamp`, applying `update` to its pane, and returns the
    /// windows that closed. A late event is counted and `update` is not called.
    package mutating func add(timestamp: Int64, _ update: (inout Pane) -> Void) -> [ClosedWindow<Pane>] {
        switch spec.kind {
        case let .eventTime(paneMilliseconds, lateness):
            let index = floorDivide(timestamp, paneMilliseconds)
            if let firstOpenIndex, index < firstOpenIndex {
                counters.late += 1
                return []
            }
            if firstOpenIndex == nil { firstOpenIndex = index }
            insert(index: index, timestamp: timestamp, start: index * paneMilliseconds, end: (index + 1) * paneMilliseconds, update)
            maximumTimestamp = max(maximumTimestamp, timestamp)
            return closePanes(before: floorDivide(maximumTimestamp - lateness, paneMilliseconds))
        case let .count(eventsPerPane):
            let index = eventSequence / Int64(eventsPerPane)
            eventSequence += 1
            if firstOpenIndex == nil { firstOpenIndex = index }
            insert(index: index, timestamp: timestamp, start: timestamp, end: timestamp + 1, update)
            return eventSequence % Int64(eventsPerPane) == 0 ? closePanes(before: index + 1) : []
        }
    }

    /// Moves event time on to `timestamp` without an event of this window's own — its
    /// partition's watermark moved (other versions and models of the partition keep it
    /// moving) — and returns the windows the panes it closes complete: a stream that
    /// stops still gets its last windows, as it would from later events of its own.
    /// Event-time windows that have seen an event only; no-op for an earlier time.
    package mutating func advance(to timestamp: Int64) -> [ClosedWindow<Pane>] {
        guard case let .eventTime(paneMilliseconds, lateness) = spec.kind, firstOpenIndex != nil, timestamp > maximumTimestamp else { return [] }
        maximumTimestamp = timestamp
        return closePanes(before: floorDivide(timestamp - lateness, paneMilliseconds))
    }

    /// Whether a pane that holds events is still open (a later watermark will close it).
    package var hasOpenPanesWithEvents: Bool {
        guard let last = paneIndices.last, let firstOpenIndex else { return false }
        return last >= firstOpenIndex
    }

    /// Closes every open pane (end of input) and returns the windows that completes.
    /// A window still growing on sparse traffic is emitted as it is.
    package mutating func flush() -> [ClosedWindow<Pane>] {
        guard let last = paneIndices.last else { return [] }
        var windows: [ClosedWindow<Pane>] = closePanes(before: last + 1)
        if let grown = takeAccumulation() { windows.append(grown) }
        return windows
    }

    /// Events in the panes accumulated towards a window that is still growing.
    package var eventsInGrowingWindow: Int {
        if case let .holding(_, _, events, _) = accumulation { events } else { 0 }
    }

    private mutating func insert(index: Int64, timestamp: Int64, start: Int64, end: Int64, _ update: (inout Pane) -> Void) {
        // Search the (few) pane indices from the newest; the panes themselves are never copied.
        var position = paneIndices.count
        while position > 0, paneIndices[position - 1] > index { position -= 1 }
        if position == 0 || paneIndices[position - 1] != index {
            slots.insert(Slot(index: index, pane: makePane(), eventCount: 0, start: start, end: end), at: position)
            paneIndices.insert(index, at: position)
        } else {
            position -= 1
        }
        counters.accepted += 1
        slots[position].eventCount += 1
        if case .count = spec.kind {
            slots[position].start = min(slots[position].start, timestamp)
            slots[position].end = max(slots[position].end, timestamp + 1)
        }
        update(&slots[position].pane)
    }

    /// Closes the open panes with index < `boundary`, emitting one window per pane.
    private mutating func closePanes(before boundary: Int64) -> [ClosedWindow<Pane>] {
        guard let first = firstOpenIndex, boundary > first else { return [] }
        var windows: [ClosedWindow<Pane>] = []
        // Only panes that exist can end a non-empty window; skip the idle stretch.
        for index in paneIndices where index >= first && index < boundary {
            switch (spec.sizing, spec.kind) {
            case (.fixed, _), (.growing, .count):
                if let window = window(endingAt: index) { windows.append(window) }
            case let (.growing(minimumEvents, maximumPanes), .eventTime(paneMilliseconds, _)):
                // Counted before merging: a sparse window under the minimum is never merged.
                if eventCount(ofWindowEndingAt: index) >= minimumEvents, let window = window(endingAt: index) {
                    accumulation = .empty
                    windows.append(window)
                } else {
                    windows += accumulate(paneAt: index, minimumEvents: minimumEvents, maximumPanes: maximumPanes, paneMilliseconds: paneMilliseconds)
                }
            }
        }
        firstOpenIndex = boundary
        // Growing windows: once every pane the accumulation could still span has closed,
        // nothing can join it any more — emit it now rather than when a later pane closes
        // (which, for a stream that stopped, is never).
        if case let (.growing(_, maximumPanes), .holding(firstPane, _, _, _)) = (spec.sizing, accumulation),
           boundary - firstPane >= Int64(maximumPanes), let grown = takeAccumulation() {
            windows.append(grown)
        }
        // Keep the panes later windows still need.
        let oldestNeeded = boundary - Int64(spec.panesPerWindow) + 1
        let expired = paneIndices.prefix { $0 < oldestNeeded }.count
        slots.removeFirst(expired)
        paneIndices.removeFirst(expired)
        return windows
    }

    /// Adds the closing pane at `index` to the accumulation and returns what that emits:
    /// the accumulation once it holds `minimumEvents` or spans `maximumPanes` (an
    /// accumulation the new pane would stretch past the maximum is emitted first, as it is).
    private mutating func accumulate(paneAt index: Int64, minimumEvents: Int, maximumPanes: Int, paneMilliseconds: Int64) -> [ClosedWindow<Pane>] {
        guard let position = paneIndices.firstIndex(of: index) else { return [] }
        var emitted: [ClosedWindow<Pane>] = []
        if case let .holding(firstPane, _, _, _) = accumulation, index - firstPane + 1 > Int64(maximumPanes), let full = takeAccumulation() {
            emitted.append(full)
        }
        let slot = slots[position]
        switch accumulation {
        case .empty:
            accumulation = .holding(firstPane: index, lastPane: index, events: slot.eventCount, pane: slot.pane)
        case .holding(let firstPane, _, let events, var pane):
            accumulation = .empty  // the pane is uniquely referenced while it merges
            pane.merge(slot.pane)
            accumulation = .holding(firstPane: firstPane, lastPane: index, events: events + slot.eventCount, pane: pane)
        }
        if case let .holding(firstPane, _, events, _) = accumulation,
           events >= minimumEvents || index - firstPane + 1 >= Int64(maximumPanes), let grown = takeAccumulation() {
            emitted.append(grown)
        }
        return emitted
    }

    /// The accumulation as a window (event time), leaving it empty.
    private mutating func takeAccumulation() -> ClosedWindow<Pane>? {
        guard case let .holding(firstPane, lastPane, events, pane) = accumulation,
              case let .eventTime(paneMilliseconds, _) = spec.kind else { return nil }
        accumulation = .empty
        return ClosedWindow(start: firstPane * paneMilliseconds, end: (lastPane + 1) * paneMilliseconds, eventCount: events,
                            summary: pane, lastPane: lastPane, paneSpan: Int(lastPane - firstPane + 1))
    }

    private func eventCount(ofWindowEndingAt index: Int64) -> Int {
        slots.reduce(0) { $0 + ($1.index <= index && $1.index > index - Int64(spec.panesPerWindow) ? $1.eventCount : 0) }
    }

    private func window(endingAt index: Int64) -> ClosedWindow<Pane>? {
        // Positions, not slots: filtering the slots copied every member pane (a retain and
        // release of each of its summaries' arrays) only to read it.
        let members = slots.indices.filter { slots[$0].index <= index && slots[$0].index > index - Int64(spec.panesPerWindow) }
        guard let first = members.first else { return nil }
        var summary = slots[first].pane
        // Read through the buffer: `slots[member].pane` copied each member pane (a retain
        // and release of each of its summaries' arrays) only to read it.
        slots.withUnsafeBufferPointer { slots in
            for member in members.dropFirst() { summary.merge(slots[member].pane) }
        }
        let end: Int64
        let start: Int64
        switch spec.kind {
        case let .eventTime(paneMilliseconds, _):
            end = (index + 1) * paneMilliseconds
            start = end - paneMilliseconds * Int64(spec.panesPerWindow)
        case .count:
            start = members.map { slots[$0].start }.min()!
            end = members.map { slots[$0].end }.max()!
        }
        return ClosedWindow(start: start, end: end, eventCount: members.reduce(0) { $0 + slots[$1].eventCount }, summary: summary, lastPane: index,
                            paneSpan: spec.panesPerWindow)
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
    /// recreates): panes with their bounds and counts, the first open pane, the largest
    /// event time, the event sequence and the counters. `encodePane` writes one pane.
    func encodeState(to writer: inout BinaryWriter, encodePane: (Pane, inout BinaryWriter) -> Void) {
        writer.writeCount(slots.count)
        for slot in slots {
            writer.write(slot.index)
            writer.writeCounter(slot.eventCount)
            writer.write(slot.start)
            writer.write(slot.end)
            encodePane(slot.pane, &writer)
        }
        writer.writeOptional(firstOpenIndex)
        writer.write(maximumTimestamp)
        writer.write(eventSequence)
        writer.writeCounter(counters.accepted)
        writer.writeCounter(counters.late)
        switch accumulation {
        case .empty:
            writer.write(false)
        case let .holding(firstPane, lastPane, events, pane):
            writer.write(true)
            writer.write(firstPane)
            writer.write(lastPane)
            writer.writeCounter(events)
            encodePane(pane, &writer)
        }
    }

    /// Replaces the state with one written by ``encodeState(to:encodePane:)``; pane
    /// indices must be strictly increasing.
    mutating func restoreState(from reader: inout BinaryReader, decodePane: (inout BinaryReader) throws -> Pane) throws {
        let count = try reader.readCount(maximum: reader.remaining)
        var restored: [Slot] = []
        for _ in 0..<count {
            let index = try reader.readInt64()
            guard restored.last.map({ $0.index < index }) ?? true else {
                throw SerializationError.invalidValue("window panes out of order")
            }
            let eventCount = try reader.readCounter()
            let start = try reader.readInt64()
            let end = try reader.readInt64()
            restored.append(Slot(index: index, pane: try decodePane(&reader), eventCount: eventCount, start: start, end: end))
        }
        slots = restored
        paneIndices = restored.map(\.index)
        firstOpenIndex = try reader.readOptionalInt64()
        maximumTimestamp = try reader.readInt64()
        eventSequence = try reader.readInt64()
        counters = Counters(accepted: try reader.readCounter(), late: try reader.readCounter())
        accumulation = .empty
        if try reader.readBool() {
            let firstPane = try reader.readInt64()
            let lastPane = try reader.readInt64()
            guard firstPane <= lastPane else { throw SerializationError.invalidValue("accumulated panes out of order") }
            accumulation = .holding(firstPane: firstPane, lastPane: lastPane, events: try reader.readCounter(), pane: try decodePane(&reader))
        }
    }
}
