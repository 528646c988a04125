import DriftCore

/// Labelled outcomes of a version's predictions, bucketed by **prediction** time.
///
/// A prediction counts in its pane when it is made; its outcome is recorded when its
/// label joins (or when it expires unlabelled). A window of panes is evaluated once
/// its panes are closed for new predictions and either enough of its predictions are
/// labelled (`coverageThreshold`) or the label time-to-live has passed for all of them
/// — so accuracy is never computed on the few labels that happen to arrive first.
/// Windows are evaluated in order; panes are kept until no window needs them, at most
/// `maximumPanes` (beyond that the oldest window is evaluated as it is, and counted).
/// The first window starts at the first pane with predictions: windows never reach back
/// into time the tracker did not see (e.g. a stream reference's period), so every
/// window evaluated spans `panesPerWindow` panes of monitored predictions.
struct PerformanceTracker: Sendable {
    struct Pane: Sendable {
        var index: Int64
        var predictions = 0
        /// Event-time span of the pane's predictions (what count windows report).
        var firstTimestamp = Int64.max
        var lastTimestamp = Int64.min
        var labelled = 0
        var expired = 0
        var outcome: BinaryOutcomeSummary
        var fairness: [FairnessSummary]
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

        var coverage: Double? { predictions > 0 ? Double(labelled) / Double(predictions) : nil }
    }

    let panesPerWindow: Int
    let coverageThreshold: Double
    let maximumPanes: Int
    let fairnessAttributes: [[String]]
    /// An array rather than a `Deque`, so that recording into a pane modifies it in place
    /// (`Deque`'s `_modify` copies the element back: a retain and release of each summary).
    private var panes: [Pane] = []
    /// The last pane of the next window to evaluate.
    private var nextWindowEnd: Int64?
    /// No window evaluated since the tracker (re)started, so its first window may still
    /// move earlier when an out-of-order prediction arrives for an earlier pane.
    private var awaitingFirstWindow = true
    /// Labels whose prediction's pane was already dropped.
    private(set) var lateLabels = 0
    /// Windows evaluated before reaching coverage because too many panes waited.
    private(set) var forcedEvaluations = 0

    init(panesPerWindow: Int, coverageThreshold: Double, maximumPanes: Int, fairnessAttributes: [[String]]) {
        self.panesPerWindow = panesPerWindow
        self.coverageThreshold = coverageThreshold
        self.maximumPanes = max(maximumPanes, panesPerWindow)
        self.fairnessAttributes = fairnessAttributes
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

    /// Records a joined label for a prediction made in pane `index`.
    mutating func recordLabel(pane index: Int64, label: Bool, predicted: Bool, score: Double?, groups: [FairnessGroupKey]) {
        let found = withPane(index, create: false) { pane in
            pane.labelled += 1
            pane.outcome.record(label: label, predicted: predicted, score: score)
            for position in pane.fairness.indices {
                pane.fairness[position].record(group: groups[position], label: label, predicted: predicted, score: score)
            }
        }
        if !found { lateLabels += 1 }
    }

    mutating func recordExpiry(pane index: Int64) {
        _ = withPane(index, create: false) { $0.expired += 1 }
    }

    /// Windows that became ready now that panes before `closedBefore` take no more
    /// predictions and event time is `now` (for the time-to-live).
    mutating func readyWindows(closedBefore: Int64, now: Int64, isExpired: (Int64) -> Bool) -> [Window] {
        var ready: [Window] = []
        while let end = nextWindowEnd, end < closedBefore {
            let members = panes.filter { $0.index <= end && $0.index > end - Int64(panesPerWindow) }
            let predictions = members.reduce(0) { $0 + $1.predictions }
            let labelled = members.reduce(0) { $0 + $1.labelled }
            let covered = predictions == 0 || Double(labelled) >= coverageThreshold * Double(predictions)
            let overflowing = panes.count > maximumPanes
            guard covered || isExpired(end) || overflowing else { break }
            if overflowing && !covered && !isExpired(end) { forcedEvaluations += 1 }
            if predictions > 0 { ready.append(makeWindow(endingAt: end, from: members)) }
            nextWindowEnd = end + 1
            awaitingFirstWindow = false
            panes.removeFirst(panes.prefix { $0.index <= end + 1 - Int64(panesPerWindow) }.count)
            if panes.isEmpty {
                nextWindowEnd = nil
                awaitingFirstWindow = true
            }
        }
        return ready
    }

    private func makeWindow(endingAt end: Int64, from members: [Pane]) -> Window {
        var window = Window(
            firstPane: end - Int64(panesPerWindow) + 1, lastPane: end, start: .max, end: .min, predictions: 0, labelled: 0,
            outcome: try! BinaryOutcomeSummary(), fairness: fairnessAttributes.map { try! FairnessSummary(attributes: $0) })
        for pane in members {
            window.predictions += pane.predictions
            window.labelled += pane.labelled
            window.start = min(window.start, pane.firstTimestamp)
            window.end = max(window.end, pane.lastTimestamp == .min ? .min : pane.lastTimestamp + 1)
            try! window.outcome.merge(pane.outcome)  // same bins by construction
            for position in window.fairness.indices { try! window.fairness[position].merge(pane.fairness[position]) }
        }
        return window
    }

    @discardableResult
    private mutating func withPane(_ index: Int64, create: Bool, _ body: (inout Pane) -> Void) -> Bool {
        if let position = panes.lastIndex(where: { $0.index == index }) {
            body(&panes[position])
            return true
        }
        guard create, nextWindowEnd.map({ index >= $0 - Int64(panesPerWindow) + 1 }) ?? true else { return false }
        var pane = Pane(index: index, outcome: try! BinaryOutcomeSummary(), fairness: fairnessAttributes.map { try! FairnessSummary(attributes: $0) })
        body(&pane)
        let insertAt = (panes.lastIndex(where: { $0.index < index }) ?? -1) + 1
        panes.insert(pane, at: insertAt)
        return true
    }
}

// MARK: Checkpoint

extension PerformanceTracker {
    /// Writes the panes and the window position (the parameters come from the owner).
    func encodeState(to writer: inout BinaryWriter) {
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
        }
        writer.writeOptional(nextWindowEnd)
        writer.write(awaitingFirstWindow)
        writer.writeCounter(lateLabels)
        writer.writeCounter(forcedEvaluations)
    }

    /// Replaces the state with one written by ``encodeState(to:)``; each pane's summaries
    /// must have the shape of a fresh pane's (so windows merge them without error).
    mutating func restoreState(from reader: inout BinaryReader) throws {
        let template = Pane(index: 0, outcome: try! BinaryOutcomeSummary(), fairness: fairnessAttributes.map { try! FairnessSummary(attributes: $0) })
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
            pane.outcome = try reader.read(BinaryOutcomeSummary.self)
            try reader.expect(pane.outcome.scoreBins, template.outcome.scoreBins, "performance score bins")
            pane.fairness = try reader.readArray(of: FairnessSummary.self)
            try reader.expect(pane.fairness.map(\.attributes), fairnessAttributes, "performance fairness attribute sets")
            try reader.expect(pane.fairness.map(\.scoreBins), template.fairness.map(\.scoreBins), "performance fairness score bins")
            restored.append(pane)
        }
        panes = restored
        nextWindowEnd = try reader.readOptionalInt64()
        awaitingFirstWindow = try reader.readBool()
        lateLabels = try reader.readCounter()
        forcedEvaluations = try reader.readCounter()
    }
}
