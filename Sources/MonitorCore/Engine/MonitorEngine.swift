import DriftCore

/// The monitor: turns a stream of prediction and label events into alert, retraining
/// and metric events, deterministically (event time only, no clocks, no randomness).
///
/// The same engine serves `replay` (files) and `serve` (Kafka): feed it messages or
/// decoded events in stream order, collect ``drainOutputs()``, call ``finish()`` at the
/// end of input. Event time is the partition's: every version's windows move with the
/// largest prediction time of any version here (so a retired version's windows still
/// close, and once idle long enough its alerts resolve: ``Retirement``), and ``advance(to:)``
/// moves it on without traffic (serve's idle timeout). Memory is bounded by
/// ``MonitorConfiguration/Caps``; everything past a cap is counted in ``counters``.
package final class MonitorEngine {
    package struct Counters: Sendable, Equatable {
        package var predictions = 0
        package var labels = 0
        /// Rejected messages by reason code.
        package var rejected: [String: Int] = [:]
        /// Predictions dropped because the model or version cap was reached.
        package var cappedModels = 0
        package var cappedVersions = 0
        /// Segment values mapped to `(other)` because their attribute had
        /// `Caps.segmentValuesPerAttribute` values already in that model version (the
        /// caps are per model and version: one model's flood cannot blind another).
        package var cappedSegmentValues = 0
        /// Segment attributes seen beyond `Caps.segmentAttributes` in a model version (not tracked).
        package var untrackedSegmentAttributes = 0
        /// Events left out of stream references (or dropped while waiting for one) because
        /// `Caps.referenceEvents`, `Caps.referenceEventsInTotal` or `Caps.referenceBytesInTotal` was reached.
        package var cappedReferenceEvents = 0
        /// Values of features that their version's reference does not have: not monitored
        /// (see ``unreferencedFeatures``).
        package var unreferencedFeatureValues = 0
        /// Predictions whose pane had closed (event time beyond the allowed lateness).
        package var lateEvents = 0
        /// Labels that joined after their prediction's performance window was evaluated.
        package var lateLabels = 0
        /// Labels that joined a pane the change detectors had judged already: they reach the
        /// performance windows still open to them, not the detectors (``VersionDetectors``).
        package var labelsAfterDetectors = 0
        /// Labels joined to a prediction that do not fit its model's type (not 0 or 1 for a
        /// binary classifier, not a number for a regression model, not a class for a
        /// multiclass one), left out of performance.
        package var mismatchedLabels = 0
        /// Labelled predictions of a multiclass classifier naming a class beyond its version's
        /// first ``MulticlassOutcomeSummary/defaultMaximumClasses``, left out of performance.
        package var cappedClasses = 0
        /// Entries of a multiclass reference's labelled probability vectors naming a class
        /// beyond its first ``ClassProbabilityOutcomes/maximumClasses``, left out of the
        /// CBPE calibration.
        package var cappedProbabilityClasses = 0
        /// Performance windows evaluated below label coverage before their TTL: past
        /// `labels.partial_wait` with enough labels, or because too many panes waited.
        package var belowCoveragePerformanceEvaluations = 0
        /// Set by `finish()`: performance windows still below label coverage at the end of
        /// input (not evaluated), and versions whose stream reference was never completed.
        package var performanceWindowsAwaitingLabels = 0
        package var versionsWithoutReference = 0
        package var evaluations = 0
        package var alerts = 0
        package var retrainTriggers = 0
        /// Retraining rules that fired within the cooldown of the previous trigger.
        package var retrainTriggersInCooldown = 0

        /// Per rule, its evaluations by result: `judged`, the skip reasons (``SkipReason/code``)
        /// and `held_as_noise` (breaches the noise gate held back; also among `judged`).
        package var ruleEvaluations: [String: [String: Int]] = [:]

        package var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    private struct VersionKey: Hashable {
        var model: String
        var version: String
    }

    package let configuration: MonitorConfiguration
    package let decoder: EventDecoder
    private let evaluator: RuleEvaluator
    private var versions: [VersionKey: VersionMonitor] = [:]
    /// Versions in the order first seen: the label join refers to them by position,
    /// and the end-of-input flush follows this order.
    private var versionTable: [VersionMonitor] = []
    /// The previous prediction's version: consecutive predictions nearly always share it,
    /// and comparing two short strings is cheaper than hashing them into `versions`.
    private var lastVersion: VersionMonitor?
    /// The strings of the previous message decoded, for the next one to reuse.
    private var recentStrings = RecentStrings()
    private var versionsPerModel: [String: Int] = [:]
    private let referenceBudget: ReferenceBudget
    /// Multiclass outputs of the predictions pending in the join (see ``JoinedPrediction``).
    private let multiclassOutputs = PendingMulticlassOutputs()
    private var join: LabelJoin<JoinedPrediction>
    private var outputs: [MonitorOutput] = []
    /// Alerts that started firing and retraining triggers, by rule: how many, and the
    /// event time of the first.
    package private(set) var firings: [String: (count: Int, first: Int64)] = [:]
    /// Alert instances in the restored checkpoint whose rule is gone or changed (see
    /// ``init(restoring:configuration:rules:decoder:)``); 0 for an engine not restored.
    package private(set) var alertInstancesDroppedOnRestore = 0
    /// What the engine counts itself; ``counters`` adds what versions and caps count.
    private var ownCounters = Counters()
    /// Arrivals (all messages) and rejections, for each version's `rejected_rate`.
    private var arrivals = 0
    private var arrivalsAtLastEvaluation: [VersionKey: (arrivals: Int, rejected: Int)] = [:]
    /// The partition's event time: the largest prediction time seen (or given to
    /// ``advance(to:)``), for every version alike; `.min` before any.
    private var partitionTime = Int64.min
    /// When idle versions' alerts resolve (nil for count windows; see ``Retirement``).
    private let retirementPolicy: RetirementPolicy?

    package init(configuration: MonitorConfiguration = MonitorConfiguration(), rules: RuleSet, decoder: EventDecoder = EventDecoder()) {
        self.configuration = configuration
        self.decoder = decoder
        evaluator = RuleEvaluator(ruleSet: rules, configuration: configuration)
        join = LabelJoin(configuration: configuration.join)
        retirementPolicy = RetirementPolicy(configuration)
        referenceBudget = ReferenceBudget(events: configuration.caps.referenceEventsInTotal,
                                          bytes: configuration.caps.referenceBytesInTotal)
    }

    /// The models monitored here (within ``MonitorConfiguration/Caps/models``).
    package var models: Set<String> { Set(versionsPerModel.keys) }
    /// Their number, O(1).
    package var modelCount: Int { versionsPerModel.count }

    /// Everything counted so far (O(versions) to gather: read it per report, not per event).
    package var counters: Counters {
        var counters = ownCounters
        counters.retrainTriggersInCooldown = evaluator.retrainTriggersInCooldown
        for monitor in versionTable {
            counters.cappedSegmentValues += monitor.codes.overflowCount
            counters.untrackedSegmentAttributes += monitor.codes.untrackedAttributeCount
            counters.lateEvents += monitor.lateEvents
            counters.lateLabels += monitor.lateLabels
            counters.labelsAfterDetectors += monitor.labelsAfterDetectors
            counters.mismatchedLabels += monitor.mismatchedLabels
            counters.cappedClasses += monitor.classesOverCap
            counters.cappedProbabilityClasses += monitor.probabilityClassesOverCap
            counters.cappedReferenceEvents += monitor.referenceEventsDroppedSoFar
            counters.unreferencedFeatureValues += monitor.unreferencedFeatures.values
            counters.belowCoveragePerformanceEvaluations += monitor.belowCoveragePerformanceEvaluations
        }
        for activity in evaluator.ruleActivity { counters.ruleEvaluations[activity.rule] = activity.countsByResult }
        return counters
    }

    /// Each version whose predictions name features its reference does not have: those
    /// names (its first ``UnreferencedFeatures/maximumNames``) and their values, in version
    /// order. O(versions).
    package var unreferencedFeatures: [FeaturesNotInReference] {
        versionTable.compactMap { monitor in
            let unreferenced = monitor.unreferencedFeatures
            return unreferenced.values > 0
                ? FeaturesNotInReference(model: monitor.model, version: monitor.version, features: unreferenced.names, values: unreferenced.values)
                : nil
        }
    }

    package var rulesDigest: String { evaluator.ruleSet.rulesDigest }
    /// Each model's type: declared, or inferred from its first prediction.
    package var modelTypes: ModelTypes { evaluator.modelTypes }
    /// Rules that can never be judged against a reference given up front, one line each:
    /// relative conditions on performance or label fairness with a profile that has no
    /// labelled outcomes, `sigma` conditions with one that has no chunk spread. Known at
    /// start (replay and serve report them before the first event).
    package var referenceGaps: [String] { Self.referenceGaps(configuration: configuration, rules: evaluator.ruleSet) }

    /// ``referenceGaps`` before any engine exists (serve reports them at start).
    package static func referenceGaps(configuration: MonitorConfiguration, rules: RuleSet) -> [String] {
        configuration.references.all.flatMap { model, version, reference in
            rules.rules.compactMap { rule -> String? in
                guard rule.selector.matches(model: model, version: version) || model == "*" || version == "*" else { return nil }
                let lacking: String? = switch (rule.metric.name, rule.condition) {
                case (.performance, .statistical) where reference.outcomes?.chunks.isEmpty ?? true,
                     (.estimated, .statistical) where reference.outcomes?.chunks.isEmpty ?? true:
                    "no spread of performance over labelled chunks"
                case (.feature, .statistical) where reference.chunkStatistics.isEmpty:
                    "no spread of drift statistics over chunks"
                case (.performance, _) where rule.condition.needsReferenceValue && reference.outcomes == nil,
                     (.fairness, _) where rule.condition.needsReferenceValue && reference.outcomes == nil:
                    "no labelled outcomes"
                // CBPE calibrates on the outcomes whatever the condition.
                case (.estimated, _) where reference.outcomes == nil:
                    "no labelled outcomes to calibrate the scores on"
                case (.estimated, _) where reference.outcomes!.isMulticlass && reference.outcomes!.classProbabilities.classes.count < 2:
                    "no labelled class probabilities to calibrate on (its predictions logged no `probabilities`)"
                case (.regression, _) where rule.condition.needsReferenceValue && !(reference.outcomes?.isRegression ?? false),
                     (.regressionFairness, _) where rule.condition.needsReferenceValue && !(reference.outcomes?.isRegression ?? false),
                     (.residualDrift, _) where !(reference.outcomes?.isRegression ?? false):
                    "no regression outcomes"
                case (.multiclass, _) where rule.condition.needsReferenceValue && !(reference.outcomes?.isMulticlass ?? false),
                     (.perClass, _) where rule.condition.needsReferenceValue && !(reference.outcomes?.isMulticlass ?? false),
                     (.multiclassFairness, _) where rule.condition.needsReferenceValue && !(reference.outcomes?.isMulticlass ?? false):
                    "no multiclass outcomes"
                default: nil
                }
                let remedy = switch rule.metric.name.modelTypes {
                case [.regression], [.multiclass]:
                    "build the profile with `driftwatch profile --config` (declaring the model's type) from data with labels, "
                        + "judge the model against its stream reference (no profile for it), or use absolute thresholds"
                default:
                    "build the profile with `driftwatch profile` from data with labels"
                }
                return lacking.map {
                    "rule \(rule.name) (\(rule.metric.name.rawValue) \(rule.condition)) can never be judged against reference \(reference.identifier) "
                        + "for \(model)/\(version): it has \($0); \(remedy)"
                }
            }
        }
    }

    /// Rules that select a declared model but have no metric for its type (e.g. accuracy
    /// for a regression model), one line each: they skip that model's windows. Known at
    /// start (replay and serve report them with ``referenceGaps``).
    package static func modelTypeGaps(configuration: MonitorConfiguration, rules: RuleSet) -> [String] {
        configuration.modelTypes.declared.sorted { $0.key < $1.key }.flatMap { model, type in
            rules.rules.compactMap { typeGap(of: $0, model: model, type: type) }
        }
    }

    /// Why `rule` skips `model` of `type` (it selects the model but has no metric or subject
    /// for its type), or nil when it applies.
    static func typeGap(of rule: Rule, model: String, type: ModelType) -> String? {
        guard rule.selector.models.matches(model) else { return nil }
        if !rule.metric.name.modelTypes.contains(type) {
            return "rule \(rule.name) (\(rule.metric.name.rawValue)) does not apply to \(type) model \(model): "
                + "it has no such metric (skipped for its versions)"
        }
        guard type.lacks(rule.scope) else { return nil }
        return switch type {
        case .multiclass:
            "rule \(rule.name) (\(rule.metric.name.rawValue) of the score) does not apply to multiclass model \(model): "
                + "it has no score; its predicted classes are the prediction subject (skipped for its versions)"
        default:
            "rule \(rule.name) (\(rule.metric.name.rawValue) of the predicted class) does not apply to regression model \(model): "
                + "it has no predicted class; its numeric prediction is the score subject (skipped for its versions)"
        }
    }

    /// What each rule's evaluations came to (judged, skipped by reason, held back as noise,
    /// firings, flaps), in rule order.
    package var ruleActivity: [RuleActivity] { evaluator.ruleActivity }
    /// The label join's counters; redelivered predictions include those dropped while
    /// their version waited for its reference (before they could reach the join).
    package var joinCounters: LabelJoin<JoinedPrediction>.Counters {
        var counters = join.counters
        counters.duplicatePredictions += versionTable.reduce(0) { $0 + $1.duplicatePredictionsWhileWaiting }
        return counters
    }
    package var pendingLabels: Int { join.pendingCount }

    /// Decodes and processes one message; returns why it was rejected, if it was (the
    /// caller sends it to the dead-letter sink with that reason).
    @discardableResult
    package func process(message bytes: UnsafeBufferPointer<UInt8>) -> EventRejection? {
        switch decode(bytes) {
        case let .success(event):
            return process(event)
        case let .failure(rejection):
            reject(rejection)
            return rejection
        }
    }

    /// Decodes one message of a file with ``decoder``, reusing the previous message's strings.
    package func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<MonitorEvent, EventRejection> {
        decoder.decode(bytes, messageTimestamp: nil, reusing: &recentStrings)
    }

    /// Counts a message rejected before decoding (e.g. an oversize line).
    package func reject(_ rejection: EventRejection) {
        arrivals += 1
        ownCounters.rejected[rejection.code, default: 0] += 1
    }

    /// Processes a decoded event; returns why it was rejected, if it was (a prediction
    /// that does not fit its model's type).
    @discardableResult
    package func process(_ event: MonitorEvent) -> EventRejection? {
        if case let .prediction(prediction) = event, let mismatch = typeMismatch(prediction) {
            reject(mismatch)
            return mismatch
        }
        arrivals += 1
        switch event {
        case let .prediction(prediction): process(prediction)
        case let .label(label): process(label)
        }
        return nil
    }

    /// Why a prediction does not fit its model's type, if it does not (the decoder checks
    /// what it decodes against declared types; events given decoded, or decoded without the
    /// model types, and models not declared are checked here). A model neither declared nor
    /// seen before gets the type of this first prediction (``inferType(of:)``). The model of
    /// the version seen last costs no hashing; a version seen before is looked up once for
    /// both this check and ``monitor(for:)`` (it becomes the version seen last).
    private func typeMismatch(_ event: PredictionEvent) -> EventRejection? {
        let type: ModelType
        if let last = lastVersion, last.model == event.model {
            type = last.modelType
        } else if let existing = versions[VersionKey(model: event.model, version: event.version)] {
            lastVersion = existing
            type = existing.modelType
        } else if let known = evaluator.modelTypes.knownType(of: event.model) {
            type = known
        } else {
            inferType(of: event)
            return nil
        }
        guard event.output.type != type else { return nil }
        let mapping = decoder.mapping
        let field = switch (type, event.output) {
        case (.binary, .regression): mapping.prediction
        case (.binary, .multiclass(_, nil)): mapping.predictedLabel
        case (.binary, .multiclass): mapping.probabilities
        // A binary prediction logs a score, a predicted class or both: name the one it has.
        case (_, .binary(_, nil)): mapping.predictedLabel
        case (_, .binary): mapping.score
        case (.regression, .multiclass): mapping.predictedLabel
        case (.multiclass, .regression): mapping.prediction
        case (.regression, .regression), (.multiclass, .multiclass): mapping.model
        }
        return .modelTypeMismatch(model: event.model, type: type, field: field)
    }

    /// A model not declared takes the type of its first prediction, for the rest of the run
    /// (and its checkpoints); a type other than binary, or one some rules selecting the model
    /// cannot judge (they skip it), is said once (`model_type_inferred`, naming those rules).
    /// Remembered for at most `Caps.models` models: one beyond them is not monitored anyway.
    private func inferType(of event: PredictionEvent) {
        guard evaluator.modelTypes.inferred.count < configuration.caps.models else { return }
        let type = event.output.type
        evaluator.modelTypes.infer(event.model, type)
        let skipped = evaluator.ruleSet.rules.filter { Self.typeGap(of: $0, model: event.model, type: type) != nil }.map(\.name)
        guard type != .binary || !skipped.isEmpty else { return }
        outputs.append(MonitorOutput(.notice(.modelTypeInferred(Notice.ModelTypeInferred(
            model: event.model, version: event.version, type: type, firstTimestamp: event.timestamp, skippedRules: skipped)))))
    }

    private func process(_ event: PredictionEvent) {
        ownCounters.predictions += 1
        settle(join.advance(to: event.timestamp))
        // After the event's own version: the others' time moves with the partition's.
        defer { advancePartition(to: event.timestamp) }
        // A redelivered prediction (same id) is counted by the join and kept out of every window.
        guard !join.isDuplicatePrediction(id: event.id), let monitor = monitor(for: event) else { return }
        let added = monitor.add(event)
        if let pending = added.pending { addToJoin(pending) }
        added.released.forEach(addToJoin)
        emit(added.evaluations, of: monitor)
    }

    private func addToJoin(_ pending: PendingPrediction) {
        let result = join.addPrediction(id: pending.id, timestamp: pending.timestamp, payload: pending.payload)
        settle(result.unlabelled)
        if let joined = result.joined { record(joined.payload, label: joined.label) }
    }

    private func process(_ event: LabelEvent) {
        ownCounters.labels += 1
        let result = join.addLabel(id: event.id, timestamp: event.timestamp, label: event.value)
        settle(result.unlabelled)
        if let joined = result.joined { record(joined.payload, label: joined.label) }
    }

    private func record(_ payload: JoinedPrediction, label: LabelValue?) {
        versionTable[Int(payload.versionIndex)].recordOutcome(payload, label: label)
    }

    private func settle(_ unlabelled: [LabelJoin<JoinedPrediction>.Unlabelled]) {
        for prediction in unlabelled { record(prediction.payload, label: nil) }
    }

    /// Moves the partition's event time on to `eventTime` without an event, as serve's
    /// idle timer does for a partition that has had no traffic for a while (Kafka
    /// Streams' wall-clock punctuation, Flink's source idleness): label waits expire, and
    /// every version's windows close and are evaluated as if predictions at that time had
    /// arrived. A replay never calls it (its end of input is ``finish()``); no-op for a
    /// time not after ``eventTime``.
    package func advance(to eventTime: Int64) {
        guard eventTime > partitionTime else { return }
        settle(join.advance(to: eventTime))
        advancePartition(to: eventTime)
    }

    /// The partition's event time: the largest prediction time seen or advanced to (nil before any).
    package var eventTime: Int64? { partitionTime == .min ? nil : partitionTime }

    /// A version's event time advances with its partition's watermark (the largest event
    /// time of any version or model here, minus the allowed lateness): each time that
    /// crosses a pane boundary, every version closes the panes it passed, so a version
    /// that stopped receiving predictions still closes its windows and has its
    /// performance evaluated as labels arrive or expire — without waiting for the end of
    /// input. Versions are visited in the order first seen, and after its windows each
    /// one that has been idle long enough retires (``Retirement``). O(versions) per pane
    /// boundary, O(1) otherwise.
    private func advancePartition(to timestamp: Int64) {
        guard timestamp > partitionTime else { return }
        let previous = partitionTime
        partitionTime = timestamp
        guard case let .eventTime(paneMilliseconds, lateness) = configuration.window.kind,
              previous == .min || floorDivide(timestamp - lateness, paneMilliseconds) > floorDivide(previous - lateness, paneMilliseconds)
        else { return }
        for monitor in versionTable {
            let advanced = monitor.advance(to: timestamp)
            advanced.payloads.forEach(addToJoin)
            emit(advanced.evaluations, of: monitor)
            retireIfIdle(monitor, now: timestamp)
        }
    }

    /// Resolves the alerts of `monitor`'s rules that no window can judge any more, now
    /// that its version has been idle that long (``Retirement``, ``RetirementPolicy``).
    private func retireIfIdle(_ monitor: VersionMonitor, now: Int64) {
        guard let retirementPolicy, monitor.retirement != .retired else { return }
        let due = retirementPolicy.advance(monitor.retirement, lastPrediction: monitor.lastPredictionTime, now: now)
        guard !due.resolve.isEmpty else { return }
        monitor.retirement = due.phase
        for kind in due.resolve {
            guard let context = monitor.retirementContext(kind, now: now) else { continue }
            evaluator.retire(context).forEach(queue)
        }
    }

    /// The version's monitor, created on first sight within the caps.
    private func monitor(for event: PredictionEvent) -> VersionMonitor? {
        if let last = lastVersion, last.model == event.model, last.version == event.version { return last }
        let key = VersionKey(model: event.model, version: event.version)
        if let existing = versions[key] {
            lastVersion = existing
            return existing
        }
        let modelVersions = versionsPerModel[event.model] ?? 0
        if modelVersions == 0, versionsPerModel.count >= configuration.caps.models {
            ownCounters.cappedModels += 1
            return nil
        }
        if modelVersions >= configuration.caps.versionsPerModel {
            ownCounters.cappedVersions += 1
            return nil
        }
        versionsPerModel[event.model] = modelVersions + 1
        let monitor = VersionMonitor(
            model: event.model, version: event.version, index: UInt32(versionTable.count), configuration: configuration, rules: evaluator,
            referenceBudget: referenceBudget, multiclassOutputs: multiclassOutputs)
        versions[key] = monitor
        versionTable.append(monitor)
        arrivalsAtLastEvaluation[key] = (arrivals, ownCounters.rejectedTotal)
        outputs.append(MonitorOutput(.notice(.versionSeen(Notice.VersionSeen(
            model: event.model, version: event.version, firstTimestamp: event.timestamp, previousVersions: modelVersions)))))
        return monitor
    }

    /// Queues what the version found since it was last asked — first a notice for each
    /// feature newly found not in its reference (`feature_not_in_reference`, its first 32;
    /// others are counted), whether its own prediction, another version's time or the end
    /// of input recorded it — then judges `evaluations` and queues their outputs.
    /// `rejected_rate` is the share of all messages (any model, labels included: a rejected
    /// message cannot be attributed) received since the version's previous drift evaluation
    /// that were rejected; windows closed by the same event share it.
    private func emit(_ evaluations: [Evaluation], of monitor: VersionMonitor) {
        for feature in monitor.takeNewlyUnreferencedFeatures() {
            outputs.append(MonitorOutput(.notice(.featureNotInReference(Notice.FeatureNotInReference(
                model: monitor.model, version: monitor.version, feature: feature.name, firstTimestamp: feature.firstTimestamp)))))
        }
        guard !evaluations.isEmpty else { return }  // nearly every event: no key to build
        let key = VersionKey(model: monitor.model, version: monitor.version)
        var rejectedRate: Double?
        if evaluations.contains(where: { $0.context.kind == .drift }), let last = arrivalsAtLastEvaluation[key] {
            let rejected = ownCounters.rejectedTotal
            rejectedRate = DriftMetrics.rate(rejected - last.rejected, arrivals - last.arrivals)
            arrivalsAtLastEvaluation[key] = (arrivals, rejected)
        }
        for evaluation in evaluations {
            var context = evaluation.context
            if context.kind == .drift { context.rejectedRate = rejectedRate }
            ownCounters.evaluations += 1
            for output in evaluator.evaluate(context) {
                // An alert firing on a retired version (a growing window judged late) retires anew.
                if output.kind == .alert, output.firing != nil { monitor.retirement = .receiving }
                queue(output)
            }
        }
    }

    /// Counts an output and queues it for ``drainOutputs()``.
    private func queue(_ output: MonitorOutput) {
        if output.kind == .alert { ownCounters.alerts += 1 }
        if output.kind == .retrain { ownCounters.retrainTriggers += 1 }
        if let firing = output.firing {
            let tally = firings[firing.rule]
            firings[firing.rule] = ((tally?.count ?? 0) + 1, min(tally?.first ?? .max, firing.at))
        }
        outputs.append(output)
    }

    /// End of input: closes every open window and evaluates what that completes, then
    /// counts what was left waiting (see ``Counters``). Pending predictions stay in the
    /// join: with no more input, their labels can neither come nor be known missing.
    package func finish() {
        for monitor in versionTable {
            let flushed = monitor.flush(now: join.now)
            flushed.payloads.forEach(addToJoin)
            emit(flushed.evaluations, of: monitor)
        }
        ownCounters.performanceWindowsAwaitingLabels = versionTable.reduce(0) { $0 + $1.performanceWindowsAwaitingLabels }
        ownCounters.versionsWithoutReference = versionTable.count { $0.isCollectingReference }
    }

    /// How many outputs wait for ``drainOutputs()`` (O(1): a caller can tell which event emitted some).
    package var pendingOutputCount: Int { outputs.count }

    /// Outputs produced since the last call, in order.
    package func drainOutputs() -> [MonitorOutput] {
        // Most events produce nothing: return without touching the buffer. (Emptying it
        // "keeping capacity" while the caller holds the returned copy allocated a new
        // buffer on every call.)
        guard !outputs.isEmpty else { return [] }
        defer { outputs = [] }
        return outputs
    }
}

// MARK: Checkpoint

extension MonitorEngine {
    /// The kind and format version of ``checkpoint()`` blobs.
    package static let checkpointKind = "engine-state"
    /// Format 2 added growing windows, skipped-evaluation accounting and hysteresis state;
    /// format 3 segment codes per model version and the partition's event time; format 4
    /// where an alert's `for`/`keep_firing_for` run counted its last independent window,
    /// outputs not yet drained as typed events (``OutputEvent``), not JSON, and the label
    /// join in pages (which may be left out, see ``checkpointWithoutJoinPages()``); format 5
    /// the drift panes' scores by predicted class (CBPE's `estimated_*` metrics), each
    /// version's last prediction time and retirement (``Retirement``) and alerts'
    /// resolution; format 6 regression models: prediction outputs and labels as tagged
    /// classes or values, regression summaries of performance panes and references, and
    /// labels that did not fit their model (formats 4 and 5 read as binary classifiers');
    /// format 7 multiclass classifiers and inferred model types (the types inferred,
    /// multiclass outputs and named-class labels in waiting events and after their join
    /// payloads, multiclass summaries of performance panes and references), regression
    /// models' residual histograms and rule evaluations skipped for a missing segment
    /// attribute (formats 4 to 6 have none); format 8 multiclass CBPE: the drift panes'
    /// calibrated class probabilities and the reference's labelled ones with its calibration state;
    /// format 9 each version's features not in its reference (``UnreferencedFeatures``; none before);
    /// format 10 each version's labels that came after the change detectors judged their pane (0 before).
    /// Format 4 is still read (no predicted scores: versions estimating
    /// performance start them empty; its versions count as receiving since the partition's
    /// event time, its resolved alerts as cleared); an older checkpoint is refused with a
    /// clear error (its layout cannot be completed).
    package static let checkpointFormatVersion: UInt32 = 10
    /// The oldest format ``init(restoring:joinPages:configuration:rules:decoder:)`` reads.
    static let oldestReadableCheckpointFormat: UInt32 = 4

    /// The engine's complete state as a ``VersionedBlob`` (kind `engine-state`, format 10),
    /// from which ``init(restoring:configuration:rules:decoder:)`` builds an engine whose
    /// future outputs are exactly this one's: every version (reference, stream-reference
    /// collection, drift and performance panes, change detectors), the label join, the
    /// segment codes, alert instances and retraining cooldowns, counters, and outputs not
    /// yet drained. Rules and configuration are not in it (they come from their files).
    ///
    /// Cost: O(state) — dominated by pending predictions and stream-reference events.
    package func checkpoint() -> [UInt8] {
        VersionedBlob.encode(CheckpointPayload(engine: self, inlineJoinPages: true), kind: Self.checkpointKind,
                             version: Self.checkpointFormatVersion)
    }

    /// ``checkpoint()`` without the label join's pending predictions, for incremental
    /// checkpoints: `state` holds everything else (the join's counters, early labels and
    /// labelled flags included) and names `joinPages`, the pages a restore needs
    /// (``init(restoring:joinPages:configuration:rules:decoder:)``). A full page never
    /// changes (it only loses entries at the front, which a restore skips), so a writer
    /// stores each page once and then only the growing last one (``joinPage(_:)``).
    ///
    /// Cost: O(state other than pending predictions) + O(pending / 8) for the flags.
    package func checkpointWithoutJoinPages() -> (state: [UInt8], joinPages: [JoinPage]) {
        (VersionedBlob.encode(CheckpointPayload(engine: self, inlineJoinPages: false), kind: Self.checkpointKind,
                              version: Self.checkpointFormatVersion), join.pages)
    }

    /// The bytes of label-join page `number` (one of ``checkpointWithoutJoinPages()``'s). O(page).
    package func joinPage(_ number: Int) -> [UInt8] {
        join.encodePage(number) { [multiclassOutputs] payload, writer in payload.encode(to: &writer, multiclass: multiclassOutputs) }
    }

    /// Restores an engine from ``checkpoint()`` bytes. Throws ``SerializationError`` for a
    /// foreign, truncated, corrupted or newer blob, and for one taken under a different
    /// window spec or smaller segment caps. With different rules, windows, references and
    /// the label join are restored as they were; alert instances and change detectors
    /// only for rules that still exist unchanged (same name and definition digest) —
    /// the others are dropped (counted in ``alertInstancesDroppedOnRestore``) and their
    /// rules start from a fresh state.
    ///
    /// `joinPages` are the label-join pages a blob of ``checkpointWithoutJoinPages()``
    /// leaves out, by page number (each must cover what the blob needs; a page missing or
    /// too short is an error).
    package convenience init(
        restoring bytes: [UInt8], joinPages: [Int: [UInt8]] = [:], configuration: MonitorConfiguration = MonitorConfiguration(),
        rules: RuleSet, decoder: EventDecoder = EventDecoder()
    ) throws {
        self.init(configuration: configuration, rules: rules, decoder: decoder)
        try VersionedBlob.decode(bytes, kind: Self.checkpointKind, newestVersion: Self.checkpointFormatVersion) { reader, version in
            guard version >= Self.oldestReadableCheckpointFormat else {
                throw SerializationError.invalidValue(
                    "checkpoint format \(version) predates format \(Self.oldestReadableCheckpointFormat) (typed outputs, per-version segment caps, the partition's event time, the paged label join); it cannot be restored")
            }
            try restoreState(from: &reader, format: version, joinPages: joinPages)
        }
    }

    private struct CheckpointPayload: BinaryEncodable {
        let engine: MonitorEngine
        let inlineJoinPages: Bool
        func encode(to writer: inout BinaryWriter) { engine.encodeState(to: &writer, inlineJoinPages: inlineJoinPages) }
    }

    private func encodeState(to writer: inout BinaryWriter, inlineJoinPages: Bool) {
        writer.write(configuration.window)
        writer.write(rulesDigest)
        writer.writeCount(evaluator.modelTypes.inferred.count)
        for (model, type) in evaluator.modelTypes.inferred.sorted(by: { $0.key < $1.key }) {
            writer.write(model)
            writer.write(type.rawValue)
        }
        writer.writeCount(versionTable.count)
        for monitor in versionTable {
            monitor.encodeState(to: &writer)
            let last = arrivalsAtLastEvaluation[VersionKey(model: monitor.model, version: monitor.version)] ?? (0, 0)
            writer.writeCounter(last.arrivals)
            writer.writeCounter(last.rejected)
        }
        join.encodeState(to: &writer, inlinePages: inlineJoinPages ? { [multiclassOutputs] payload, writer in payload.encode(to: &writer, multiclass: multiclassOutputs) } : nil)
        evaluator.encodeState(to: &writer)
        writer.writeCount(outputs.count)
        for output in outputs { writer.write(output.event) }
        writer.writeCount(firings.count)
        for (rule, tally) in firings.sorted(by: { $0.key < $1.key }) {
            writer.write(rule)
            writer.writeCounter(tally.count)
            writer.write(tally.first)
        }
        writer.writeCount(ownCounters.rejected.count)
        for (code, count) in ownCounters.rejected.sorted(by: { $0.key < $1.key }) {
            writer.write(code)
            writer.writeCounter(count)
        }
        for count in [ownCounters.predictions, ownCounters.labels, ownCounters.cappedModels, ownCounters.cappedVersions,
                      ownCounters.performanceWindowsAwaitingLabels, ownCounters.versionsWithoutReference,
                      ownCounters.evaluations, ownCounters.alerts, ownCounters.retrainTriggers, arrivals] {
            writer.writeCounter(count)
        }
        writer.write(partitionTime)
        for monitor in versionTable {
            writer.write(monitor.lastPredictionTime)
            writer.write(monitor.retirement.rawValue)
        }
    }

    private func restoreState(from reader: inout BinaryReader, format: UInt32, joinPages: [Int: [UInt8]]) throws {
        let window = try reader.readWindowSpec()
        guard window == configuration.window else {
            throw SerializationError.invalidValue("checkpoint was taken with window \(window), the configuration has \(configuration.window)")
        }
        _ = try reader.readString()  // the rules digest then; rule state attaches by each rule's own identity
        if format >= 7 {
            for _ in 0..<(try reader.readCount(maximum: configuration.caps.models)) {
                let model = try reader.readString()
                evaluator.modelTypes.infer(model, try reader.readRawValue(ModelType.self, "model type"))
            }
        }
        let versionCount = try reader.readCount(maximum: reader.remaining)
        for position in 0..<versionCount {
            let monitor = try VersionMonitor(
                restoring: &reader, format: format, index: UInt32(position), configuration: configuration, rules: evaluator,
                referenceBudget: referenceBudget, multiclassOutputs: multiclassOutputs)
            let key = VersionKey(model: monitor.model, version: monitor.version)
            guard versions.updateValue(monitor, forKey: key) == nil else {
                throw SerializationError.invalidValue("version \(monitor.model)/\(monitor.version) twice")
            }
            versionTable.append(monitor)
            versionsPerModel[monitor.model, default: 0] += 1
            arrivalsAtLastEvaluation[key] = (try reader.readCounter(), try reader.readCounter())
        }
        let held = versionTable.map(\.referenceEventsHeld)
        guard referenceBudget.reserve(events: held.reduce(0) { $0 + $1.events }, bytes: held.reduce(0) { $0 + $1.bytes }) else {
            throw SerializationError.invalidValue(
                "checkpoint holds more reference events than Caps.referenceEventsInTotal or Caps.referenceBytesInTotal allows")
        }
        try join.restoreState(from: &reader, pages: joinPages, labels: format < 6 ? .classes : .tagged) { [versionTable, multiclassOutputs] reader in
            let payload = try JoinedPrediction(from: &reader, multiclass: multiclassOutputs)
            guard payload.versionIndex < versionCount, versionTable[Int(payload.versionIndex)].codes.isValid(payload.segment) else {
                throw SerializationError.invalidValue("pending prediction of an unknown version or segment")
            }
            return payload
        }
        alertInstancesDroppedOnRestore = try evaluator.restoreState(from: &reader, format: format)
        let outputCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<outputCount { outputs.append(MonitorOutput(try reader.readOutputEvent(format: format))) }
        let firingCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<firingCount {
            firings[try reader.readString()] = (try reader.readCounter(), try reader.readInt64())
        }
        let rejectedCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<rejectedCount {
            ownCounters.rejected[try reader.readString()] = try reader.readCounter()
        }
        ownCounters.predictions = try reader.readCounter()
        ownCounters.labels = try reader.readCounter()
        ownCounters.cappedModels = try reader.readCounter()
        ownCounters.cappedVersions = try reader.readCounter()
        ownCounters.performanceWindowsAwaitingLabels = try reader.readCounter()
        ownCounters.versionsWithoutReference = try reader.readCounter()
        ownCounters.evaluations = try reader.readCounter()
        ownCounters.alerts = try reader.readCounter()
        ownCounters.retrainTriggers = try reader.readCounter()
        arrivals = try reader.readCounter()
        partitionTime = try reader.readInt64()
        for monitor in versionTable {
            guard format >= 5 else {
                monitor.restoreRetirement(lastPrediction: partitionTime, .receiving)
                continue
            }
            let lastPrediction = try reader.readInt64()
            let byte = try reader.readByte()
            guard let retirement = Retirement(rawValue: byte) else { throw SerializationError.invalidValue("retirement phase \(byte)") }
            monitor.restoreRetirement(lastPrediction: lastPrediction, retirement)
        }
    }
}
