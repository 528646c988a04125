import DriftCore

/// The monitoring state of one model version: its reference, its drift window, its
/// performance window and the alert state of every rule that applies to it.
final class VersionMonitor {
    let model: String
    let version: String
    /// Position in the engine's table of versions (what the label join keeps).
    let index: UInt32
    private let configuration: MonitorConfiguration
    /// The model's type (declared or inferred): what its performance windows keep.
    let modelType: ModelType
    private let rules: RuleEvaluator
    private let referenceBudget: ReferenceBudget
    /// The engine's multiclass outputs of pending predictions (``JoinedPrediction``).
    private let multiclassOutputs: PendingMulticlassOutputs
    /// The version's own segment values: one model's flood of distinct values fills its
    /// own `(other)`, never another's (the caps are per model and version).
    let codes: SegmentCodes
    /// Whether the version is a multiclass classifier whose rules estimate performance (CBPE).
    private let estimatesMulticlassPerformance: Bool

    /// Where the version is in its life, with exactly the state of that phase.
    private var phase = Phase.new
    /// Fairness attribute sets tracked, fixed at the version's first event.
    private(set) var fairnessAttributes: [[String]] = []
    private var fairnessPositions: [[Int]] = []
    private var referencePerformance: ReferencePerformance
    private var slotCache = SlotCache()
    private var groupCache: [UInt64: [FairnessGroupKey]] = [:]
    /// Change detectors of the rules that apply, fed each performance pane's outcomes once
    /// (see ``VersionDetectors``).
    private var detectors = VersionDetectors()
    /// Makes the evaluations of its windows (and keeps CBPE's fitted estimator).
    private var judge: WindowJudge
    /// Redelivered predictions dropped while waiting for the reference.
    private(set) var duplicatePredictionsWhileWaiting = 0
    /// The largest event time of the version's own predictions, and how far it is retired
    /// (see ``Retirement``); the engine keeps both.
    private(set) var lastPredictionTime = Int64.min
    var retirement = Retirement.receiving

    /// Monitored events (late ones included) since the previous drift evaluation, and
    /// how many of them were late: `late_event_rate`. Events of the reference period
    /// are not in it (they were not monitored).
    private var eventsSinceEvaluation = 0
    private var lateSinceEvaluation = 0
    private(set) var lateEvents = 0
    /// Features its predictions name that its reference does not have (not monitored).
    private(set) var unreferencedFeatures = UnreferencedFeatures()

    /// Features found not in the reference since the last call (see ``UnreferencedFeatures/takeNewlyNamed()``).
    func takeNewlyUnreferencedFeatures() -> [UnreferencedFeatures.NewName] { unreferencedFeatures.takeNewlyNamed() }
    /// Events left out of the stream reference, or dropped while waiting for it, because
    /// `Caps.referenceEvents`, `Caps.referenceEventsInTotal` or `Caps.referenceBytesInTotal` was reached.
    private(set) var referenceEventsDropped = 0
    /// Performance windows that closed but were still waiting for labels at the end of
    /// input (set by ``flush(now:)``; they are not evaluated on a minority of labels).
    private(set) var performanceWindowsAwaitingLabels = 0
    /// Labels joined to a binary classifier's prediction that are not 0 or 1 (a number
    /// logged while some model is a regression model), left out of performance.
    private(set) var mismatchedLabels = 0
    /// Labels that joined a pane the change detectors had already judged (it had joined a
    /// ready window): they reach the windows still open to them, not the detectors.
    private(set) var labelsAfterDetectors = 0
    /// A multiclass classifier's classes so far (true or predicted), at most
    /// ``MulticlassOutcomeSummary/defaultMaximumClasses``; a labelled prediction naming one
    /// more is left out of performance and counted in ``classesOverCap``.
    private var knownClasses: Set<String> = []
    private(set) var classesOverCap = 0
    /// Entries of the reference's labelled probability vectors beyond its class cap (left
    /// out of the multiclass CBPE calibration).
    var probabilityClassesOverCap: Int { Int(referencePerformance.classProbabilities.overflowCount) }

    /// Where a version is in its life. The phases' state lives in classes, so that the
    /// window and the tracker are modified in place (an enum payload taken out to be
    /// modified would be a second reference to their storage, and copied).
    private enum Phase {
        /// Before its first event (or after a stream reference that could not be built).
        case new
        /// Gathering its stream reference from its first window.
        case collectingReference(ReferencePeriod)
        /// Monitored against a reference.
        case monitoring(Monitoring)
    }

    /// A stream reference in the making: the first window's events (the period grows on
    /// sparse traffic), and the predictions past it, which wait to be monitored until the
    /// reference is built (the period's last pane may still get late events).
    private final class ReferencePeriod {
        var collector: StreamReferenceCollector
        /// Count windows: the period's events so far, which number its panes.
        var sequence: Int64 = 0
        /// The largest event time the period has seen (its own events' or the partition's).
        var watermark = Int64.min
        var waiting: [(PredictionEvent, UInt64)] = []
        /// Ids of the waiting events: they reach the label join (which spots redelivered
        /// predictions) only once released, so redeliveries among them are spotted here.
        var waitingIDs: Set<String> = []
        /// Estimated bytes of the waiting events (taken from the reference budget).
        var waitingBytes = 0

        init(collector: StreamReferenceCollector) {
            self.collector = collector
        }
    }

    /// A version monitored against its reference.
    private final class Monitoring {
        let reference: ActiveReference
        var drift: SlidingWindow<DriftPane>
        var performance: PerformanceTracker

        init(reference: ActiveReference, drift: SlidingWindow<DriftPane>, performance: PerformanceTracker) {
            self.reference = reference
            self.drift = drift
            self.performance = performance
        }
    }

    init(model: String, version: String, index: UInt32, configuration: MonitorConfiguration, rules: RuleEvaluator, referenceBudget: ReferenceBudget,
         multiclassOutputs: PendingMulticlassOutputs) {
        // The evaluator holds the engine's model types, inferred ones included.
        self.referenceBudget = referenceBudget
        self.multiclassOutputs = multiclassOutputs
        self.model = model
        self.version = version
        self.index = index
        self.configuration = configuration
        modelType = rules.modelTypes[model]
        referencePerformance = ReferencePerformance(OutcomeShape(modelType: modelType, fairnessAttributes: []))
        estimatesMulticlassPerformance = modelType == .multiclass && rules.estimatesPerformance(model: model, version: version)
        self.rules = rules
        judge = WindowJudge(model: model, version: version, modelType: modelType, rules: rules, window: configuration.window.kind)
        codes = SegmentCodes(maximumAttributes: configuration.caps.segmentAttributes,
                             maximumValuesPerAttribute: configuration.caps.segmentValuesPerAttribute)
    }

    // MARK: Predictions

    /// What adding one prediction gives the engine: the evaluations it completed and what
    /// the label join should keep — the prediction itself (unless it was late), then the
    /// predictions it released (those that waited for the stream reference it completed).
    /// The prediction is kept apart from the released ones so that the usual case
    /// allocates no array.
    struct Added {
        var evaluations: [Evaluation] = []
        var pending: PendingPrediction?
        var released: [PendingPrediction] = []
    }

    /// Adds a prediction (see ``Added``).
    func add(_ event: PredictionEvent) -> Added {
        lastPredictionTime = max(lastPredictionTime, event.timestamp)
        retirement = .receiving
        let segment = codes.encode(event.segment)
        switch phase {
        case let .monitoring(monitoring):
            return added(event, segment: segment, monitoredIn: monitoring)
        case let .collectingReference(period):
            return collect(event, segment: segment, into: period)
        case .new:
            return start(with: event, segment: segment)
        }
    }

    private func added(_ event: PredictionEvent, segment: UInt64, monitoredIn monitoring: Monitoring) -> Added {
        let result = monitor(event, segment: segment, in: monitoring)
        return Added(evaluations: result.evaluations, pending: result.payload.map { PendingPrediction(id: event.id, timestamp: event.timestamp, payload: $0) })
    }

    /// The version's first event (or its first after a stream reference that could not be
    /// built): fixes what it tracks, then monitors against the given reference or starts
    /// gathering its own.
    private func start(with event: PredictionEvent, segment: UInt64) -> Added {
        fairnessAttributes = rules.fairnessAttributeSets(model: model, version: version, tracked: codes.attributes)
        fairnessPositions = fairnessAttributes.map { $0.compactMap(codes.position(ofExisting:)) }
        referencePerformance = ReferencePerformance(outcomeShape)
        judge.resetCalibration()
        detectors = VersionDetectors(rules.makeDetectors(model: model, version: version))
        if let given = configuration.references.lookup(model: model, version: version) {
            referencePerformance = given.performance(shape: outcomeShape)
            let monitoring = activate(given.active(modelType: modelType), closingPanesBefore: nil)
            return added(event, segment: segment, monitoredIn: monitoring)
        }
        let firstPane = switch configuration.window.kind {
        case let .eventTime(paneMilliseconds, _): floorDivide(event.timestamp, paneMilliseconds)
        case .count: Int64(0)
        }
        let period = ReferencePeriod(collector: StreamReferenceCollector(
            firstPane: firstPane, panes: configuration.window.panesPerWindow, capacity: configuration.caps.referenceEvents))
        phase = .collectingReference(period)
        return collect(event, segment: segment, into: period)
    }

    /// Stream reference: gathers the first window's events, then starts monitoring.
    private func collect(_ event: PredictionEvent, segment: UInt64, into period: ReferencePeriod) -> Added {
        let pane: Int64
        switch configuration.window.kind {
        case let .eventTime(paneMilliseconds, _):
            pane = floorDivide(event.timestamp, paneMilliseconds)
        case let .count(eventsPerPane):
            pane = period.sequence / Int64(eventsPerPane)
            period.sequence += 1
        }
        var payload: JoinedPrediction?
        if period.collector.contains(pane: pane) {
            period.collector.add(event, pane: pane, budget: referenceBudget)
            referencePerformance.predictions += event.output.isJudgeable ? 1 : 0
            payload = JoinedPrediction(versionIndex: index, pane: pane, output: event.output, segment: segment, inReference: true,
                                     multiclass: multiclassOutputs)
        } else if pane < period.collector.firstPane {
            lateEvents += 1
        } else if period.waitingIDs.contains(event.id) {
            duplicatePredictionsWhileWaiting += 1
        } else if period.waiting.count < configuration.caps.referenceEvents,
                  case let bytes = event.estimatedBytes, referenceBudget.take(bytes: bytes) {
            // Past the reference period while its last pane may still get late events:
            // monitored as soon as the reference is built.
            period.waiting.append((event, segment))
            period.waitingIDs.insert(event.id)
            period.waitingBytes += bytes
        } else {
            referenceEventsDropped += 1
        }
        let pending = payload.map { PendingPrediction(id: event.id, timestamp: event.timestamp, payload: $0) }
        let advanced = advanceReferencePeriod(period, to: event.timestamp)
        return Added(evaluations: advanced.evaluations, pending: pending, released: advanced.payloads)
    }

    /// Moves the reference period's event time on to `timestamp` (an event's, or the
    /// partition's): grows the period on sparse traffic, and builds the reference once the
    /// period is over. Returns the evaluations and predictions for the label join that releases.
    private func advanceReferencePeriod(_ period: ReferencePeriod, to timestamp: Int64) -> (evaluations: [Evaluation], payloads: [PendingPrediction]) {
        period.watermark = max(period.watermark, timestamp)
        let joined = growReferencePeriod(period)
        let lastPane = period.collector.firstPane + Int64(period.collector.panes) - 1
        let complete = switch configuration.window.kind {
        case let .eventTime(paneMilliseconds, lateness): period.watermark - lateness >= (lastPane + 1) * paneMilliseconds
        // Count windows: the period is its events in arrival order, whether or not the
        // capacity let them into the profile.
        case let .count(eventsPerPane): period.sequence >= Int64(period.collector.panes * eventsPerPane)
        }
        guard complete else { return ([], joined) }
        let released = finishStreamReference(period)
        return (released.evaluations, joined + released.payloads)
    }

    /// The partition's event time moved on to `timestamp` without an event of this
    /// version (other versions and models keep it moving; see `MonitorEngine`): a version
    /// that stopped receiving predictions — retired after a roll-out — still completes its
    /// reference period, closes its drift panes, and has its performance windows evaluated
    /// as their labels arrive or their time to live passes, as if its own events had gone
    /// on. Event-time windows only (count windows have no time); no-op for an earlier time.
    func advance(to timestamp: Int64) -> (evaluations: [Evaluation], payloads: [PendingPrediction]) {
        guard case .eventTime = configuration.window.kind else { return ([], []) }
        switch phase {
        case .new:
            return ([], [])
        case let .collectingReference(period):
            guard timestamp > period.watermark else { return ([], []) }
            return advanceReferencePeriod(period, to: timestamp)
        case let .monitoring(monitoring):
            let closed = monitoring.drift.advance(to: timestamp)
            if !closed.isEmpty { return (evaluate(closed, of: monitoring), []) }
            // A version with events in open panes gets its performance evaluated when they
            // close (as before); one with none left would otherwise never be evaluated again.
            guard !monitoring.drift.hasOpenPanesWithEvents, let now = monitoring.drift.watermark else { return ([], []) }
            return (evaluatePerformance(now: now, of: monitoring), [])
        }
    }

    /// Event time, growing windows: a reference period whose panes have all closed while it
    /// holds fewer than ``referenceMinimumFactor`` times the windows' minimum events is
    /// extended pane by pane (up to the maximum span); events that waited past its old end
    /// join it. Returns them for the label join (as reference predictions).
    /// A sparse stream reference holds at least this many windows' minimum events (2,000 by
    /// default): what is "new" or "usual" in a vocabulary or a tail needs more than one window to tell.
    static let referenceMinimumFactor = 4

    private func growReferencePeriod(_ period: ReferencePeriod) -> [PendingPrediction] {
        guard case let .eventTime(paneMilliseconds, lateness) = configuration.window.kind,
              case let .growing(minimumEvents, maximumPanes) = configuration.window.sizing, period.watermark != .min else { return [] }
        let closedBefore = floorDivide(period.watermark - lateness, paneMilliseconds)
        var joined: [PendingPrediction] = []
        while period.collector.firstPane + Int64(period.collector.panes) <= closedBefore,
              period.collector.keptCount + period.collector.dropped < Self.referenceMinimumFactor * minimumEvents,
              period.collector.panes < maximumPanes {
            let newPane = period.collector.firstPane + Int64(period.collector.panes)
            period.collector.extend()
            let moving = period.waiting.filter { floorDivide($0.0.timestamp, paneMilliseconds) == newPane }
            guard !moving.isEmpty else { continue }
            period.waiting.removeAll { floorDivide($0.0.timestamp, paneMilliseconds) == newPane }
            for (event, segment) in moving {
                let bytes = event.estimatedBytes
                period.waitingIDs.remove(event.id)
                period.waitingBytes -= bytes
                referenceBudget.giveBack(events: 1, bytes: bytes)
                period.collector.add(event, pane: newPane, budget: referenceBudget)
                referencePerformance.predictions += event.output.isJudgeable ? 1 : 0
                joined.append(PendingPrediction(id: event.id, timestamp: event.timestamp, payload: JoinedPrediction(
                    versionIndex: index, pane: newPane, output: event.output, segment: segment, inReference: true,
                                     multiclass: multiclassOutputs)))
            }
        }
        return joined
    }

    /// Builds the stream reference from what was collected, then monitors the events that
    /// waited for it. A reference that cannot be built leaves the version new again.
    private func finishStreamReference(_ period: ReferencePeriod) -> (evaluations: [Evaluation], payloads: [PendingPrediction]) {
        var kinds = configuration.featureKinds
        kinds[OutputSubject.score] = .numeric
        kinds[OutputSubject.prediction] = .categorical
        let collector = period.collector
        referenceEventsDropped += collector.dropped
        phase = .new
        referenceBudget.giveBack(events: collector.keptCount + period.waiting.count, bytes: collector.keptBytes + period.waitingBytes)
        guard let built = try? collector.finish(configuration: configuration.profile, kinds: kinds, modelType: modelType) else {
            referenceEventsDropped += period.waiting.count
            return ([], [])
        }
        let monitoring = activate(built, closingPanesBefore: collector.firstPane + Int64(collector.panes))
        var evaluations: [Evaluation] = []
        var payloads: [PendingPrediction] = []
        for (event, segment) in period.waiting {
            let result = monitor(event, segment: segment, in: monitoring)
            evaluations += result.evaluations
            payloads += result.payload.map { [PendingPrediction(id: event.id, timestamp: event.timestamp, payload: $0)] } ?? []
        }
        return (evaluations, payloads)
    }

    /// ``referenceEventsDropped`` plus what the collector has left out so far, so that a
    /// reference period held open (e.g. by a flood at one timestamp) shows its overflow
    /// before the reference is built.
    var referenceEventsDroppedSoFar: Int {
        guard case let .collectingReference(period) = phase else { return referenceEventsDropped }
        return referenceEventsDropped + period.collector.dropped
    }

    /// Whether the version is still gathering its stream reference (nothing monitored yet).
    var isCollectingReference: Bool {
        if case .collectingReference = phase { true } else { false }
    }

    /// Labels that came after their performance window was evaluated.
    var lateLabels: Int {
        if case let .monitoring(monitoring) = phase { monitoring.performance.lateLabels } else { 0 }
    }

    /// Performance windows evaluated below coverage before their TTL (``PerformanceTracker/belowCoverageEvaluations``).
    var belowCoveragePerformanceEvaluations: Int {
        if case let .monitoring(monitoring) = phase { monitoring.performance.belowCoverageEvaluations } else { 0 }
    }

    /// Starts monitoring against `active`; panes before `referenceEndPane` (a stream
    /// reference's period) are closed, so that later events for them count as late.
    private func activate(_ active: ActiveReference, closingPanesBefore referenceEndPane: Int64?) -> Monitoring {
        let pane = freshPane(layout: active.layout)
        var window = SlidingWindow(spec: configuration.window) { pane }
        if let referenceEndPane, case .eventTime = configuration.window.kind { window.closePanes(before: referenceEndPane) }
        let monitoring = Monitoring(reference: active, drift: window, performance: configuration.performanceTracker(outcomes: outcomeShape))
        phase = .monitoring(monitoring)
        return monitoring
    }

    /// An empty drift pane of the version: its fairness sets, and what CBPE estimates from
    /// (a binary classifier's predicted scores, a multiclass classifier's calibrated class
    /// probabilities) when its rules estimate performance.
    private func freshPane(layout: FeatureLayout) -> DriftPane {
        DriftPane(layout: layout, fairnessAttributes: fairnessAttributes, maximumGroups: FairnessSummary.defaultMaximumGroups,
                  estimatesPerformance: rules.estimatesPerformance(model: model, version: version) ? modelType : nil)
    }

    private func monitor(_ event: PredictionEvent, segment: UInt64, in monitoring: Monitoring) -> (evaluations: [Evaluation], payload: JoinedPrediction?) {
        let lateBefore = monitoring.drift.counters.late
        let layout = monitoring.reference.layout
        let groups = fairnessGroups(of: segment)
        eventsSinceEvaluation += 1
        // The window and the slot cache are modified in place, through their properties:
        // moving them out to a local and back retained and released each of their arrays.
        // A multiclass classifier estimating performance calibrates its rows as they are recorded.
        var classCalibration: NamedClassCalibration?
        if estimatesMulticlassPerformance, case .multiclass = event.output { classCalibration = referencePerformance.classCalibration(rules.labelReadiness) }
        let closed = monitoring.drift.add(timestamp: event.timestamp) { pane in
            pane.record(event, layout: layout, groups: groups, slots: &slotCache, unreferenced: &unreferencedFeatures)
            if estimatesMulticlassPerformance, case let .multiclass(predicted, probabilities) = event.output {
                pane.classProbabilities?.record(predicted: predicted, probabilities: probabilities, calibration: classCalibration)
            }
        }
        let counters = monitoring.drift.counters
        var payload: JoinedPrediction?
        if counters.late > lateBefore {
            lateEvents += 1
            lateSinceEvaluation += 1
        } else {
            let pane = switch configuration.window.kind {
            case let .eventTime(paneMilliseconds, _): floorDivide(event.timestamp, paneMilliseconds)
            case let .count(eventsPerPane): Int64(counters.accepted - 1) / Int64(eventsPerPane)
            }
            if event.output.isJudgeable {
                monitoring.performance.recordPrediction(pane: pane, timestamp: event.timestamp)
                payload = JoinedPrediction(versionIndex: index, pane: pane, output: event.output, segment: segment, inReference: false,
                                         multiclass: multiclassOutputs)
            }
        }
        return (closed.isEmpty ? [] : evaluate(closed, of: monitoring), payload)
    }

    /// The outcome summaries the version keeps: its model type's, for its fairness attribute sets.
    private var outcomeShape: OutcomeShape { OutcomeShape(modelType: modelType, fairnessAttributes: fairnessAttributes) }

    /// The attributes of the fairness attribute sets that have no position among the
    /// version's segment codes (not seen when it started): their groups cannot be told apart.
    private var missingAttributes: Set<String> {
        var missing: Set<String> = []
        for (attributes, positions) in zip(fairnessAttributes, fairnessPositions) where positions.count < attributes.count {
            for name in attributes where codes.position(ofExisting: name).map({ !positions.contains($0) }) ?? true { missing.insert(name) }
        }
        return missing
    }

    /// The event's group in each tracked attribute set, cached per packed segment code
    /// (a few hundred combinations in practice; the cache is capped).
    private func fairnessGroups(of segment: UInt64) -> [FairnessGroupKey] {
        if let cached = groupCache[segment] { return cached }
        let groups = fairnessPositions.map { codes.group(of: segment, attributes: $0) }
        if groupCache.count < 4096 { groupCache[segment] = groups }
        return groups
    }

    // MARK: Labels

    /// Records a joined outcome (or, with `label` nil, an expiry). Performance windows
    /// are evaluated when drift panes close, not per label. A binary classifier's label
    /// other than 0 or 1 is left out of performance and counted (``mismatchedLabels``).
    func recordOutcome(_ prediction: JoinedPrediction, label: LabelValue?) {
        switch prediction.stored {
        case let .binary(predicted?, score):
            if let label, label.binaryClass == nil {
                mismatchedLabels += 1
                return
            }
            recordOutcome(prediction, label: label?.binaryClass, predicted: predicted, score: score)
        case .binary(nil, _):
            return
        case let .regression(value):
            if let label, label.number == nil {
                mismatchedLabels += 1
                return
            }
            recordOutcome(prediction, label: label?.number, predicted: value)
        case let .multiclass(key):
            guard let output = multiclassOutputs.take(key) else { return }
            recordOutcome(prediction, label: label, output: output)
        }
    }

    /// A multiclass classifier's outcome; a label that is not a class (a number that is not
    /// an integer) is left out and counted (``mismatchedLabels``).
    private func recordOutcome(_ prediction: JoinedPrediction, label: LabelValue?, output: MulticlassOutput) {
        if let label, label.className == nil {
            mismatchedLabels += 1
            return
        }
        let trueClass = label?.className
        if let trueClass, !admitClasses(trueClass, output.predicted) {
            classesOverCap += 1
            return
        }
        let groups = fairnessGroups(of: prediction.segment)
        if prediction.inReference {
            referencePerformance.resolved += 1
            if let trueClass {
                referencePerformance.outcomes.recordMulticlassLabel(label: trueClass, output: output, groups: groups)
                // Only versions whose rules estimate performance keep what CBPE calibrates on.
                if estimatesMulticlassPerformance, let probabilities = output.probabilities {
                    referencePerformance.recordClassProbabilities(label: trueClass, probabilities: probabilities)
                }
            }
            return
        }
        guard case let .monitoring(monitoring) = phase else { return }
        // An expiry changes nothing in the panes: a window waits for labels by time (the TTL).
        if let trueClass { monitoring.performance.recordMulticlassLabel(pane: prediction.pane, label: trueClass, output: output, groups: groups) }
    }

    /// Whether a labelled prediction's classes fit under the version's class cap (taking
    /// them in if so): every window's summary then holds its rows, none overflowing.
    private func admitClasses(_ trueClass: String, _ predicted: String) -> Bool {
        let new = Set([trueClass, predicted]).subtracting(knownClasses)
        guard knownClasses.count + new.count <= MulticlassOutcomeSummary.defaultMaximumClasses else { return false }
        knownClasses.formUnion(new)
        return true
    }

    private func recordOutcome(_ prediction: JoinedPrediction, label: Double?, predicted: Double) {
        let groups = fairnessGroups(of: prediction.segment)
        if prediction.inReference {
            referencePerformance.resolved += 1
            if let label { referencePerformance.outcomes.recordRegressionLabel(prediction: predicted, label: label, groups: groups) }
            return
        }
        guard case let .monitoring(monitoring) = phase else { return }
        if let label { monitoring.performance.recordRegressionLabel(pane: prediction.pane, prediction: predicted, label: label, groups: groups) }
    }

    private func recordOutcome(_ prediction: JoinedPrediction, label: Int?, predicted: Int, score: Double?) {
        let groups = fairnessGroups(of: prediction.segment)
        if prediction.inReference {
            referencePerformance.resolved += 1
            if let label { referencePerformance.outcomes.recordLabel(label: label == 1, predicted: predicted == 1, score: score, groups: groups) }
            return
        }
        // Monitored predictions reach the join only once the version is monitored.
        guard case let .monitoring(monitoring) = phase else { return }
        if let label {
            let judged = monitoring.performance.recordLabel(pane: prediction.pane, label: label == 1, predicted: predicted == 1, score: score, groups: groups)
            if judged, !detectors.isEmpty { labelsAfterDetectors += 1 }
        }
    }

    /// End of input: closes every pane and evaluates what that completes. A stream
    /// reference whose period is over (events already wait past it) is built from what
    /// was collected; one still in its period stays unbuilt (``isCollectingReference``).
    /// Performance windows whose labels are still below coverage are counted in
    /// ``performanceWindowsAwaitingLabels``, not judged.
    func flush(now: Int64) -> (evaluations: [Evaluation], payloads: [PendingPrediction]) {
        var released: (evaluations: [Evaluation], payloads: [PendingPrediction]) = ([], [])
        if case let .collectingReference(period) = phase, !period.waiting.isEmpty { released = finishStreamReference(period) }
        guard case let .monitoring(monitoring) = phase else { return released }
        let closed = monitoring.drift.flush()
        var evaluations = released.evaluations + evaluate(closed, of: monitoring) + evaluatePerformance(now: now, of: monitoring)
        if let grown = monitoring.performance.takeAccumulation(detectors: &detectors) { evaluations += performanceEvaluations([grown], of: monitoring) }
        if let closedBefore = monitoring.drift.firstOpenPane {
            performanceWindowsAwaitingLabels = monitoring.performance.waitingWindows(closedBefore: closedBefore)
        }
        return (evaluations, released.payloads)
    }

    /// What a retirement (see ``Retirement``) resolves `kind`'s alerts on: the idle span
    /// from the version's last prediction to `now`, no predictions, its reference. Nil
    /// unless the version is monitored (only then can an alert fire).
    func retirementContext(_ kind: EvaluationKind, now: Int64) -> EvaluationContext? {
        guard case let .monitoring(monitoring) = phase else { return nil }
        return EvaluationContext(model: model, version: version, kind: kind, windowStart: lastPredictionTime, windowEnd: now, count: 0,
                                 reference: monitoring.reference, referencePerformance: referencePerformance)
    }

    /// Restores what ``lastPredictionTime`` and ``retirement`` were (the engine checkpoints them).
    func restoreRetirement(lastPrediction: Int64, _ retirement: Retirement) {
        lastPredictionTime = lastPrediction
        self.retirement = retirement
    }

    // MARK: Evaluation

    /// The basis of the version's evaluations against `monitoring`'s reference; the
    /// attributes it does not track are found only when there is a window to judge.
    private func basis(of monitoring: Monitoring, judging windows: Int) -> WindowJudge.Basis {
        WindowJudge.Basis(reference: monitoring.reference, referencePerformance: referencePerformance, fairnessAttributes: fairnessAttributes,
                          missingAttributes: windows == 0 ? [] : missingAttributes)
    }

    private func evaluate(_ closed: [ClosedWindow<DriftPane>], of monitoring: Monitoring) -> [Evaluation] {
        // Every window closed by the same event shares the arrivals since the last evaluation.
        let lateEventRate = DriftMetrics.rate(lateSinceEvaluation, eventsSinceEvaluation)
        guard let last = closed.last else { return [] }
        eventsSinceEvaluation = 0
        lateSinceEvaluation = 0
        return judge.driftEvaluations(closed, basis: basis(of: monitoring, judging: closed.count), lateEventRate: lateEventRate)
            + evaluatePerformance(now: monitoring.drift.watermark ?? last.end, of: monitoring)
    }

    private func evaluatePerformance(now: Int64, of monitoring: Monitoring) -> [Evaluation] {
        guard let closedBefore = monitoring.drift.firstOpenPane else { return [] }
        // Event time: the panes' bounds. Count windows: the span of their predictions; their
        // panes have no end in time, so only coverage (or the pane cap) makes them ready.
        let paneMilliseconds = judge.paneMilliseconds
        let ready = monitoring.performance.readyWindows(closedBefore: closedBefore, detectors: &detectors) { pane in
            paneMilliseconds.map { now - (pane + 1) * $0 }
        }
        return performanceEvaluations(ready, of: monitoring)
    }

    private func performanceEvaluations(_ ready: [PerformanceTracker.Window], of monitoring: Monitoring) -> [Evaluation] {
        judge.performanceEvaluations(ready, basis: basis(of: monitoring, judging: ready.count))
    }
}

extension PredictionOutput {
    /// Whether a label can judge the prediction: a binary classifier's needs its predicted
    /// class (without one it is left out of performance), a regression model's and a
    /// multiclass classifier's always can.
    var isJudgeable: Bool {
        switch self {
        case let .binary(predicted, _): predicted != nil
        case .regression, .multiclass: true
        }
    }
}

/// A multiclass classifier's prediction as the label join keeps it (out of line, see
/// ``PendingMulticlassOutputs``).
struct MulticlassOutput: Equatable {
    var predicted: String
    var probabilities: [String: Double]?
}

/// The outputs of the multiclass predictions the label join holds, out of line: a class
/// name and probabilities do not fit ``JoinedPrediction``'s 30 bytes, which a binary
/// classifier's million pending predictions keep. Each output is kept under a key never
/// used before (the count of outputs kept so far), which its payload carries, and taken out
/// when its prediction's outcome is recorded (label or expiry). The join keeps a labelled
/// prediction's entry a while (to spot redeliveries): its payload then names no kept
/// output, and checkpoints write and restore it without one. One per engine; bounded by
/// the join's pending predictions (each holds at most one).
final class PendingMulticlassOutputs {
    private var outputs: [UInt64: MulticlassOutput] = [:]
    private var nextKey: UInt64 = 0

    var count: Int { outputs.count }

    func keep(_ output: MulticlassOutput) -> UInt64 {
        defer { nextKey += 1 }
        outputs[nextKey] = output
        return nextKey
    }

    func take(_ key: UInt64) -> MulticlassOutput? { outputs.removeValue(forKey: key) }

    func output(_ key: UInt64) -> MulticlassOutput? { outputs[key] }
}

/// What the label join keeps for each pending prediction: enough to score it later.
///
/// Kept for up to a million predictions at a time, so it is packed into 30 bytes: the
/// version as an index into the engine's table, the output in two fields — a binary
/// classifier's score with NaN for none and predicted class with −1 for none, a
/// regression value and −2 (``regressionTag``), or the key of a multiclass output in
/// ``PendingMulticlassOutputs`` and −3 (``multiclassTag``). The narrow fields come last so
/// that they end the struct without padding: the join's entry (time stamp, this, a flag)
/// then takes 40 bytes rather than 48, which shrinks its million-entry table by a sixth.
package struct JoinedPrediction: Sendable {
    var pane: Int64
    /// A binary classifier's score (NaN: none), a regression value, or the bits of a multiclass output's key.
    private var storedScore: Double
    var segment: UInt64
    var versionIndex: UInt32
    /// A binary classifier's predicted class (−1: none), ``regressionTag`` or ``multiclassTag``.
    private var storedPredicted: Int8
    var inReference: Bool

    private static let regressionTag: Int8 = -2
    private static let multiclassTag: Int8 = -3

    /// What the payload holds: a binary classifier's or regression model's output, or the
    /// key of a multiclass classifier's in ``PendingMulticlassOutputs``.
    enum Stored {
        case binary(class: Int?, score: Double?)
        case regression(Double)
        case multiclass(key: UInt64)
    }

    init(versionIndex: UInt32, pane: Int64, output: PredictionOutput, segment: UInt64, inReference: Bool, multiclass: PendingMulticlassOutputs) {
        self.versionIndex = versionIndex
        self.pane = pane
        switch output {
        case let .binary(predicted, score):
            storedScore = score ?? .nan
            storedPredicted = predicted.map { Int8(truncatingIfNeeded: $0) } ?? -1
        case let .regression(value):
            storedScore = value
            storedPredicted = Self.regressionTag
        case let .multiclass(predicted, probabilities):
            storedScore = Double(bitPattern: multiclass.keep(MulticlassOutput(predicted: predicted, probabilities: probabilities)))
            storedPredicted = Self.multiclassTag
        }
        self.segment = segment
        self.inReference = inReference
    }

    var stored: Stored {
        switch storedPredicted {
        case Self.regressionTag: .regression(storedScore)
        case Self.multiclassTag: .multiclass(key: storedScore.bitPattern)
        default: .binary(class: storedPredicted < 0 ? nil : Int(storedPredicted), score: storedScore.isNaN ? nil : storedScore)
        }
    }
}

/// A prediction for the label join: its id and time, and what to keep.
struct PendingPrediction {
    var id: String
    var timestamp: Int64
    var payload: JoinedPrediction
}

// MARK: Checkpoint

extension VersionMonitor {
    /// Writes everything that shapes the version's future outputs; the slot and group
    /// caches are left out (rebuilt on use). See `MonitorEngine.checkpoint()`. The layout
    /// predates the phases: a reference period's fields (zero, `Int64.min` and empty
    /// outside that phase), then the reference with its windows.
    func encodeState(to writer: inout BinaryWriter) {
        writer.write(model)
        writer.write(version)
        codes.encode(to: &writer)
        writer.writeCount(fairnessAttributes.count)
        for attributes in fairnessAttributes { writer.write(strings: attributes) }
        writer.writeCount(fairnessPositions.count)
        for positions in fairnessPositions {
            writer.writeCount(positions.count)
            for position in positions { writer.writeCount(position) }
        }
        referencePerformance.encode(to: &writer)
        detectors.encode(to: &writer, identity: rules.identity(ofRule:))
        var period: ReferencePeriod?
        if case let .collectingReference(collecting) = phase { period = collecting }
        writer.write(period?.sequence ?? 0)
        writer.write(period?.watermark ?? .min)
        writer.writeOptional(nil as Int64?)  // the period's end, which only starting to monitor used
        writer.writeOptional(period?.collector) { $1.encode(to: &$0) }
        writer.writeCount(period?.waiting.count ?? 0)
        for (event, segment) in period?.waiting ?? [] {
            writer.write(event)
            writer.write(segment)
        }
        for count in [duplicatePredictionsWhileWaiting, eventsSinceEvaluation, lateSinceEvaluation, lateEvents,
                      referenceEventsDropped, performanceWindowsAwaitingLabels, mismatchedLabels, classesOverCap] {
            writer.writeCounter(count)
        }
        writer.write(strings: knownClasses.sorted())
        unreferencedFeatures.encode(to: &writer)
        writer.writeCounter(labelsAfterDetectors)
        guard case let .monitoring(monitoring) = phase else {
            writer.writeOptional(nil as ActiveReference?) { $1.encode(to: &$0) }
            return
        }
        writer.writeOptional(monitoring.reference) { $1.encode(to: &$0) }
        monitoring.drift.encodeState(to: &writer) { pane, writer in pane.encode(to: &writer) }
        monitoring.performance.encodeState(to: &writer)
    }

    /// Rebuilds a version from ``encodeState(to:)`` (checkpoint `format`). Change detectors attach to their rule
    /// by identity (name and definition digest): those of rules gone or changed are
    /// replaced by fresh detectors of the current rules.
    convenience init(
        restoring reader: inout BinaryReader, format: UInt32, index: UInt32, configuration: MonitorConfiguration, rules: RuleEvaluator,
        referenceBudget: ReferenceBudget, multiclassOutputs: PendingMulticlassOutputs
    ) throws {
        self.init(model: try reader.readString(), version: try reader.readString(), index: index, configuration: configuration,
                  rules: rules, referenceBudget: referenceBudget, multiclassOutputs: multiclassOutputs)
        try codes.restoreState(from: &reader)
        let setCount = try reader.readCount(maximum: reader.remaining)
        fairnessAttributes = try (0..<setCount).map { _ in try reader.readStrings() }
        guard fairnessAttributes.allSatisfy({ !$0.isEmpty }) else { throw SerializationError.invalidValue("empty fairness attribute set") }
        let positionCount = try reader.readCount(maximum: reader.remaining)
        try reader.expect(positionCount, setCount, "fairness position lists")
        fairnessPositions = try (0..<positionCount).map { _ in
            let count = try reader.readCount(maximum: reader.remaining)
            return try (0..<count).map { _ in try reader.readCount(maximum: max(codes.attributes.count - 1, 0)) }
        }
        guard fairnessPositions.allSatisfy({ $0.allSatisfy { $0 < codes.attributes.count } }) else {
            throw SerializationError.invalidValue("fairness position beyond the segment attributes")
        }
        referencePerformance = try ReferencePerformance(from: &reader, format: format, shape: outcomeShape)
        let saved = try VersionDetectors.readSaved(from: &reader)
        let sequence = try reader.readInt64()
        let watermark = try reader.readInt64()
        _ = try reader.readOptionalInt64()  // the period's end: the windows restored below carry it
        let collector = try reader.readOptional { try StreamReferenceCollector(from: &$0, format: format) }
        let period = collector.map(ReferencePeriod.init(collector:))
        period?.sequence = sequence
        period?.watermark = watermark
        let waitingCount = try reader.readCount(maximum: reader.remaining)
        guard waitingCount == 0 || period != nil else { throw SerializationError.invalidValue("events waiting for a reference not being built") }
        for _ in 0..<waitingCount {
            let event = try reader.readPredictionEvent(format: format)
            let segment = try reader.readUInt64()
            guard let period, codes.isValid(segment), period.waitingIDs.insert(event.id).inserted else {
                throw SerializationError.invalidValue("invalid or repeated event waiting for the reference")
            }
            period.waiting.append((event, segment))
            period.waitingBytes += event.estimatedBytes
        }
        duplicatePredictionsWhileWaiting = try reader.readCounter()
        eventsSinceEvaluation = try reader.readCounter()
        lateSinceEvaluation = try reader.readCounter()
        lateEvents = try reader.readCounter()
        referenceEventsDropped = try reader.readCounter()
        performanceWindowsAwaitingLabels = try reader.readCounter()
        if format >= 6 { mismatchedLabels = try reader.readCounter() }
        if format >= 7 {
            classesOverCap = try reader.readCounter()
            knownClasses = Set(try reader.readStrings())
            guard knownClasses.count <= MulticlassOutcomeSummary.defaultMaximumClasses else {
                throw SerializationError.invalidValue("\(knownClasses.count) classes, more than the cap")
            }
        }
        if format >= 9 { unreferencedFeatures = try UnreferencedFeatures(from: &reader) }
        if format >= 10 { labelsAfterDetectors = try reader.readCounter() }
        if let active = try reader.readOptional({ try ActiveReference.decode(from: &$0) }) {
            guard period == nil else { throw SerializationError.invalidValue("a reference both built and being collected") }
            let monitoring = activate(active, closingPanesBefore: nil)
            let template = freshPane(layout: active.layout)
            try monitoring.drift.restoreState(from: &reader) { try DriftPane(from: &$0, format: format, layout: active.layout, template: template) }
            try monitoring.performance.restoreState(from: &reader, format: format)
        } else if let period {
            phase = .collectingReference(period)
        }
        // Versions that saw their first event track the current rules' detectors.
        if !isNew || !saved.isEmpty {
            detectors = VersionDetectors(rules.makeDetectors(model: model, version: version)).restoring(saved, identity: rules.identity(ofRule:))
        }
    }

    private var isNew: Bool {
        if case .new = phase { true } else { false }
    }

    /// Events, and their estimated bytes, this version holds out of the engine-wide reference budget.
    var referenceEventsHeld: (events: Int, bytes: Int) {
        guard case let .collectingReference(period) = phase else { return (0, 0) }
        return (period.collector.keptCount + period.waiting.count, period.collector.keptBytes + period.waitingBytes)
    }
}

extension JoinedPrediction {
    /// Compact (a million may be pending): varints for the version, pane and segment. A
    /// multiclass payload writes 0 for its key and its output after it (format 7), when the
    /// output is still kept (see ``PendingMulticlassOutputs``).
    func encode(to writer: inout BinaryWriter, multiclass: PendingMulticlassOutputs) {
        writer.writeVarint(UInt64(versionIndex))
        writer.write(UInt8(bitPattern: storedPredicted))
        writer.write(inReference)
        writer.writeZigzag(pane)
        guard case let .multiclass(key) = stored else {
            writer.write(storedScore)
            writer.writeVarint(segment)
            return
        }
        // The key is this process's own: the output is written instead (restored under a new key).
        writer.write(0.0)
        writer.writeVarint(segment)
        writer.writeOptional(multiclass.output(key)) { writer, output in
            writer.write(output.predicted)
            writer.writeOptional(output.probabilities) { $0.write(classProbabilities: $1) }
        }
    }

    /// Reads a payload; its multiclass output, if any, is kept in `multiclass` under a new key.
    init(from reader: inout BinaryReader, multiclass: PendingMulticlassOutputs) throws {
        guard let index = UInt32(exactly: try reader.readVarint()) else { throw SerializationError.invalidValue("version index") }
        versionIndex = index
        storedPredicted = Int8(bitPattern: try reader.readByte())
        inReference = try reader.readBool()
        pane = try reader.readZigzag()
        storedScore = try reader.readDouble()
        segment = try reader.readVarint()
        guard storedPredicted == Self.multiclassTag else { return }
        let output = try reader.readOptional { reader in
            MulticlassOutput(predicted: try reader.readString(), probabilities: try reader.readOptional { try $0.readClassProbabilities() })
        }
        // A labelled prediction's payload names no output: a key never given (keys count up from 0).
        storedScore = Double(bitPattern: output.map(multiclass.keep) ?? .max)
    }
}
