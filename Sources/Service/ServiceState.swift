import Foundation
import Kafka
import MonitorCore

/// A value behind a lock, shared between the pipeline, the health checks and HTTP handlers.
package final class Protected<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    package var current: Value { withLock { $0 } }
}

/// What `/v1/status` shows: the models and versions seen, the engines' counters summed
/// over the assigned partitions, the alerts currently firing, and the service's health.
package struct ServiceStatus: Codable, Sendable, Equatable {
    package struct FiringAlert: Codable, Sendable, Equatable {
        package var id: String
        package var fingerprint: String
        package var rule: String
        package var severity: String
        package var model: String
        package var version: String
        package var subject: String
        package var startsAt: Int64
    }

    package struct Counters: Codable, Sendable, Equatable {
        package var consumed = 0
        /// Consumed messages the pipeline decoded itself because the batch decoder had not
        /// reached them (the engines waited on decoding; see ``DecodingCounts``).
        package var decodedByPipeline = 0
        /// CPU seconds the shards' engines spent on consumed messages, summed over the shards
        /// (their threads' CPU time, with any decoding they did themselves; see ``ShardSteps``).
        package var shardCPUSeconds = 0.0
        package var predictions = 0
        package var labels = 0
        package var rejected: [String: Int] = [:]
        package var deadLetters = 0
        package var evaluations = 0
        package var alerts = 0
        package var retrainTriggers = 0
        package var published = 0
        /// What the engines' caps turned away, by cap (see ``ServiceStatus/cappedCounts(_:)``).
        package var capped: [String: Int] = [:]
        /// Events that came too late, by kind: `predictions` (their pane had closed),
        /// `labels` (their prediction's performance window was already evaluated) and
        /// `labels_for_detectors` (their prediction's pane was already judged by the change
        /// detectors: they reach the performance windows still open to them, not the detectors).
        package var late: [String: Int] = [:]
        /// Labels that joined a binary classifier's prediction but are not 0 or 1: left out
        /// of performance (a label names no model, so it cannot be rejected when decoded).
        package var mismatchedLabels = 0
        /// Values of features their version's reference does not have: not monitored for drift
        /// (`replay` of the same events names them in its run summary).
        package var featureValuesNotInReference = 0
        /// What the label join did with predictions and labels, by outcome (see
        /// ``ServiceStatus/joinCounts(_:)``): labels that found no prediction show here.
        package var labelJoin: [String: Int] = [:]
        /// Performance windows evaluated below label coverage, before their labels' time to
        /// live (past `labels.partial_wait` with enough labels, or too many panes waiting).
        package var belowCoverageEvaluations = 0
        /// Retraining rules that started firing within the cooldown of the previous trigger
        /// of the same model version: no trigger was emitted.
        package var retrainTriggersInCooldown = 0
        /// Per rule, its evaluations by result: `judged`, `too_few_samples`, `no_value`,
        /// `no_reference_value`, `missing_attribute`, `held_as_noise` — a rule that is never judged shows here.
        package var ruleEvaluations: [String: [String: Int]] = [:]

        package init() {}
    }

    package var ready = false
    package var brokerReachable = false
    package var assignment: [String] = []
    package var rulesDigest = ""
    /// Versions seen per model (within the engine's caps).
    package var models: [String: [String]] = [:]
    package var counters = Counters()
    package var firing: [FiringAlert] = []
    /// Firing alerts not listed because of ``ServiceState/maximumFiringAlerts``.
    package var firingNotListed = 0
    package var lag: [String: Int64] = [:]
    /// Output latency over the last ``ServiceState/latencySamples`` window-closing messages.
    package var outputLatency: LatencySummary?
    /// Seconds since the oldest processed message not yet covered by a checkpoint was
    /// processed (0 when everything is checkpointed; `nil` without checkpoints): what a
    /// crash now would make the next owner process again.
    package var checkpointAgeSeconds: Double?
    /// Shards taken on, by how their state was found (``CheckpointRestoreResult``):
    /// `latest`, `previous` (the newest checkpoint was incomplete or unreadable),
    /// `missing_reset` (none usable: started empty under `--on-missing-state reset`) and
    /// `fresh` (no checkpoint and nothing committed: a shard never processed).
    package var checkpointRestores: [String: Int] = [:]
    /// Event-time alignment of each task's input partitions (see ``TaskAlignment``).
    package var alignment = Alignment()
    /// Models monitored by more than one of this member's shards, with their partition
    /// numbers: their predictions are spread over partitions, so each shard monitors its
    /// share of the model's traffic apart (see README, "Deploying").
    package var modelsOnSeveralPartitions: [String: [Int32]] = [:]
    /// Versions whose predictions name features their reference does not have, by model and
    /// version: those features are not monitored for drift (their values are counted in
    /// `counters.featureValuesNotInReference`; see README, "How the monitor works").
    package var featuresNotInReference: [FeaturesNotInReference] = []

    package struct Alignment: Codable, Sendable, Equatable {
        /// `--max-task-idle` in milliseconds.
        package var maxTaskIdleMilliseconds: Int64 = 0
        /// Records processed while another input partition of their task was empty past
        /// the limit (possibly out of event-time order).
        package var enforcedProcessing = 0
        /// Messages fetched and waiting to be aligned now.
        package var buffered = 0
        /// Input partitions paused now because their alignment buffer is full.
        package var pausedPartitions = 0
        /// Times an input partition was paused so far.
        package var pauses = 0
    }

    package init() {}

    /// The engine's cap counters by the name of the cap they belong to, as `/v1/status`
    /// (`counters.capped`) and `/metrics` (`driftwatch_capped_total{cap}`) show them:
    /// `models` and `versions` (predictions dropped), `segment_values` (values mapped to
    /// `(other)`), `segment_attributes` (attribute values not tracked),
    /// `reference_events` (events left out of stream references), `classes` (labelled
    /// multiclass predictions beyond a version's class cap), `probability_classes` (entries of
    /// reference probability vectors beyond it, left out of CBPE), and the label join's
    /// evictions: `pending_predictions` and `early_labels`.
    package static func cappedCounts(_ engine: MonitorEngine.Counters, join: LabelJoin<JoinedPrediction>.Counters) -> [String: Int] {
        [
            "models": engine.cappedModels, "versions": engine.cappedVersions,
            "segment_values": engine.cappedSegmentValues, "segment_attributes": engine.untrackedSegmentAttributes,
            "reference_events": engine.cappedReferenceEvents, "classes": engine.cappedClasses,
            "probability_classes": engine.cappedProbabilityClasses,
            "pending_predictions": join.evictedPredictions, "early_labels": join.evictedEarlyLabels,
        ]
    }

    /// The label join's outcomes by name, as `/v1/status` (`counters.labelJoin`) and
    /// `/metrics` (`driftwatch_label_join_total{outcome}`) show them (`replay` prints the
    /// same in its run summary): `joined`, `joined_after_waiting` (the label came first),
    /// `duplicate_predictions`, `duplicate_labels`, `expired_predictions` (no label within
    /// the label time-to-live) and `unmatched_labels` (the label's prediction did not arrive
    /// within `labels.early_label_wait` — labels keyed unlike their predictions show here). Evictions are
    /// caps (``cappedCounts(_:join:)``).
    package static func joinCounts(_ join: LabelJoin<JoinedPrediction>.Counters) -> [String: Int] {
        [
            "joined": join.joined, "joined_after_waiting": join.joinedAfterWaiting,
            "duplicate_predictions": join.duplicatePredictions, "duplicate_labels": join.duplicateLabels,
            "expired_predictions": join.expiredPredictions, "unmatched_labels": join.unmatchedLabels,
        ]
    }
}

/// Percentiles of recent output latencies, in milliseconds (nearest-rank).
package struct LatencySummary: Codable, Sendable, Equatable {
    package var samples: Int
    package var p50: Int64
    package var p99: Int64
    package var max: Int64

    init(samples: Int, p50: Int64, p99: Int64, max: Int64) {
        self.samples = samples
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }

    /// `nil` without samples.
    init?(_ values: some Collection<Int64>) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ quantile: Double) -> Int64 { sorted[Swift.max(0, Int((quantile * Double(sorted.count)).rounded(.up)) - 1)] }
        samples = sorted.count
        p50 = rank(0.5)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
    }
}

/// The service's live state, updated by the pipeline and the health checks.
package final class ServiceState: Sendable {
    static let maximumFiringAlerts = 10_000
    /// Output latencies kept for ``ServiceStatus/outputLatency`` (the most recent ones).
    static let latencySamples = 4096

    fileprivate struct Storage {
        var status = ServiceStatus()
        var hasAssignment = false
        var firing: [String: ServiceStatus.FiringAlert] = [:]
        var firingNotListed = 0
        /// Engine counters of the current engines, by shard (partition number).
        var engineCounters: [Int32: ServiceStatus.Counters] = [:]
        /// Counters of engines restarted empty (rules reloaded), so totals never go backwards.
        var retiredCounters = ServiceStatus.Counters()
        /// The last `latencySamples` output latencies (ms), oldest overwritten first.
        var latencies: [Int64] = []
        var nextLatency = 0
        /// Since when processed work waits for a checkpoint (`nil`: none waits); never set without checkpoints.
        var uncheckpointedSince: ContinuousClock.Instant?
        var checkpointsEnabled = false
        /// Counters of engines dropped in a rebalance, by shard, until the shard is restored
        /// here from a checkpoint: the restored engine carries those counts on (or counts
        /// the same events again from an older checkpoint), so keeping both would count twice.
        var droppedCounters: [Int32: ServiceStatus.Counters] = [:]
        /// The models each current shard's engine monitors.
        var shardModels: [Int32: Set<String>] = [:]
        /// Models found on several shards and not yet handed out by ``takeNewlySpreadModels()``.
        var newlySpread: [String] = []
        /// Models ever found on several shards (each reported once).
        var spreadReported: Set<String> = []
        /// Each current shard's versions with features not in their reference.
        var shardUnreferenced: [Int32: [FeaturesNotInReference]] = [:]

        /// ``shardUnreferenced`` summed by model and version over the shards (a version
        /// spread over shards: its names in shard order, up to the cap), in model and version order.
        var featuresNotInReference: [FeaturesNotInReference] {
            var merged: [String: [String: FeaturesNotInReference]] = [:]
            for (_, versions) in shardUnreferenced.sorted(by: { $0.key < $1.key }) {
                for version in versions {
                    var entry = merged[version.model]?[version.version]
                        ?? FeaturesNotInReference(model: version.model, version: version.version, features: [], values: 0)
                    entry.values += version.values
                    for name in version.features where entry.features.count < UnreferencedFeatures.maximumNames
                        && !entry.features.contains(name) {
                        entry.features.append(name)
                    }
                    merged[version.model, default: [:]][version.version] = entry
                }
            }
            return merged.sorted { $0.key < $1.key }.flatMap { $0.value.sorted { $0.key < $1.key }.map(\.value) }
        }

        /// Models on more than one shard, with the shards' numbers in order.
        var modelsOnSeveralShards: [String: [Int32]] {
            var shards: [String: [Int32]] = [:]
            for (shard, models) in shardModels {
                for model in models { shards[model, default: []].append(shard) }
            }
            return shards.filter { $0.value.count > 1 }.mapValues { $0.sorted() }
        }
    }

    private let storage = Protected(Storage())

    package init() {}

    package var status: ServiceStatus {
        storage.withLock { storage in
            var status = storage.status
            status.ready = storage.hasAssignment && status.brokerReachable
            status.firing = storage.firing.values.sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
            status.firingNotListed = storage.firingNotListed
            status.counters.addEngineCounters(storage.retiredCounters)
            for counters in storage.droppedCounters.values { status.counters.addEngineCounters(counters) }
            for counters in storage.engineCounters.values { status.counters.addEngineCounters(counters) }
            status.outputLatency = LatencySummary(storage.latencies)  // a sort of at most `latencySamples`
            status.checkpointAgeSeconds = storage.checkpointAge
            status.modelsOnSeveralPartitions = storage.modelsOnSeveralShards
            status.featuresNotInReference = storage.featuresNotInReference
            return status
        }
    }

    /// Messages consumed so far: for callers that poll progress often (``status`` sums
    /// every engine's counters and summarises the latencies).
    package var consumed: Int { storage.withLock { $0.status.counters.consumed } }

    /// Ready: the consumer has an assignment and the broker answered the last check.
    package var isReady: Bool { storage.withLock { $0.hasAssignment && $0.status.brokerReachable } }

    func assigned(_ partitions: [TopicPartition]) {
        storage.withLock {
            $0.hasAssignment = !partitions.isEmpty
            $0.status.assignment = partitions.map(\.description).sorted()
        }
    }

    func revoked() {
        storage.withLock {
            $0.hasAssignment = false
            $0.status.assignment = []
        }
    }

    func checkpointRestored(_ result: CheckpointRestoreResult) {
        storage.withLock { $0.status.checkpointRestores[result.rawValue, default: 0] += 1 }
    }

    func recordAlignment(enforced: Int, pauses: Int, buffered: Int, paused: Int, maxTaskIdle: Duration) {
        storage.withLock {
            $0.status.alignment.enforcedProcessing += enforced
            $0.status.alignment.pauses += pauses
            $0.status.alignment.buffered = buffered
            $0.status.alignment.pausedPartitions = paused
            let (seconds, attoseconds) = maxTaskIdle.components
            $0.status.alignment.maxTaskIdleMilliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }
    }

    func setBrokerReachable(_ reachable: Bool) { storage.withLock { $0.status.brokerReachable = reachable } }
    func setRulesDigest(_ digest: String) { storage.withLock { $0.status.rulesDigest = digest } }
    func setLag(_ lag: [String: Int64]) { storage.withLock { $0.status.lag = lag } }

    func recordBatch(consumed: Int, decodedByPipeline: Int, shardCPU: Duration, deadLetters: Int, published: Int) {
        storage.withLock {
            $0.status.counters.consumed += consumed
            $0.status.counters.decodedByPipeline += decodedByPipeline
            $0.status.counters.shardCPUSeconds += shardCPU.seconds
            $0.status.counters.deadLetters += deadLetters
            $0.status.counters.published += published
        }
    }

    /// Whether processed work waits for a checkpoint (called by a pipeline with checkpoints).
    func setUncheckpointedWork(_ waiting: Bool) {
        storage.withLock { storage in
            storage.checkpointsEnabled = true
            if !waiting {
                storage.uncheckpointedSince = nil
            } else if storage.uncheckpointedSince == nil {
                storage.uncheckpointedSince = .now
            }
        }
    }

    /// See ``ServiceStatus/checkpointAgeSeconds``.
    package var checkpointAgeSeconds: Double? { storage.withLock { $0.checkpointAge } }

    func recordOutputLatency(milliseconds: [Int64]) {
        storage.withLock { storage in
            for value in milliseconds {
                if storage.latencies.count < Self.latencySamples {
                    storage.latencies.append(value)
                } else {
                    storage.latencies[storage.nextLatency] = value
                }
                storage.nextLatency = (storage.nextLatency + 1) % Self.latencySamples
            }
        }
    }

    func updateEngineCounters(shard: Int32, _ counters: MonitorEngine.Counters, join: LabelJoin<JoinedPrediction>.Counters) {
        let counts = ServiceStatus.Counters(engine: counters, join: join)
        storage.withLock { $0.engineCounters[shard] = counts }
    }

    /// The engine counters (caps, late events, mismatched labels, rule evaluations) summed
    /// over the current, retired and dropped engines (cheaper than ``status``).
    var engineCountTotals: ServiceStatus.Counters {
        storage.withLock { storage in
            var total = storage.retiredCounters
            for counters in storage.droppedCounters.values { total.addEngineCounters(counters) }
            for counters in storage.engineCounters.values { total.addEngineCounters(counters) }
            return total
        }
    }

    /// An engine restarts empty (rules reloaded): keep its counts in the totals.
    func retireEngine(shard: Int32) {
        storage.withLock {
            if let counters = $0.engineCounters.removeValue(forKey: shard) { $0.retiredCounters.addEngineCounters(counters) }
        }
    }

    /// A shard's engine was dropped (shard lost): keep its counts until the shard is restored here.
    func dropEngine(shard: Int32) {
        storage.withLock {
            $0.shardModels.removeValue(forKey: shard)
            $0.shardUnreferenced.removeValue(forKey: shard)
            if let counters = $0.engineCounters.removeValue(forKey: shard) {
                $0.droppedCounters[shard, default: .init()].addEngineCounters(counters)
            }
        }
    }

    /// A shard's engine was restored from a checkpoint with these counts.
    func engineRestored(shard: Int32, _ counters: MonitorEngine.Counters, join: LabelJoin<JoinedPrediction>.Counters) {
        let counts = ServiceStatus.Counters(engine: counters, join: join)
        storage.withLock {
            $0.droppedCounters.removeValue(forKey: shard)
            $0.engineCounters[shard] = counts
        }
    }

    /// The models a shard's engine monitors now.
    func modelsMonitored(_ models: Set<String>, shard: Int32) {
        storage.withLock { storage in
            storage.shardModels[shard] = models
            for (model, _) in storage.modelsOnSeveralShards.sorted(by: { $0.key < $1.key }) where storage.spreadReported.insert(model).inserted {
                storage.newlySpread.append(model)
            }
        }
    }

    /// The shard's versions with features not in their reference, now.
    func featuresNotInReference(_ versions: [FeaturesNotInReference], shard: Int32) {
        storage.withLock { $0.shardUnreferenced[shard] = versions.isEmpty ? nil : versions }
    }

    /// Models found on several shards since the last call, each once in the service's
    /// life, with the shards they are on now: the pipeline logs a warning for each.
    func takeNewlySpreadModels() -> [(model: String, partitions: [Int32])] {
        storage.withLock { storage in
            guard !storage.newlySpread.isEmpty else { return [] }
            let spread = storage.modelsOnSeveralShards
            defer { storage.newlySpread = [] }
            return storage.newlySpread.map { ($0, spread[$0] ?? []) }
        }
    }

    func versionSeen(model: String, version: String) {
        storage.withLock {
            var versions = $0.status.models[model] ?? []
            if !versions.contains(version) { versions.append(version) }
            $0.status.models[model] = versions
        }
    }

    func alertChanged(_ alert: ServiceStatus.FiringAlert, firing: Bool) {
        storage.withLock {
            if !firing {
                $0.firing.removeValue(forKey: alert.fingerprint)
            } else if $0.firing[alert.fingerprint] != nil || $0.firing.count < Self.maximumFiringAlerts {
                $0.firing[alert.fingerprint] = alert
            } else {
                $0.firingNotListed += 1
            }
        }
    }
}

extension ServiceState.Storage {
    var checkpointAge: Double? {
        guard checkpointsEnabled else { return nil }
        guard let since = uncheckpointedSince else { return 0 }
        return (ContinuousClock.now - since).seconds
    }
}

extension ServiceStatus.Counters {
    /// An engine's counts (consumed, dead letters and published are the service's own).
    init(engine: MonitorEngine.Counters, join: LabelJoin<JoinedPrediction>.Counters) {
        self.init()
        predictions = engine.predictions
        labels = engine.labels
        rejected = engine.rejected
        evaluations = engine.evaluations
        alerts = engine.alerts
        retrainTriggers = engine.retrainTriggers
        capped = ServiceStatus.cappedCounts(engine, join: join)
        late = ["predictions": engine.lateEvents, "labels": engine.lateLabels, "labels_for_detectors": engine.labelsAfterDetectors]
        mismatchedLabels = engine.mismatchedLabels
        featureValuesNotInReference = engine.unreferencedFeatureValues
        labelJoin = ServiceStatus.joinCounts(join)
        belowCoverageEvaluations = engine.belowCoveragePerformanceEvaluations
        retrainTriggersInCooldown = engine.retrainTriggersInCooldown
        ruleEvaluations = engine.ruleEvaluations
    }

    /// Adds the engine counts of `other` (an engine's, or the sum kept for retired engines).
    mutating func addEngineCounters(_ other: ServiceStatus.Counters) {
        predictions += other.predictions
        labels += other.labels
        rejected.merge(other.rejected, uniquingKeysWith: +)
        evaluations += other.evaluations
        alerts += other.alerts
        retrainTriggers += other.retrainTriggers
        capped.merge(other.capped, uniquingKeysWith: +)
        late.merge(other.late, uniquingKeysWith: +)
        mismatchedLabels += other.mismatchedLabels
        featureValuesNotInReference += other.featureValuesNotInReference
        labelJoin.merge(other.labelJoin, uniquingKeysWith: +)
        belowCoverageEvaluations += other.belowCoverageEvaluations
        retrainTriggersInCooldown += other.retrainTriggersInCooldown
        ruleEvaluations.merge(other.ruleEvaluations) { mine, theirs in mine.merging(theirs, uniquingKeysWith: +) }
    }
}
