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
struct PerformanceTracker: Sendable {
    struct Pane: Sendable {
        var index: Int64
        var predictions = 0
        /// Event-time span of the pane's predictions (what count windows report).
        var firstTimestamp = Int64.max
        var lastTimestamp = Int64.min
        var labelled = 0
        var expired = 0
        /// A binary classifier's outcomes (empty for a regression model).
        var outcome: BinaryOutcomeSummary
        var fairness: [FairnessSummary]
        /// A regression model's outcomes (empty for a binary classifier).
        var regression = RegressionSummary()
        var regressionFairness: [RegressionFairnessSummary]
        /// A regression model's residuals (residual drift).
        var residuals = ResidualHistogram()
        /// A multiclass classifier's outcomes and per-group accuracies (empty for other models).
        var multiclass = OutcomeShape.freshMulticlass
        var multiclassFairness: [GroupAccuracySummary]
    }

    /// A window ready to evaluate.
    struct Window: Sendable {
        var firstPane: Int64
        var lastPane: Int64
        /// Event-time span `[start, end)` of the window's predictions.
        var start: Int64
        var end: Int64
        var predictions: Int
        var labelled: Int
        var outcome: BinaryOutcomeSummary
        var fairness: [FairnessSummary]
        var regression = RegressionSummary()
        var regressionFairness: [RegressionFairnessSummary]
        var residuals = ResidualHistogram()
        var multiclass = OutcomeShape.freshMulticlass
        var multiclassFairness: [GroupAccuracySummary]
        /// Each change detector's rule and whether it signalled on the panes judged before
        /// the window was given (see ``VersionDetectors``); set when it is given.
        var detectorSignals: [Int: Bool] = [:]

        var coverage: Double? { predictions > 0 ? Double(labelled) / Double(predictions) : nil }

        /// An empty window ending at pane `lastPane`, with the (binary or regression) fairness summaries of `outcomes`.
        init(firstPane: Int64, lastPane: Int64, outcomes: OutcomeShape) {
            self.firstPane = firstPane
            self.lastPane = lastPane
            start = .max
            end = .min
            predictions = 0
            labelled = 0
            outcome = try! BinaryOutcomeSummary()
            fairness = outcomes.freshFairness
            regressionFairness = outcomes.freshRegressionFairness
            multiclassFairness = outcomes.freshMulticlassFairness
        }

        /// Adds a pane's predictions and outcomes.
        mutating func absorb(_ pane: Pane) {
            predictions += pane.predictions
            labelled += pane.labelled
            start = min(start, pane.firstTimestamp)
            end = max(end, pane.lastTimestamp == .min ? .min : pane.lastTimestamp + 1)
            try! outcome.merge(pane.outcome)  // same bins by construction
            for position in fairness.indices { try! fairness[position].merge(pane.fairness[position]) }
            regression.merge(pane.regression)
            residuals.merge(pane.residuals)
            for position in regressionFairness.indices { try! regressionFairness[position].merge(pane.regressionFairness[position]) }
            try! multiclass.merge(pane.multiclass)  // same class cap by construction
            for position in multiclassFairness.indices { try! multiclassFairness[position].merge(pane.multiclassFairness[position]) }
        }
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
    let outcomes: OutcomeShape
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

    /// The fairness summaries a pane keeps: a binary classifier's outcome fairness or a
    /// regression model's per-group errors, for each attribute set.
    struct OutcomeShape: Sendable {
        var modelType: ModelType
        var fairnessAttributes: [[String]]

        /// A binary classifier's attribute sets (none for a regression model).
        var binaryAttributes: [[String]] { modelType == .binary ? fairnessAttributes : [] }
        var freshFairness: [FairnessSummary] { binaryAttributes.map { try! FairnessSummary(attributes: $0) } }
        var freshRegressionFairness: [RegressionFairnessSummary] {
            modelType == .regression ? fairnessAttributes.map { try! RegressionFairnessSummary(attributes: $0) } : []
        }
        var freshMulticlassFairness: [GroupAccuracySummary] {
            modelType == .multiclass ? fairnessAttributes.map { try! GroupAccuracySummary(attributes: $0) } : []
        }
        /// An empty multiclass summary (no allocation: its arrays and tables start empty).
        static let freshMulticlass = try! MulticlassOutcomeSummary()
    }

    init(panesPerWindow: Int, readiness: LabelReadiness, timeToLive: Int64, maximumPanes: Int, fairnessAttributes: [[String]],
         modelType: ModelType = .binary, sizing: WindowSpec.Sizing = .fixed) {
        self.panesPerWindow = panesPerWindow
        self.sizing = sizing
        self.readiness = readiness
        self.timeToLive = timeToLive
        self.maximumPanes = max(maximumPanes, panesPerWindow)
        outcomes = OutcomeShape(modelType: modelType, fairnessAttributes: fairnessAttributes)
    }

    mutating func recordPrediction(pane index: Int64, timestamp: Int64) {
        let firstWindowEnd = index + Int64(panesPerWindow) - 1
        if awaitingFirstWindow, firstWindowEnd < nextWindowEnd ?? .max { nextWindowEnd = firstWindowEnd }
        withPane(index, create: true) { pane in
            pane.predictions += 1
            pane.firstTimestamp = min(pane.firstTimestamp, timestamp)
            pane.lastTimestamp = max(pane.lastTimestamp, timestamp)
        }
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
        let found = withPane(index, create: false) { pane in
            pane.labelled += 1
            pane.outcome.record(label: label, predicted: predicted, score: score)
            for position in pane.fairness.indices {
                pane.fairness[position].record(group: groups[position], label: label, predicted: predicted, score: score)
            }
        }
        if !found { lateLabels += 1 }
        return found && index <= judgedThrough
    }

    /// Records a joined label of a regression model's prediction made in pane `index`.
    mutating func recordRegressionLabel(pane index: Int64, prediction: Double, label: Double, groups: [FairnessGroupKey]) {
        let found = withPane(index, create: false) { pane in
            pane.labelled += 1
            pane.regression.record(prediction: prediction, label: label)
            pane.residuals.record(label - prediction)
            for position in pane.regressionFairness.indices {
                pane.regressionFairness[position].record(group: groups[position], prediction: prediction, label: label)
            }
        }
        if !found { lateLabels += 1 }
    }

    /// Records a joined label of a multiclass classifier's prediction made in pane `index`.
    mutating func recordMulticlassLabel(pane index: Int64, label: String, output: MulticlassOutput, groups: [FairnessGroupKey]) {
        let found = withPane(index, create: false) { pane in
            pane.labelled += 1
            pane.multiclass.record(label: label, predicted: output.predicted, probabilities: output.probabilities)
            for position in pane.multiclassFairness.indices {
                pane.multiclassFairness[position].record(group: groups[position], correct: label == output.predicted)
            }
        }
        if !found { lateLabels += 1 }
    }

    mutating func recordExpiry(pane index: Int64) {
        _ = withPane(index, create: false) { $0.expired += 1 }
    }

    /// Windows that became ready now that panes before `closedBefore` take no more
    /// predictions; `waited` gives how long past the end of a window ending at a pane event
    /// time is (nil when panes have no end in time, as count windows' do). A binary
    /// classifier's panes are judged by `detectors` as they first join a ready window, and
    /// each window given carries the signals raised before it.
    mutating func readyWindows(closedBefore: Int64, detectors: inout VersionDetectors, waited: (Int64) -> Int64?) -> [Window] {
        var ready: [Window] = []
        while let end = nextWindowEnd, end < closedBefore {
            let members = positions(ofWindowEndingAt: end)
            let predictions = members.reduce(0) { $0 + panes[$1].predictions }
            let labelled = members.reduce(0) { $0 + panes[$1].labelled }
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
        if members.reduce(0, { $0 + panes[$1].labelled }) >= minimumEvents {
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
        detectors.judge(labelled: Int(pane.outcome.labelledCount), errors: Int(pane.outcome.falsePositives + pane.outcome.falseNegatives))
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
        var pane = Pane(index: index, outcome: try! BinaryOutcomeSummary(), fairness: outcomes.freshFairness,
                        regressionFairness: outcomes.freshRegressionFairness, multiclassFairness: outcomes.freshMulticlassFairness)
        body(&pane)
        panes.insert(pane, at: position)
        paneIndices.insert(index, at: position)
        return true
    }
}

// MARK: Checkpoint

extension PerformanceTracker {
    /// Writes the panes and the window position (the parameters come from the owner).
    /// Format 6 added the model type, and a regression model's panes' regression summaries
    /// (a binary classifier's panes are written as before); format 7 a multiclass
    /// classifier's panes' multiclass summaries.
    func encodeState(to writer: inout BinaryWriter) {
        writer.write(outcomes.modelType.rawValue)
        writer.writeCount(panes.count)
        for pane in panes {
            writer.write(pane.index)
            writer.writeCounter(pane.predictions)
            writer.write(pane.firstTimestamp)
            writer.write(pane.lastTimestamp)
            writer.writeCounter(pane.labelled)
            writer.writeCounter(pane.expired)
            writer.write(pane.outcome)
            writer.write(pane.fairness)
            writeRegressionSummaries(pane.regression, pane.regressionFairness, pane.residuals, to: &writer)
            writeMulticlassSummaries(pane.multiclass, pane.multiclassFairness, to: &writer)
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
            writer.write(held.outcome)
            writer.write(held.fairness)
            writeRegressionSummaries(held.regression, held.regressionFairness, held.residuals, to: &writer)
            writeMulticlassSummaries(held.multiclass, held.multiclassFairness, to: &writer)
        }
    }

    /// Replaces the state with one written by ``encodeState(to:)``; each pane's summaries
    /// must have the shape of a fresh pane's (so windows merge them without error).
    /// (engine checkpoint `format`).
    mutating func restoreState(from reader: inout BinaryReader, format: UInt32) throws {
        // A model's type cannot change under a checkpoint: its panes hold another type's summaries.
        if format >= 6 { try reader.expect(try reader.readString(), outcomes.modelType.rawValue, "model type") }
        let regressionPanes = format >= 6 && outcomes.modelType == .regression
        // Formats before 7 had no multiclass models (a multiclass type fails the check above).
        let multiclassPanes = outcomes.modelType == .multiclass
        let template = Pane(index: 0, outcome: try! BinaryOutcomeSummary(), fairness: outcomes.freshFairness,
                            regressionFairness: outcomes.freshRegressionFairness, multiclassFairness: outcomes.freshMulticlassFairness)
        let count = try reader.readCount(maximum: reader.remaining)
        var restored: [Pane] = []
        for _ in 0..<count {
            var pane = template
            pane.index = try reader.readInt64()
            guard restored.last.map({ $0.index < pane.index }) ?? true else {
                throw SerializationError.invalidValue("performance panes out of order")
            }
            pane.predictions = try reader.readCounter()
            pane.firstTimestamp = try reader.readInt64()
            pane.lastTimestamp = try reader.readInt64()
            pane.labelled = try reader.readCounter()
            pane.expired = try reader.readCounter()
            (pane.outcome, pane.fairness) = try readSummaries(from: &reader, shapedLike: template, what: "performance")
            if regressionPanes {
                (pane.regression, pane.regressionFairness, pane.residuals) = try readRegressionSummaries(from: &reader, format: format, what: "performance")
            }
            if multiclassPanes { (pane.multiclass, pane.multiclassFairness) = try readMulticlassSummaries(from: &reader, what: "performance") }
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
            held.start = try reader.readInt64()
            held.end = try reader.readInt64()
            held.predictions = try reader.readCounter()
            held.labelled = try reader.readCounter()
            (held.outcome, held.fairness) = try readSummaries(from: &reader, shapedLike: template, what: "accumulated performance")
            if regressionPanes {
                (held.regression, held.regressionFairness, held.residuals) = try readRegressionSummaries(from: &reader, format: format, what: "accumulated performance")
            }
            if multiclassPanes { (held.multiclass, held.multiclassFairness) = try readMulticlassSummaries(from: &reader, what: "accumulated performance") }
            accumulation = .holding(held)
        }
    }

    /// An outcome summary and fairness summaries, which must have the shape of a fresh pane's.
    private func readSummaries(from reader: inout BinaryReader, shapedLike template: Pane, what: String) throws -> (BinaryOutcomeSummary, [FairnessSummary]) {
        let outcome = try reader.read(BinaryOutcomeSummary.self)
        try reader.expect(outcome.scoreBins, template.outcome.scoreBins, "\(what) score bins")
        let fairness = try reader.readArray(of: FairnessSummary.self)
        try reader.expect(fairness.map(\.attributes), outcomes.binaryAttributes, "\(what) fairness attribute sets")
        try reader.expect(fairness.map(\.scoreBins), template.fairness.map(\.scoreBins), "\(what) fairness score bins")
        return (outcome, fairness)
    }

    /// A regression model's pane summaries (nothing for a binary classifier's).
    private func writeRegressionSummaries(_ regression: RegressionSummary, _ fairness: [RegressionFairnessSummary], _ residuals: ResidualHistogram,
                                          to writer: inout BinaryWriter) {
        guard outcomes.modelType == .regression else { return }
        writer.write(regression)
        writer.write(fairness)
        writer.write(residuals)
    }

    /// A multiclass classifier's pane summaries (nothing for other models').
    private func writeMulticlassSummaries(_ multiclass: MulticlassOutcomeSummary, _ fairness: [GroupAccuracySummary], to writer: inout BinaryWriter) {
        guard outcomes.modelType == .multiclass else { return }
        writer.write(multiclass)
        writer.write(fairness)
    }

    /// A multiclass summary and group accuracies with a fresh pane's shape.
    private func readMulticlassSummaries(from reader: inout BinaryReader, what: String) throws -> (MulticlassOutcomeSummary, [GroupAccuracySummary]) {
        let multiclass = try reader.read(MulticlassOutcomeSummary.self)
        try reader.expect(multiclass.maximumClasses, OutcomeShape.freshMulticlass.maximumClasses, "\(what) class cap")
        let fairness = try reader.readArray(of: GroupAccuracySummary.self)
        try reader.expect(fairness.map(\.attributes), outcomes.freshMulticlassFairness.map(\.attributes), "\(what) group accuracy attribute sets")
        return (multiclass, fairness)
    }

    /// A regression summary, regression fairness summaries, which must have the shape of a
    /// fresh pane's, and the residuals (format 7; before, none).
    private func readRegressionSummaries(from reader: inout BinaryReader, format: UInt32, what: String) throws
        -> (RegressionSummary, [RegressionFairnessSummary], ResidualHistogram) {
        let regression = try reader.read(RegressionSummary.self)
        let fairness = try reader.readArray(of: RegressionFairnessSummary.self)
        try reader.expect(fairness.map(\.attributes), outcomes.freshRegressionFairness.map(\.attributes), "\(what) regression fairness attribute sets")
        return (regression, fairness, format >= 7 ? try reader.read(ResidualHistogram.self) : ResidualHistogram())
    }
}
