import DriftCore

/// The assembling half of a sliding window (see ``SlidingWindow``): closed panes become
/// windows. Panes are given with ``add(_:)`` — a pane given again for the same index (a
/// part recorded elsewhere) is merged into it — and ``close(before:)`` says that no more
/// is coming for the panes before a boundary: each of them that exists ends a window
/// (empty windows are not emitted: an idle stream produces no evaluations). With
/// ``WindowSpec/Sizing/growing(minimumEvents:maximumPanes:)`` a window under the minimum
/// is not emitted: its closing pane is merged into an accumulation of the panes closed
/// since the last emitted window, emitted once it holds the minimum or spans the maximum.
/// What a merge stage does with a version's partial drift panes.
///
/// Complexity: ``add(_:)`` O(panes held) to find its place (O(1) for the newest), plus a
/// merge when the index is held; closing a pane merges `panesPerWindow` panes,
/// O(panes × pane size), plus one merge into the accumulation. Memory: after
/// ``close(before:)``, at most `panesPerWindow − 1` closed panes plus those given for
/// later indices, and one accumulated pane.
package struct WindowAssembler<Pane: WindowPane> {
    package let spec: WindowSpec
    /// Panes in index order: closed ones (those later windows still need), then pending ones.
    private var panes: [RecordedPane<Pane>] = []
    /// `panes`' indices, kept apart so that finding a pane copies no pane.
    private var paneIndices: [Int64] = []
    /// Panes before it are closed.
    private var closedBefore = Int64.min
    private var accumulation = Accumulation.empty

    /// Panes closed since the last emitted window, while the windows are under the minimum.
    private enum Accumulation {
        case empty
        case holding(firstPane: Int64, lastPane: Int64, events: Int, pane: Pane)
    }

    package init(spec: WindowSpec) {
        self.spec = spec
    }

    /// Events in the panes accumulated towards a window that is still growing.
    package var eventsInGrowingWindow: Int {
        if case let .holding(_, _, events, _) = accumulation { events } else { 0 }
    }

    /// Adds a pane not closed yet, or merges it into the part of it already given; returns
    /// false, merging nothing, for a pane already closed (a part that came too late: the
    /// caller counts its events late).
    package mutating func add(_ pane: RecordedPane<Pane>) -> Bool {
        guard pane.index >= closedBefore else { return false }
        var position = paneIndices.count
        while position > 0, paneIndices[position - 1] > pane.index { position -= 1 }
        if position > 0, paneIndices[position - 1] == pane.index {
            panes[position - 1].merge(pane)
        } else {
            panes.insert(pane, at: position)
            paneIndices.insert(pane.index, at: position)
        }
        return true
    }

    /// Marks the panes before `boundary` closed without emitting the windows they end (their
    /// events were consumed elsewhere, e.g. by a reference); later windows still hold them.
    package mutating func markClosed(before boundary: Int64) {
        closedBefore = max(closedBefore, boundary)
    }

    /// Closes the panes before `boundary`, emitting one window per pane that exists (or
    /// the growing windows they complete), and drops the panes no later window needs.
    package mutating func close(before boundary: Int64) -> [ClosedWindow<Pane>] {
        guard boundary > closedBefore else { return [] }
        var windows: [ClosedWindow<Pane>] = []
        // Only panes that exist can end a non-empty window; skip the idle stretch.
        for index in paneIndices where index >= closedBefore && index < boundary {
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
        closedBefore = boundary
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
        panes.removeFirst(expired)
        paneIndices.removeFirst(expired)
        return windows
    }

    /// The accumulation as a window (event time), leaving it empty: a window still growing
    /// at the end of input is emitted as it is.
    package mutating func takeAccumulation() -> ClosedWindow<Pane>? {
        guard case let .holding(firstPane, lastPane, events, pane) = accumulation,
              case let .eventTime(paneMilliseconds, _) = spec.kind else { return nil }
        accumulation = .empty
        return ClosedWindow(start: firstPane * paneMilliseconds, end: (lastPane + 1) * paneMilliseconds, eventCount: events,
                            summary: pane, lastPane: lastPane, paneSpan: Int(lastPane - firstPane + 1))
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
        let closing = panes[position]
        switch accumulation {
        case .empty:
            accumulation = .holding(firstPane: index, lastPane: index, events: closing.eventCount, pane: closing.pane)
        case .holding(let firstPane, _, let events, var pane):
            accumulation = .empty  // the pane is uniquely referenced while it merges
            pane.merge(closing.pane)
            accumulation = .holding(firstPane: firstPane, lastPane: index, events: events + closing.eventCount, pane: pane)
        }
        if case let .holding(firstPane, _, events, _) = accumulation,
           events >= minimumEvents || index - firstPane + 1 >= Int64(maximumPanes), let grown = takeAccumulation() {
            emitted.append(grown)
        }
        return emitted
    }

    private func eventCount(ofWindowEndingAt index: Int64) -> Int {
        panes.reduce(0) { $0 + ($1.index <= index && $1.index > index - Int64(spec.panesPerWindow) ? $1.eventCount : 0) }
    }

    private func window(endingAt index: Int64) -> ClosedWindow<Pane>? {
        // Positions, not panes: filtering the panes copied every member (a retain and
        // release of each of its summaries' arrays) only to read it.
        let members = panes.indices.filter { panes[$0].index <= index && panes[$0].index > index - Int64(spec.panesPerWindow) }
        guard let first = members.first else { return nil }
        var summary = panes[first].pane
        // Read through the buffer: `panes[member].pane` copied each member pane (a retain
        // and release of each of its summaries' arrays) only to read it.
        panes.withUnsafeBufferPointer { panes in
            for member in members.dropFirst() { summary.merge(panes[member].pane) }
        }
        let end: Int64
        let start: Int64
        switch spec.kind {
        case let .eventTime(paneMilliseconds, _):
            end = (index + 1) * paneMilliseconds
            start = end - paneMilliseconds * Int64(spec.panesPerWindow)
        case .count:
            start = members.map { panes[$0].start }.min()!
            end = members.map { panes[$0].end }.max()!
        }
        return ClosedWindow(start: start, end: end, eventCount: members.reduce(0) { $0 + panes[$1].eventCount }, summary: summary, lastPane: index,
                            paneSpan: spec.panesPerWindow)
    }
}

// MARK: Checkpoint

extension WindowAssembler {
    /// The panes held, in index order (the owner writes them with the recorder's open ones).
    var heldPanes: [RecordedPane<Pane>] { panes }

    /// Writes the accumulation (the owner writes the panes). `encodePane` writes one pane.
    func encodeAccumulation(to writer: inout BinaryWriter, encodePane: (Pane, inout BinaryWriter) -> Void) {
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

    /// Restores closed panes (index order, all before `closedBefore`) and an accumulation
    /// written by ``encodeAccumulation(to:encodePane:)``.
    mutating func restore(closed: [RecordedPane<Pane>], closedBefore: Int64, from reader: inout BinaryReader,
                          decodePane: (inout BinaryReader) throws -> Pane) throws {
        panes = closed
        paneIndices = closed.map(\.index)
        self.closedBefore = closedBefore
        accumulation = .empty
        if try reader.readBool() {
            let firstPane = try reader.readInt64()
            let lastPane = try reader.readInt64()
            guard firstPane <= lastPane else { throw SerializationError.invalidValue("accumulated panes out of order") }
            accumulation = .holding(firstPane: firstPane, lastPane: lastPane, events: try reader.readCounter(), pane: try decodePane(&reader))
        }
    }
}
