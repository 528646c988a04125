import DriftCore

/// Labelled outcomes of a version's predictions, bucketed by **prediction** time.
///
/// A prediction counts in its pane when it is made; its outcome is recorded when its
/// label joins (or when it expires unlabelled). A window of panes is evaluated once
/// its panes are closed for new predictions and its labels are ready
/// (``LabelReadiness``: enough of its predictions labelled, or enough labels once the
/// partial wait has passed, or the label time-to-live passed for all of them) — so
/// accuracy is never computed on the few labels that happen to arrive first.
/// Windows are evaluated in order; panes are kept until no window needs them, at most
/// `maximumPanes` (beyond that the oldest window is evaluated as it is, and counted).
/// The first window starts at the first pane with predictions: windows never reach back
/// into time the tracker did not see (e.g. a stream reference's period), so every
/// window evaluated spans `panesPerWindow` panes of monitored predictions — or more on
/// sparse traffic: with ``WindowSpec/Sizing/growing(minimumEvents:maximumPanes:)`` a ready
/// window with fewer than `minimumEvents` labelled predictions is not evaluated; its last
/// pane joins an accumulation of the panes since the last evaluated window, evaluated
/// once it holds `minimumEvents` labelled predictions or spans `maximumPanes` panes.
///
/// In process the one source records into the panes itself; a merge stage (issue 11)
/// gives it the parts of panes recorded on other sources with ``add(_:)``.
///
/// Complexity: a record or a part finds its pane by binary search, O(log panes), plus an
/// update (O(attribute sets)) or a merge (see ``OutcomeSummaries``); a ready window merges
/// its `panesPerWindow` panes. Memory: at most `maximumPanes` panes and one accumulation.
package struct PerformanceTracker: Sendable {
    /// The outcomes of the predictions made in one pane, or a part of them (recorded on
    /// another source, see ``add(_:)``).
    package struct Pane: Sendable {
        package var index: Int64
        package var summaries: OutcomeSummaries

        package init(index: Int64, summaries: OutcomeSummaries) {
            self.index = index
            self.summaries = summaries
        }
    }

    /// A window ready to evaluate: its panes' summaries merged (read through them, e.g.
    /// `window.outcome`).
    @dynamicMemberLookup
    package struct Window: Sendable {
        package var firstPane: Int64
        package var lastPane: Int64
        package var summaries: OutcomeSummaries
        /// Each change detector's rule and whether it signalled on the panes judged before
        /// the window was given (see ``VersionDetectors``); set when it is given.
        var detectorSignals: [Int: Bool] = [:]

        var coverage: Double? { summaries.predictions > 0 ? Double(summaries.labelled) / Double(summaries.predictions) : nil }

        package subscript<Value>(dynamicMember keyPath: KeyPath<OutcomeSummaries, Value>) -> Value { summaries[keyPath: keyPath] }

        /// An empty window ending at pane `lastPane`, with `outcomes`' summaries.
        init(firstPane: Int64, lastPane: Int64, outcomes: OutcomeShape) {
            self.firstPane = firstPane
            self.lastPane = lastPane
            summaries = OutcomeSummaries(outcomes)
        }

        /// Adds a pane's predictions and outcomes.
        mutating func absorb(_ pane: Pane) { summaries.merge(pane.summaries) }
    }

    /// Panes' outcomes gathered since the last evaluated window while windows hold too few labels.
    private enum Accumulation {
        case empty
        case holding(Window)
    }

    let panesPerWindow: Int
    let readiness: LabelReadiness
    /// The label time-to-live: a window this long past its end is judged as it is.
    let timeToLive: Int64
    let maximumPanes: Int
    package let outcomes: OutcomeShape
    let sizing: WindowSpec.Sizing
    private var accumulation = Accumulation.empty
    /// Growing windows: the last pane of the last window given (nil before the first).
    private var lastGivenPane: Int64?
    /// An array rather than a `Deque`, so that recording into a pane modifies it in place
    /// (`Deque`'s `_modify` copies the element back: a retain and release of each summary).
    private var panes: [Pane] = []
    /// `panes`' indices, kept apart so that searching them reads a few cache lines rather
    /// than a line of each pane probed (a pane is ~600 bytes).
    private var paneIndices: [Int64] = []
    /// The last pane of the next window to evaluate.
    private var nextWindowEnd: Int64?
    /// No window evaluated since the tracker (re)started, so its first window may still
    /// move earlier when an out-of-order prediction arrives for an earlier pane.
    private var awaitingFirstWindow = true
    /// Labels whose prediction's pane was already dropped.
    private(set) var lateLabels = 0
    /// Windows evaluated below coverage before their TTL: past the partial wait with
    /// enough labels, or because too many panes waited.
    private(set) var belowCoverageEvaluations = 0

    package init(panesPerWindow: Int, readiness: LabelReadiness, timeToLive: Int64, maximumPanes: Int, outcomes: OutcomeShape,
         sizing: WindowSpec.Sizing = .fixed) {
        self.panesPerWindow = panesPerWindow
        self.sizing = sizing
        self.readiness = readiness
        self.timeToLive = timeToLive
        self.maximumPanes = max(maximumPanes, panesPerWindow)
        self.outcomes = outcomes
    }

    mutating func recordPrediction(pane index: Int64, timestamp: Int64) {
        admitPredictions(pane: index)
        withPane(index, create: true) { $0.summaries.recordPrediction(timestamp: timestamp) }
    }

    /// Windows with predictions that closed but still wait for labels (reported at the
    /// end of input, where they are left unevaluated rather than judged on few labels).
    func waitingWindows(closedBefore: Int64) -> Int {
        guard let first = nextWindowEnd, let last = panes.last?.index else { return 0 }
        let lastEnd = min(closedBefore - 1, last + Int64(panesPerWindow) - 1)
        guard first <= lastEnd else { return 0 }
        return (first...lastEnd).count { end in panes.contains { $0.index <= end && $0.index > end - Int64(panesPerWindow) } }
    }

    /// Records a joined label for a prediction made in pane `index`; returns whether the
    /// pane was already judged by the change detectors (the label reaches the windows still
    /// open to it, not the detectors). A label whose pane is gone is counted in ``lateLabels``.
    @discardableResult
    mutating func recordLabel(pane index: Int64, label: Bool, predicted: Bool, score: Double?, groups: [FairnessGroupKey]) -> Bool {
        recordOutcome(pane: index) { $0.recordLabel(label: label, predicted: predicted, score: score, groups: groups) }
    }

    /// Records a joined label of a regression model's prediction made in pane `index`.
    mutating func recordRegressionLabel(pane index: Int64, prediction: Double, label: Double, groups: [FairnessGroupKey]) {
        recordOutcome(pane: index) { $0.recordRegressionLabel(prediction: prediction, label: label, groups: groups) }
    }

    /// Records a joined label of a multiclass classifier's prediction made in pane `index`.
    mutating func recordMulticlassLabel(pane index: Int64, label: String, output: MulticlassOutput, groups: [FairnessGroupKey]) {
        recordOutcome(pane: index) { $0.recordMulticlassLabel(label: label, output: output, groups: groups) }
    }

    /// A label recorded by `record` into pane `index`'s summaries: counted late when the
    /// pane is gone; whether the change detectors judged the pane already.
    @discardableResult
    private mutating func recordOutcome(pane index: Int64, _ record: (inout OutcomeSummaries) -> Void) -> Bool {
        guard withPane(index, create: false, { record(&$0.summaries) }) else {
            lateLabels += 1
            return false
        }
        return index <= judgedThrough
    }

    /// What became of a part given to ``add(_:)``.
    package enum PartAdmission: Equatable {
        /// Merged into its pane; `judgedLabels` of its labels reached a pane the change
        /// detectors had judged (the windows still open to it get them, the detectors not).
        case merged(judgedLabels: Int)
        /// Its pane is gone: its labels are counted in ``lateLabels``; its predictions
        /// are the caller's to count (the drift window counts them late).
        case late
    }

    /// Merges a part of pane `part.index` recorded on another source — a join task of
    /// another input partition, which records the predictions it holds and the outcomes of
    /// their labels, and hands the part over — into the pane, as if this tracker had
    /// recorded them (issue 11's merge stage; in process, one source records straight into
    /// the panes). A part with predictions may open the pane, as a prediction does.
    /// Counts (predictions, labels, confusion matrices, bins, groups) merge exactly;
    /// floating-point sums up to the order of the additions (see ``OutcomeSummaries``).
    package mutating func add(_ part: Pane) -> PartAdmission {
        if part.summaries.predictions > 0 { admitPredictions(pane: part.index) }
        guard withPane(part.index, create: part.summaries.predictions > 0, { $0.summaries.merge(part.summaries) }) else {
            lateLabels += part.summaries.labelled
            return .late
        }
        return .merged(judgedLabels: part.index <= judgedThrough ? part.summaries.labelled : 0)
    }

    /// Before the first window is evaluated, predictions in an earlier pane move it earlier.
    private mutating func admitPredictions(pane index: Int64) {
        let firstWindowEnd = index + Int64(panesPerWindow) - 1
        if awaitingFirstWindow, firstWindowEnd < nextWindowEnd ?? .max { nextWindowEnd = firstWindowEnd }
    }

    /// Windows that became ready now that panes before `closedBefore` take no more
    /// predictions; `waited` gives how long past the end of a window ending at a pane event
    /// time is (nil when panes have no end in time, as count windows' do). A binary
    /// classifier's panes are judged by `detectors` as they first join a ready window, and
    /// each window given carries the signals raised before it.
    package mutating func readyWindows(closedBefore: Int64, detectors: inout VersionDetectors, waited: (Int64) -> Int64?) -> [Window] {
        var ready: [Window] = []
        while let end = nextWindowEnd, end < closedBefore {
            let members = positions(ofWindowEndingAt: end)
            let predictions = members.reduce(0) { $0 + panes[$1].summaries.predictions }
            let labelled = members.reduce(0) { $0 + panes[$1].summaries.labelled }
            let wait = waited(end)
            let expired = wait.map { $0 >= timeToLive } ?? false
            let covered = predictions == 0 || readiness.isCovered(predictions: predictions, labelled: labelled)
            let judgeable = expired || readiness.isReady(predictions: predictions, labelled: labelled, waited: wait)
            let overflowing = panes.count > maximumPanes
            guard judgeable || overflowing else { break }
            // As drift windows, a window after the first ends only at a pane with
            // predictions: one ending in an idle stretch (after a version stopped, or in a
            // gap in its traffic) holds nothing the window ending at its last busy pane did
            // not judge already.
            if predictions > 0, awaitingFirstWindow || members.last.map({ panes[$0].index }) == end {
                if !covered && !expired { belowCoverageEvaluations += 1 }
                // Panes before `end` were judged at their own ends (or in the first window).
                ready += admit(endingAt: end, members: members, firstUnjudged: awaitingFirstWindow ? .min : end, detectors: &detectors)
            }
            nextWindowEnd = end + 1
            awaitingFirstWindow = false
            let passed = firstPosition(atLeast: end + 2 - Int64(panesPerWindow))
            panes.removeFirst(passed)
            paneIndices.removeFirst(passed)
            if panes.isEmpty {
                nextWindowEnd = nil
                awaitingFirstWindow = true
            }
        }
        // Growing windows: an accumulation that no pane can join any more (every pane it
        // could still span is closed and was given to it) is given now, not when a later
        // window becomes ready — for a version that stopped, never.
        if case let (.growing(_, maximumPanes), .holding(held)) = (sizing, accumulation) {
            let lastSpannable = held.firstPane + Int64(maximumPanes) - 1
            if closedBefore > lastSpannable, nextWindowEnd.map({ $0 > lastSpannable }) ?? true {
                accumulation = .empty
                lastGivenPane = held.lastPane
                ready.append(Self.given(held, &detectors))
            }
        }
        return ready
    }

    /// Positions in `panes` of the window ending at pane `end`: contiguous, as the panes
    /// are kept sorted by index. Positions rather than a filtered copy, which copied
    /// every member pane (their outcome summaries) at each check, ready or not.
    private func positions(ofWindowEndingAt end: Int64) -> Range<Int> {
        firstPosition(atLeast: end - Int64(panesPerWindow) + 1)..<firstPosition(atLeast: end + 1)
    }

    /// The position of the first pane whose index is at least `index` (`panes.count` if none).
    private func firstPosition(atLeast index: Int64) -> Int {
        var low = 0
        var high = paneIndices.count
        while low < high {
            let middle = (low + high) / 2
            if paneIndices[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func makeWindow(endingAt end: Int64, from members: Range<Int>) -> Window {
        var window = Window(firstPane: end - Int64(panesPerWindow) + 1, lastPane: end, outcomes: outcomes)
        for position in members { window.absorb(panes[position]) }
        return window
    }

    /// What a ready window gives to evaluate: itself when the sizing is fixed or it holds
    /// enough labels; otherwise its panes not yet given or accumulated join the
    /// accumulation, which is given once it holds enough labels or spans the maximum (an
    /// accumulation the panes would stretch past the maximum is given first, as it is).
    /// Panes not yet judged (from `firstUnjudged` in a fixed window; not yet given or
    /// accumulated in a growing one) are judged by `detectors` as they join.
    private mutating func admit(endingAt end: Int64, members: Range<Int>, firstUnjudged: Int64, detectors: inout VersionDetectors) -> [Window] {
        guard case let .growing(minimumEvents, maximumPanes) = sizing else {
            for position in members where panes[position].index >= firstUnjudged { judge(panes[position], &detectors) }
            return [Self.given(makeWindow(endingAt: end, from: members), &detectors)]
        }
        // Counted before merging: a sparse window under the minimum is never merged.
        if members.reduce(0, { $0 + panes[$1].summaries.labelled }) >= minimumEvents {
            for position in members where panes[position].index > accumulatedThrough { judge(panes[position], &detectors) }
            accumulation = .empty
            lastGivenPane = end
            return [Self.given(makeWindow(endingAt: end, from: members), &detectors)]
        }
        var given: [Window] = []
        for position in members where panes[position].index > accumulatedThrough {
            let paneIndex = panes[position].index
            if case let .holding(held) = accumulation, paneIndex - held.firstPane + 1 > Int64(maximumPanes) {
                given.append(Self.given(held, &detectors))
                accumulation = .empty
            }
            var held: Window
            switch accumulation {
            case .empty: held = Window(firstPane: paneIndex, lastPane: paneIndex, outcomes: outcomes)
            case let .holding(window): held = window
            }
            accumulation = .empty
            judge(panes[position], &detectors)
            held.absorb(panes[position])
            held.lastPane = paneIndex
            accumulation = .holding(held)
        }
        if case let .holding(held) = accumulation, held.labelled >= minimumEvents || held.lastPane - held.firstPane + 1 >= Int64(maximumPanes) {
            given.append(Self.given(held, &detectors))
            accumulation = .empty
        }
        if let last = given.last { lastGivenPane = last.lastPane }
        return given
    }

    /// A binary classifier's pane judged by the change detectors (other models have none).
    private func judge(_ pane: Pane, _ detectors: inout VersionDetectors) {
        guard outcomes.modelType == .binary else { return }
        let outcome = pane.summaries.outcome
        detectors.judge(labelled: Int(outcome.labelledCount), errors: Int(outcome.falsePositives + outcome.falseNegatives))
    }

    /// `window` as given, with the detectors' signals since the last window given.
    private static func given(_ window: Window, _ detectors: inout VersionDetectors) -> Window {
        var window = window
        window.detectorSignals = detectors.takeSignals()
        return window
    }

    /// The last pane the change detectors judged (`.min` before any). Panes are judged in
    /// order as they first join a ready window: with fixed windows, every pane up to the end
    /// of the last window evaluated; with growing ones, every pane given or accumulated.
    private var judgedThrough: Int64 {
        switch sizing {
        case .fixed: awaitingFirstWindow ? .min : nextWindowEnd.map { $0 - 1 } ?? .min
        case .growing: accumulatedThrough
        }
    }

    /// The last pane already given in a window or held in the accumulation.
    private var accumulatedThrough: Int64 {
        if case let .holding(held) = accumulation { return held.lastPane }
        return lastGivenPane ?? .min
    }

    /// End of input: an accumulation still short of labels, given as it is.
    mutating func takeAccumulation(detectors: inout VersionDetectors) -> Window? {
        guard case let .holding(held) = accumulation else { return nil }
        accumulation = .empty
        return Self.given(held, &detectors)
    }

    @discardableResult
    private mutating func withPane(_ index: Int64, create: Bool, _ body: (inout Pane) -> Void) -> Bool {
        // A binary search: a label's pane may lie days back, hundreds of panes from the end.
        let position = firstPosition(atLeast: index)
        if position < paneIndices.count, paneIndices[position] == index {
            body(&panes[position])
            return true
        }
        guard create, nextWindowEnd.map({ index >= $0 - Int64(panesPerWindow) + 1 }) ?? true else { return false }
        var pane = Pane(index: index, summaries: OutcomeSummaries(outcomes))
        body(&pane)
        panes.insert(pane, at: position)
        paneIndices.insert(index, at: position)
        return true
    }
}

// MARK: Checkpoint

extension PerformanceTracker {
    /// Writes the panes and the window position (the parameters come from the owner).
    /// Format 6 added the model type (see ``OutcomeSummaries/writeOutcomes(to:shape:)``).
    func encodeState(to writer: inout BinaryWriter) {
        writer.write(outcomes.modelType.rawValue)
        writer.writeCount(panes.count)
        for pane in panes {
            writer.write(pane.index)
            pane.summaries.writeCounts(to: &writer)
            // Formats up to 10 kept the pane's expired predictions here, which nothing read: always 0 since.
            writer.writeCounter(0)
            pane.summaries.writeOutcomes(to: &writer, shape: outcomes)
        }
        writer.writeOptional(nextWindowEnd)
        writer.write(awaitingFirstWindow)
        writer.writeCounter(lateLabels)
        writer.writeCounter(belowCoverageEvaluations)
        writer.writeOptional(lastGivenPane)
        switch accumulation {
        case .empty:
            writer.write(false)
        case let .holding(held):
            writer.write(true)
            writer.write(held.firstPane)
            writer.write(held.lastPane)
            writer.write(held.start)
            writer.write(held.end)
            writer.writeCounter(held.predictions)
            writer.writeCounter(held.labelled)
            held.summaries.writeOutcomes(to: &writer, shape: outcomes)
        }
    }

    /// Replaces the state with one written by ``encodeState(to:)``; each pane's summaries
    /// must have the shape of a fresh pane's (so windows merge them without error).
    /// (engine checkpoint `format`).
    mutating func restoreState(from reader: inout BinaryReader, format: UInt32) throws {
        // A model's type cannot change under a checkpoint: its panes hold another type's summaries.
        if format >= 6 { try reader.expect(try reader.readString(), outcomes.modelType.rawValue, "model type") }
        let count = try reader.readCount(maximum: reader.remaining)
        var restored: [Pane] = []
        for _ in 0..<count {
            var pane = Pane(index: try reader.readInt64(), summaries: OutcomeSummaries(outcomes))
            guard restored.last.map({ $0.index < pane.index }) ?? true else {
                throw SerializationError.invalidValue("performance panes out of order")
            }
            try pane.summaries.readCounts(from: &reader)
            _ = try reader.readCounter()  // the expired predictions of formats up to 10, unused
            try pane.summaries.readOutcomes(from: &reader, shape: outcomes, format: format, what: "performance")
            restored.append(pane)
        }
        panes = restored
        paneIndices = restored.map(\.index)
        nextWindowEnd = try reader.readOptionalInt64()
        awaitingFirstWindow = try reader.readBool()
        lateLabels = try reader.readCounter()
        belowCoverageEvaluations = try reader.readCounter()
        lastGivenPane = try reader.readOptionalInt64()
        accumulation = .empty
        if try reader.readBool() {
            var held = Window(firstPane: try reader.readInt64(), lastPane: try reader.readInt64(), outcomes: outcomes)
            guard held.firstPane <= held.lastPane else { throw SerializationError.invalidValue("accumulated performance panes out of order") }
            // Written as the span [start, end).
            held.summaries.firstTimestamp = try reader.readInt64()
            let end = try reader.readInt64()
            held.summaries.lastTimestamp = end == .min ? .min : end - 1
            held.summaries.predictions = try reader.readCounter()
            held.summaries.labelled = try reader.readCounter()
            try held.summaries.readOutcomes(from: &reader, shape: outcomes, format: format, what: "accumulated performance")
            accumulation = .holding(held)
        }
    }
}
