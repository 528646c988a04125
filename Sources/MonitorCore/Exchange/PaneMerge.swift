import DriftCore

/// What a merge stage holds of one model version (issue 11, plan step 3): it takes the
/// hand-overs of a fixed set of sources (``PaneSource``, one per input partition), drops
/// those it already took, counts those that went missing, and merges the drift panes and
/// outcome parts into a ``WindowAssembler`` and a ``PerformanceTracker`` once every
/// source's watermark has passed them; ``judge(detectors:)`` returns the windows that
/// became complete or ready.
///
/// **Deterministic.** What arrived is held per source and applied step by step in a fixed
/// order (step, source, sequence), whatever order the sources' records arrived in and
/// whenever `judge` is called: at each step, the windows ready at the step before (time
/// alone can make a window ready) are taken first, then the step's drift panes and outcome
/// parts are merged and the windows complete or ready at the step are taken — what one
/// recorder of all the events does when its watermark reaches each boundary. Parts merge
/// exactly for counts; floating-point sums (moments, log loss) in source order, so they
/// equal a single source's to rounding.
///
/// Complexity: ``receive(_:)`` O(1) amortised, plus a record's parts checked (over the
/// cap, O(held log held) to find how far to overtake); ``judge(detectors:)`` sorts what became due,
/// O(d log d), and merges each part once (see ``WindowAssembler/add(_:)`` and
/// ``PerformanceTracker/add(_:)``). Memory: what each source sent ahead of the slowest
/// one, at most ``maximumHeld`` parts (then the slowest is overtaken, counted), plus the
/// assembler's and the tracker's panes.
package struct PaneMerge<Pane: WindowPane> {
    /// What became of a record given to ``receive(_:)``.
    package enum Reception: Equatable {
        /// Held until every source's watermark passes it.
        case held
        /// Taken before (a source restarted from a checkpoint sends its records again):
        /// dropped, counted in ``Counters/duplicates``.
        case duplicate
        /// Held, but records of the source before it never came: counted in
        /// ``Counters/missingRecords``.
        case heldAfterGap(missing: UInt64)
        /// From a source outside the merge's set: dropped, counted in ``Counters/unknownSources``.
        case unknownSource
        /// A boundary or pane index whose time is out of range (a damaged record that still
        /// read): dropped, counted in ``Counters/implausibleRecords`` (and the source's next
        /// record shows it missing).
        case implausible
    }

    package struct Counters: Equatable, Sendable {
        /// Records taken before, dropped (see ``Reception/duplicate``).
        package var duplicates = 0
        /// Records a gap in a source's numbers showed missing.
        package var missingRecords: UInt64 = 0
        /// Records from a source outside the merge's set, dropped.
        package var unknownSources = 0
        /// Records refused for times out of range (see ``Reception/implausible``).
        package var implausibleRecords = 0
        /// Labels of outcome parts merged into a pane the change detectors had judged: they
        /// reach the windows still open to it, not the detectors (as `VersionMonitor`'s
        /// `labelsAfterDetectors`).
        package var labelsAfterDetectors = 0
        /// Events of drift panes that came after their pane had closed (a source behind the
        /// others' allowed lateness, or one the merge stopped waiting for): not in any window.
        package var latePaneEvents = 0
        /// Times the merge stopped waiting for a source behind the others because the parts
        /// held for it reached ``PaneMerge/maximumHeld`` (its later parts of the steps
        /// judged since are late: drift panes counted in ``latePaneEvents``, labels in the
        /// tracker's late labels).
        package var overtakenSources = 0
    }

    /// The windows one ``judge(detectors:)`` made, step by step.
    package struct Judged {
        /// What one step (or the time before it) judged: the drift windows it closed, then
        /// the performance windows that became ready — in the order one recorder of all the
        /// events judges them when its watermark reaches the step's boundary.
        package struct Step {
            package var drift: [ClosedWindow<Pane>]
            package var performance: [PerformanceTracker.Window]
        }

        /// The steps that judged something, in order.
        package var steps: [Step] = []
        package var drift: [ClosedWindow<Pane>] { steps.flatMap(\.drift) }
        package var performance: [PerformanceTracker.Window] { steps.flatMap(\.performance) }
    }

    private struct Source {
        var nextSequence: UInt64 = 0
        /// The boundary of the last whole hand-over or partition watermark (`.min` before any).
        var watermark = Int64.min
        /// Drift panes and outcome parts received, not merged yet, in the order received,
        /// each with its step (a drift pane's: one past its index).
        var panes: [(step: Int64, pane: RecordedPane<Pane>)] = []
        var parts: [HandOver<Pane>.OutcomePart] = []
    }

    private var assembler: WindowAssembler<Pane>
    package private(set) var tracker: PerformanceTracker
    private let paneMilliseconds: Int64
    private var sources: [Source]
    /// Drift panes and outcome parts held at most, all sources together, while the slowest
    /// source holds the others back (a join task that stopped, or one far behind).
    package let maximumHeld: Int
    /// Drift panes and outcome parts held now. O(sources).
    package var held: Int { sources.reduce(0) { $0 + $1.panes.count + $1.parts.count } }
    /// Steps before it are judged.
    private var judgedBefore = Int64.min
    package private(set) var counters = Counters()

    /// A merge of `sources` sources (numbered 0..<sources) of a version with `spec`'s
    /// event-time windows, its outcome windows made by `tracker`; nil for count windows
    /// (see ``PaneSource``) or no source. At most `maximumHeld` parts wait for the
    /// slowest source (see ``Counters/overtakenSources``): by default, a day of 5-minute
    /// panes from 16 sources, each with a drift pane and a few outcome parts.
    package init?(spec: WindowSpec, sources: Int, tracker: PerformanceTracker, maximumHeld: Int = 20_000) {
        guard case let .eventTime(paneMilliseconds, _) = spec.kind, sources > 0 else { return nil }
        self.paneMilliseconds = paneMilliseconds
        self.maximumHeld = maximumHeld
        assembler = WindowAssembler(spec: spec)
        self.tracker = tracker
        self.sources = Array(repeating: Source(), count: sources)
    }

    /// The watermark every source has passed: steps up to it can be judged (nil until every
    /// source handed over once).
    package var combinedWatermark: Int64? {
        let slowest = sources.lazy.map(\.watermark).min() ?? .min
        return slowest == .min ? nil : slowest
    }

    /// Takes a source's record: holds it until the sources' watermarks pass it.
    package mutating func receive(_ record: HandOver<Pane>) -> Reception {
        let number = record.origin.source
        guard sources.indices.contains(number) else {
            counters.unknownSources += 1
            return .unknownSource
        }
        guard isPlausible(record.boundary), record.panes.allSatisfy({ isPlausible($0.index) }),
              record.outcomes.allSatisfy({ isPlausible($0.step) && isPlausible($0.part.index) }) else {
            counters.implausibleRecords += 1
            return .implausible
        }
        let expected = sources[number].nextSequence
        guard record.origin.sequence >= expected else {
            counters.duplicates += 1
            return .duplicate
        }
        sources[number].nextSequence = record.origin.sequence + 1
        sources[number].panes += record.panes.map { (step: $0.index + 1, pane: $0) }
        sources[number].parts += record.outcomes
        if record.isLast { sources[number].watermark = max(sources[number].watermark, record.boundary) }
        if held > maximumHeld { overtakeSlowestSources() }
        let missing = record.origin.sequence - expected
        guard missing == 0 else {
            counters.missingRecords += missing
            return .heldAfterGap(missing: missing)
        }
        return .held
    }

    /// Over the cap: the merge stops waiting for the sources behind the oldest steps held,
    /// as far as the next ``judge(detectors:)`` needs to bring the parts held back under
    /// the cap (each source overtaken is counted). Memory stays within the cap plus what
    /// arrives between two judgements. O(held log held), over the cap only.
    private mutating func overtakeSlowestSources() {
        let steps = sources.flatMap { $0.panes.map(\.step) + $0.parts.map(\.step) }.sorted()
        guard steps.count > maximumHeld else { return }
        let releasing = steps[steps.count - maximumHeld - 1]
        for number in sources.indices where sources[number].watermark < releasing {
            sources[number].watermark = releasing
            counters.overtakenSources += 1
        }
    }

    /// Moves a source on to its partition's watermark: panes before `boundary` are closed
    /// there, and everything the source recorded before it has been sent. A join task
    /// sends its partition's watermark to every merge after its versions' hand-overs up to
    /// it (``JoinPartition``), so that a version with nothing to hand over at a boundary —
    /// none of its predictions on the partition so far, or none since its last hand-over —
    /// need not send an empty one to move its merge on; a version's later first
    /// predictions on the partition go to a ``PaneSource`` whose panes before the boundary
    /// are closed (``PaneSource/closePanes(before:)``). Returns whether the source's
    /// watermark moved.
    @discardableResult
    package mutating func receivePartitionWatermark(source number: Int, before boundary: Int64) -> Bool {
        guard sources.indices.contains(number), boundary > sources[number].watermark, isPlausible(boundary) else {
            return false
        }
        sources[number].watermark = boundary
        return true
    }

    /// Merges what every source's watermark has passed, step by step, and returns the
    /// drift windows that closed and the performance windows that became ready (judged by
    /// `detectors` as ``PerformanceTracker/readyWindows(closedBefore:detectors:waited:)``
    /// does; a step's time is its boundary's).
    package mutating func judge(detectors: inout VersionDetectors) -> Judged {
        let combined = combinedWatermark ?? .min
        // What is due: every item of a step the slowest source passed, and those of steps
        // judged already (a source overtaken at the cap, back). A source's items of a later
        // step (some of its hand-over not here yet, or it runs ahead) wait.
        let due = max(combined, judgedBefore)
        guard due != .min else { return Judged() }
        var panes: [(step: Int64, source: Int, order: Int, pane: RecordedPane<Pane>)] = []
        var parts: [(step: Int64, source: Int, order: Int, part: PerformanceTracker.Pane)] = []
        for number in sources.indices {
            for (order, held) in sources[number].panes.enumerated() where held.step <= due {
                panes.append((held.step, number, order, held.pane))
            }
            for (order, held) in sources[number].parts.enumerated() where held.step <= due {
                parts.append((held.step, number, order, held.part))
            }
            sources[number].panes.removeAll { $0.step <= due }
            sources[number].parts.removeAll { $0.step <= due }
        }
        // Received order breaks ties within a source: its records come in sequence.
        panes.sort { ($0.step, $0.source, $0.order) < ($1.step, $1.source, $1.order) }
        parts.sort { ($0.step, $0.source, $0.order) < ($1.step, $1.source, $1.order) }
        var judged = Judged()
        var nextPane = 0, nextPart = 0
        /// Merges the items of the steps up to `step` (a drift pane whose pane closed is late, counted).
        func merge(through step: Int64) {
            while nextPane < panes.count, panes[nextPane].step <= step {
                let pane = panes[nextPane].pane
                if !assembler.add(pane) { counters.latePaneEvents += pane.eventCount }
                nextPane += 1
            }
            while nextPart < parts.count, parts[nextPart].step <= step {
                if case let .merged(judgedLabels) = tracker.add(parts[nextPart].part) { counters.labelsAfterDetectors += judgedLabels }
                nextPart += 1
            }
        }
        merge(through: judgedBefore)
        guard combined > judgedBefore else { return judged }
        var steps = Set(panes.map(\.step)).union(parts.map(\.step)).filter { $0 > judgedBefore }.sorted()
        if steps.last != combined { steps.append(combined) }
        for step in steps {
            // Time alone (the wait for labels, their time to live) can make a window ready
            // before this step's parts arrive: judged as the steps between would have.
            if step - 1 > judgedBefore { take(before: step - 1, into: &judged, detectors: &detectors) }
            merge(through: step)
            take(before: step, into: &judged, detectors: &detectors)
        }
        return judged
    }

    /// Whether a pane index (or boundary, or step) is one whose time and windows can be
    /// computed without overflow: its time within ±10¹⁸ ms of the epoch (±31 million years).
    private func isPlausible(_ index: Int64) -> Bool {
        let limit = 1_000_000_000_000_000_000 / paneMilliseconds
        return index > -limit && index < limit
    }

    /// Closes the drift panes before `boundary` and takes the performance windows ready then.
    private mutating func take(before boundary: Int64, into judged: inout Judged, detectors: inout VersionDetectors) {
        let drift = assembler.close(before: boundary)
        let width = paneMilliseconds
        let now = boundary * width
        let performance = tracker.readyWindows(closedBefore: boundary, detectors: &detectors) { pane in now - (pane + 1) * width }
        if !drift.isEmpty || !performance.isEmpty { judged.steps.append(.init(drift: drift, performance: performance)) }
        judgedBefore = boundary
    }
}

// MARK: Checkpoint

extension PaneMerge {
    /// Writes the merge's state (not its spec, sources or tracker's parameters, which the
    /// owner recreates): the steps judged, the counters, each source's next sequence number,
    /// watermark and what it sent that is not merged yet, the assembler's panes and
    /// accumulation, and the tracker's state. With the records taken since, a merge
    /// restored from it makes the windows of one that never stopped; records it had taken
    /// before are dropped as duplicates.
    package func encodeState(to writer: inout BinaryWriter, panes coding: PaneCoding<Pane>) {
        writer.write(judgedBefore)
        for count in [counters.duplicates, Int(clamping: counters.missingRecords), counters.unknownSources, counters.implausibleRecords,
                      counters.labelsAfterDetectors, counters.latePaneEvents, counters.overtakenSources] { writer.writeCounter(count) }
        writer.writeCount(sources.count)
        for source in sources {
            writer.write(source.nextSequence)
            writer.write(source.watermark)
            HandOver.write(panes: source.panes.map(\.pane), outcomes: source.parts, to: &writer, coding, tracker.outcomes)
        }
        HandOver.write(panes: assembler.heldPanes, outcomes: [], to: &writer, coding, tracker.outcomes)
        assembler.encodeAccumulation(to: &writer, encodePane: coding.encode)
        tracker.encodeState(to: &writer)
    }

    /// Replaces the state with one written by ``encodeState(to:panes:)`` for as many sources.
    package mutating func restoreState(from reader: inout BinaryReader, panes coding: PaneCoding<Pane>) throws {
        judgedBefore = try reader.readInt64()
        counters = Counters(duplicates: try reader.readCounter(), missingRecords: UInt64(try reader.readCounter()),
                            unknownSources: try reader.readCounter(), implausibleRecords: try reader.readCounter(),
                            labelsAfterDetectors: try reader.readCounter(), latePaneEvents: try reader.readCounter(),
                            overtakenSources: try reader.readCounter())
        try reader.expect(try reader.readCount(maximum: reader.remaining), sources.count, "merge sources")
        for number in sources.indices {
            var source = Source(nextSequence: try reader.readUInt64(), watermark: try reader.readInt64())
            let (panes, parts) = try HandOver.read(from: &reader, coding, tracker.outcomes)
            source.panes = panes.map { (step: $0.index + 1, pane: $0) }
            source.parts = parts
            sources[number] = source
        }
        let held = try HandOver.read(from: &reader, coding, tracker.outcomes).panes
        try assembler.restore(closed: held, closedBefore: judgedBefore, from: &reader, decodePane: coding.decode)
        try tracker.restoreState(from: &reader, format: MonitorEngine.checkpointFormatVersion)
    }
}
