import DriftCore

/// A merge task of serve's merge stage (issue 11, plan step 3): the windows of the versions
/// its ``VersionMerges`` merges, judged as `VersionMonitor` judges its own — each window's
/// evaluations by a ``WindowJudge`` against the version's basis, every applicable rule on
/// each — and the alert, retraining and metric events they make, queued for
/// ``drainOutputs()``.
///
/// **The same outputs whatever the partitioning.** A window is judged once every source
/// partition's watermark passed it, with every event before that boundary from all
/// sources, and each version's windows are judged step by step in the order one recorder of
/// all the events judges them (a step's closed drift windows, then its ready performance
/// windows; see ``PaneMerge/Judged``), whenever ``judge()`` is called: so a version's
/// outputs do not depend on how its events were spread over input partitions, on the
/// order the exchange partitions are read in, or on when the task judges
/// (`MergeTaskTests`: one, three and five partitions give the same alerts and metric
/// events; drift metrics to 1e-9, as moments merge in another order). Versions are judged
/// in key order at each ``judge()``; what interleaves across versions follows when the
/// task judges, as a version's events are keyed by its model on the output topics.
///
/// What a merge task cannot see is not made up: the join tasks' late and rejected events
/// are theirs (counted there), so a drift window's `late_event_rate` and `rejected_rate`
/// are unknown here, and rules on them are skipped as on any window without a value.
///
/// Complexity: ``judge()`` as ``VersionMerges/judge()``, plus O(rules × subjects) per
/// window judged. Memory: a judge and a basis per version (the version cap bounds them),
/// the rules' alert instances, and the outputs not drained.
package final class MergeTask {
    /// What a version is judged with: how its records merge (``VersionMerges/Version``),
    /// its model type and what its windows are judged against.
    struct Version {
        var merge: VersionMerges<DriftPane>.Version
        var modelType: ModelType
        var basis: WindowJudge.Basis
    }

    package struct Counters: Equatable, Sendable {
        /// Windows judged (drift and performance).
        package var evaluations = 0
        package var alerts = 0
        package var retrainTriggers = 0
        /// Alert instances a restore dropped because their rule is gone or changed.
        package var alertInstancesDroppedOnRestore = 0
    }

    /// Each version's judge and basis, made with its merge (a reference type, so that the
    /// merges' `makeVersion` can keep them as it makes a version).
    private final class Judges {
        var made: [VersionKey: (judge: WindowJudge, basis: WindowJudge.Basis)] = [:]
    }

    package private(set) var merges: VersionMerges<DriftPane>
    private let judges = Judges()
    private let rules: RuleEvaluator
    private var outputs: [MonitorOutput] = []
    package private(set) var counters = Counters()

    /// A merge task of `sources` source partitions, with `window`'s panes, judging by
    /// `rules`; `makeVersion` makes a version's merge, model type and basis when its first
    /// record comes (nil: not monitored here, counted by ``VersionMerges``).
    init(sources: Int, window: WindowSpec, rules: RuleEvaluator, makeVersion: @escaping (VersionKey) -> Version?) {
        self.rules = rules
        merges = VersionMerges(sources: sources) { [judges] key in
            guard let version = makeVersion(key) else { return nil }
            judges.made[key] = (WindowJudge(model: key.model, version: key.version, modelType: version.modelType, rules: rules, window: window.kind),
                                version.basis)
            return version.merge
        }
    }

    /// A merge task of `sources` source partitions monitoring, as `configuration` and
    /// `rules` say, the versions with a provided reference, their fairness tracked over
    /// `segmentAttributes` (see ``ProvidedVersion``); other versions' records are counted
    /// as unmonitored.
    package convenience init(sources: Int, configuration: MonitorConfiguration, rules ruleSet: RuleSet, segmentAttributes: [String]) {
        let rules = RuleEvaluator(ruleSet: ruleSet, configuration: configuration)
        self.init(sources: sources, window: configuration.window, rules: rules) { key in
            ProvidedVersion(key, configuration: configuration, rules: rules, segmentAttributes: segmentAttributes)
                .flatMap { Version($0, key: key, configuration: configuration, rules: rules, sources: sources) }
        }
    }

    /// Takes an exchange record as Kafka gave it, from exchange partition `partition` (see
    /// ``VersionMerges/receive(key:value:from:)``).
    package func receive(key: [UInt8]?, value: [UInt8]?, from partition: Int) -> VersionMerges<DriftPane>.Delivery {
        merges.receive(key: key, value: value, from: partition)
    }

    /// Takes an exchange message (see ``VersionMerges/receive(_:from:)``).
    package func receive(_ message: ExchangeMessage, from partition: Int) -> VersionMerges<DriftPane>.Delivery {
        merges.receive(message, from: partition)
    }

    /// Judges the windows every source's watermark has passed since the last call and
    /// queues their outputs.
    package func judge() {
        for (key, judged) in merges.judge() {
            let basis = judges.made[key]!.basis
            for step in judged.steps {
                let drift = judges.made[key]!.judge.driftEvaluations(step.drift, basis: basis, lateEventRate: nil)
                let performance = judges.made[key]!.judge.performanceEvaluations(step.performance, basis: basis)
                for evaluation in drift + performance {
                    counters.evaluations += 1
                    rules.evaluate(evaluation.context).forEach(queue)
                }
            }
        }
    }

    private func queue(_ output: MonitorOutput) {
        if output.kind == .alert { counters.alerts += 1 }
        if output.kind == .retrain { counters.retrainTriggers += 1 }
        outputs.append(output)
    }

    /// Outputs queued since the last call, in order.
    package func drainOutputs() -> [MonitorOutput] {
        defer { outputs = [] }
        return outputs
    }
}

// MARK: Checkpoint

extension MergeTask {
    /// The kind of ``checkpoint()`` blobs. Their format is the engine's
    /// (``MonitorEngine/checkpointFormatVersion``): the panes, alert instances and outputs
    /// in them are written as the engine's checkpoint writes them.
    package static let checkpointKind = "merge-task-state"

    /// The task's state as a ``VersionedBlob``: its counters, its merges (see
    /// ``VersionMerges/encodeState(to:identity:)``), the rules' alert instances and
    /// retraining cooldowns, and the outputs not drained. The judges are not in it: a
    /// judge's only state, CBPE's fitted estimator, is a function of the basis.
    package func checkpoint() -> [UInt8] {
        VersionedBlob.encode(CheckpointPayload(task: self), kind: Self.checkpointKind, version: MonitorEngine.checkpointFormatVersion)
    }

    private struct CheckpointPayload: BinaryEncodable {
        let task: MergeTask
        func encode(to writer: inout BinaryWriter) { task.encodeState(to: &writer) }
    }

    private func encodeState(to writer: inout BinaryWriter) {
        for count in [counters.evaluations, counters.alerts, counters.retrainTriggers, counters.alertInstancesDroppedOnRestore] {
            writer.writeCounter(count)
        }
        merges.encodeState(to: &writer, identity: rules.identity(ofRule:))
        rules.encodeState(to: &writer)
        writer.writeCount(outputs.count)
        for output in outputs { writer.write(output.event) }
    }

    /// Replaces the state with a ``checkpoint()`` of a task of as many sources (alert
    /// instances and detectors of rules gone or changed are dropped, counted). Given the
    /// exchange records read since, the task makes the outputs of one that never stopped.
    /// Throws ``SerializationError`` for a foreign, truncated, corrupted, newer or older
    /// blob (the panes in it read in the current format only).
    package func restore(from bytes: [UInt8]) throws {
        let format = MonitorEngine.checkpointFormatVersion
        try VersionedBlob.decode(bytes, kind: Self.checkpointKind, newestVersion: format) { reader, version in
            guard version == format else {
                throw SerializationError.invalidValue("merge task checkpoint format \(version) predates format \(format); it cannot be restored")
            }
            var restored = Counters(evaluations: try reader.readCounter(), alerts: try reader.readCounter(),
                                    retrainTriggers: try reader.readCounter(), alertInstancesDroppedOnRestore: try reader.readCounter())
            judges.made = [:]
            try merges.restoreState(from: &reader, identity: rules.identity(ofRule:))
            restored.alertInstancesDroppedOnRestore += try rules.restoreState(from: &reader, format: format)
            outputs = try (0..<(try reader.readCount(maximum: reader.remaining))).map { _ in
                MonitorOutput(try reader.readOutputEvent(format: format))
            }
            counters = restored
        }
    }
}
