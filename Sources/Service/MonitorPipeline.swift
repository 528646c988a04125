import Foundation
import Kafka
import Logging
import MonitorCore
import ServiceLifecycle

/// The serve pipeline: consumer → engines → producer, at least once.
///
/// The consumer's poll thread hands batches through its bounded event buffer (so a
/// slow engine holds back fetching). Each step takes the messages the alignment (below)
/// releases: every message goes
/// through the engine of its shard, the outputs and dead letters are produced, the
/// producer is flushed until all are acknowledged, and only then are the batch's
/// offsets stored (and committed every `commitInterval`, on revocation and at
/// shutdown). A crash therefore re-reads at most the uncommitted messages and re-emits
/// their outputs (with the same ids: the engine is deterministic).
///
/// **Shards.** There is one `MonitorEngine` per input *partition number*: partition
/// `n` of every input topic feeds engine `n`. With predictions and labels on one topic
/// that is one engine per partition; with separate topics they must be co-partitioned
/// (same partition count, a prediction and its label sent to the same partition number,
/// e.g. both keyed by model), which the default `range` assignor keeps on one member.
/// A model split over several partitions is monitored per partition. A batch's shards
/// are processed side by side, a thread each (``ShardSteps``). A shard's engine
/// lives while the shard is assigned; an eager rebalance that gives a shard straight
/// back keeps its engine (nobody else processed it in between), otherwise it is
/// dropped. If the revocation could not commit (the assignment was lost: e.g. the
/// session timed out during a broker outage), every engine is dropped at the next
/// assignment: the consumer would resume the returning partitions at older committed
/// offsets than their engines processed (counting events twice), and another member may
/// have processed them meanwhile; so the shards are restored from their checkpoints
/// (without checkpoints they restart empty at the committed offsets).
///
/// **Alignment.** Fetched messages wait in a ``TaskAlignment`` until their shard can
/// take them in event-time order across its input partitions (`--max-task-idle`); each
/// step processes what is ready. Only processed messages count for offsets and
/// checkpoints: what is still buffered at a revocation or a stop is read again.
///
/// **Blocking calls** (flush, commit, seek, committed offsets, watermarks, close) go
/// through `BlockingCalls.run`, off the cooperative pool.
///
/// **Checkpoints** (with a ``CheckpointStore``): every `checkpointInterval` of wall
/// time or `checkpointMessages` messages, on revocation and at shutdown, each shard
/// that processed messages since its last checkpoint writes one (engine blob, the input
/// offsets it covers, the output positions) to the state topic and waits for its
/// acknowledgement; only then are those input offsets stored (and committed later). On
/// assignment a shard with a checkpoint is restored from it and its input partitions
/// seek to the recorded offsets; what the previous owner published after the
/// checkpoint is read back from the output topics and not emitted again (matched by
/// `driftwatch-id`, dead letters by their source partition and offset). So a restart
/// or rebalance loses no state and duplicates no published output with an id.
///
/// **Broker outages.** Publishing outputs and writing checkpoints wait while the broker
/// is away (librdkafka retries until `message.timeout.ms`, 5 minutes by default), so a
/// shorter outage stops nothing; `/readyz` reports it meanwhile.
package final class MonitorPipeline: Service {
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let settings: ServeSettings
    private let routing: OutputRouting
    private let state: ServiceState
    private let metrics: ServiceMetrics
    private let observer: OutputObserver
    private let onOutput: (@Sendable (MonitorOutput) -> Void)?
    private let logger: Logger
    /// The rule set engines are built with; replaced by ``reload(rules:)``.
    private let rules: Protected<(ruleSet: RuleSet, generation: Int)>
    private let stopping = Protected(false)
    private let checkpoints: CheckpointStore?
    /// Set by ``stopLikeACrashForTesting()``: leave without the final checkpoint and commit.
    private let crashing = Protected(false)
    private let suppressed = Protected(0)
    /// Schemas of messages in Schema Registry framing (nil: no `--schema-registry`).
    private let schemaRegistry: SchemaRegistryClient?
    /// Messages the pipeline decoded itself, having caught up with the batch decoder.
    private let decodingCounts = DecodingCounts()

    /// - Parameter onOutput: sees every engine output after it was acknowledged (the demo prints alerts with it).
    package init(consumer: KafkaConsumer, producer: KafkaProducer, settings: ServeSettings, rules: RuleSet,
                state: ServiceState, metrics: ServiceMetrics, logger: Logger,
                checkpoints: CheckpointStore? = nil, onOutput: (@Sendable (MonitorOutput) -> Void)? = nil) {
        self.consumer = consumer
        self.checkpoints = checkpoints
        self.producer = producer
        self.settings = settings
        routing = settings.outputRouting
        self.state = state
        self.metrics = metrics
        observer = OutputObserver(state: state, metrics: metrics)
        self.onOutput = onOutput
        self.logger = logger
        self.rules = Protected((rules, 0))
        schemaRegistry = settings.schemaRegistry.map { SchemaRegistryClient(settings: $0, registry: metrics.registry, logger: logger) }
        state.setRulesDigest(rules.rulesDigest)
    }

    /// Swaps the rules at the next batch boundary. Each engine is rebuilt from its own
    /// checkpoint with the new rules, so windows, references, the label join and the
    /// change detectors carry on; alert instances of rules that still exist unchanged keep
    /// their state (a firing alert is not announced again), those of changed or removed
    /// rules are dropped, and new rules start from a fresh state.
    /// Returns `false` (and changes nothing) when the new rules have the running rules' digest.
    @discardableResult
    package func reload(rules newRules: RuleSet) -> Bool {
        let changed = rules.withLock { current in
            guard current.ruleSet.rulesDigest != newRules.rulesDigest else { return false }
            current = (newRules, current.generation + 1)
            return true
        }
        if changed { state.setRulesDigest(newRules.rulesDigest) }
        return changed
    }

    package func run() async throws {
        try consumer.subscribe(settings.inputTopics)
        logger.info("consuming", metadata: ["topics": "\(settings.inputTopics)", "group": "\(settings.group)"])
        try await withGracefulShutdownHandler {
            try await consumeUntilStopped()
        } onGracefulShutdown: { [stopping] in
            stopping.withLock { $0 = true }
        }
    }

    /// Stops after the batch in progress (also what a graceful shutdown does).
    package func stop() { stopping.withLock { $0 = true } }

    /// Outputs (and dead letters) not published again after a restore because the
    /// previous owner of their shard had published them.
    package var suppressedOutputs: Int { suppressed.current }

    /// Stops after the batch in progress as a `kill -9` would leave things: no final
    /// checkpoint, no commit (outputs already published stay published).
    func stopLikeACrashForTesting() {
        crashing.withLock { $0 = true }
        stop()
    }

    /// Processes until stopped, then flushes, commits and leaves the group (also after an error).
    private func consumeUntilStopped() async throws {
        do {
            try await processUntilStopped()
        } catch {
            await close()
            throw error
        }
        await close()
    }

    private func processUntilStopped() async throws {
        var shards = ShardEngines(configuration: settings.monitor, decoder: settings.decoder, state: state)
        var rulesGeneration = 0
        var lastCommit = ContinuousClock.now
        var schedule = CheckpointSchedule(interval: settings.checkpointInterval, messages: settings.checkpointMessages)
        /// Whether the last revocation committed everything processed.
        var handedOver = true
        var alignment = TaskAlignment<FetchedMessage>(inputTopics: settings.inputTopics, maxTaskIdle: settings.maxTaskIdle,
                                                      pauseAbove: settings.alignmentBufferMessages)
        while !stopping.current, !Task.isCancelled {
            // Back when a task stops waiting for an empty partition.
            let wait = alignment.nextDeadline.map { min(.milliseconds(200), max(.zero, $0 - .now)) } ?? .milliseconds(200)
            let event = try await consumer.nextEvent(timeout: wait)
            // Checked after the wait, so that a reload applies to every message that arrives after it.
            let current = rules.current
            if current.generation != rulesGeneration {
                rulesGeneration = current.generation
                shards.reloadEngines(rules: current.ruleSet, logger: logger)
                logger.info("rules reloaded; monitoring state kept", metadata: ["rules_digest": "\(current.ruleSet.rulesDigest)"])
            }
            if let event {
                switch event {
                case let .messages(batch):
                    let schemas = await schemaRegistry?.table(for: batch) ?? .none
                    let decoding = BatchDecoding(batch, decoder: settings.decoder, schemas: schemas, counts: decodingCounts)
                    alignment.append(batch.indices.map { FetchedMessage(decoding: decoding, index: $0) })
                case let .partitionEnd(partition):
                    alignment.reachedEnd(partition)
                case let .partitionsAssigned(partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions)"])
                    if !handedOver { logger.warning("the last revocation did not commit: restoring every shard") }
                    shards.keepOnly(handedOver ? Set(partitions.map(\.partition)) : [])
                    handedOver = true
                    if let checkpoints {
                        try await restore(partitions, shards: &shards, rules: current.ruleSet, from: checkpoints)
                    }
                    alignment.assign(partitions)
                    state.assigned(partitions)
                    metrics.setReady(state.isReady)
                case let .partitionsRevoked(partitions):
                    // What was fetched but not processed is not covered by the offsets committed now: read again.
                    // Resumed while still assigned, so that no pause outlives the assignment.
                    let (released, paused) = alignment.revoke(partitions)
                    if !paused.isEmpty { try consumer.resume(paused) }
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions)", "unprocessed_fetched_messages": "\(released)"])
                    // Everything processed is acknowledged: checkpoint and commit before the partitions move.
                    try await checkpoint(&shards, rules: current.ruleSet)
                    schedule.reset()
                    handedOver = await commitStoredOffsets()
                    lastCommit = .now
                    state.revoked()
                    metrics.setReady(false)
                }
            } else if consumer.isClosed {
                break
            }
            let enforcedBefore = alignment.enforcedProcessing
            let ready = alignment.takeReady(now: .now)
            if !ready.isEmpty {
                try await process(ready, shards: &shards, rules: current.ruleSet)
                schedule.processed(ready.count)
            }
            let changes = alignment.pauseChanges()
            try applyPauses(changes)
            recordAlignment(alignment, enforced: alignment.enforcedProcessing - enforcedBefore, pauses: changes.pause.count)
            if let timeout = settings.idleTimeout {
                let advanced = shards.advanceIdle(after: timeout)
                if !advanced.isEmpty { try await publishOutputs(of: advanced, from: &shards, after: [], closedAt: []) }
            }
            if schedule.isDue {
                try await checkpoint(&shards, rules: current.ruleSet)
                schedule.reset()
            }
            if ContinuousClock.now - lastCommit >= settings.commitInterval {
                await commitStoredOffsets()
                lastCommit = .now
            }
            if checkpoints != nil { state.setUncheckpointedWork(!shards.changed.isEmpty) }
        }
        if !crashing.current { try await checkpoint(&shards, rules: rules.current.ruleSet) }
    }

    /// Pauses and resumes partitions as the alignment asks (local calls: librdkafka queues them).
    private func applyPauses(_ changes: (pause: [TopicPartition], resume: [TopicPartition])) throws {
        if !changes.pause.isEmpty { try consumer.pause(changes.pause) }
        if !changes.resume.isEmpty { try consumer.resume(changes.resume) }
    }

    private func recordAlignment(_ alignment: TaskAlignment<FetchedMessage>, enforced: Int, pauses: Int) {
        let buffered = alignment.buffered
        let paused = alignment.pausedCount
        state.recordAlignment(enforced: enforced, pauses: pauses, buffered: buffered, paused: paused, maxTaskIdle: settings.maxTaskIdle)
        metrics.recordAlignment(enforced: enforced, pauses: pauses, buffered: buffered, paused: paused)
    }

    /// One at-least-once step over aligned messages: process, publish, wait for
    /// acknowledgement, store offsets. The shards' engines take their messages side by
    /// side (``ShardSteps``); dead letters and outputs follow in the batch's order.
    private func process(_ fetched: [FetchedMessage], shards: inout ShardEngines, rules: RuleSet) async throws {
        let start = ContinuousClock.now
        var records: [OutputRouting.Record] = []
        var deadLetters = 0
        /// Kafka timestamps of the messages that closed a window (emitted outputs): the start of their output latency.
        var closedAt: [Int64] = []
        // Each message's fields are read where they are (a copy of every message would retain
        // its topic, key, value and headers); only a dead letter copies its message.
        var steps = ShardSteps()
        for (index, message) in fetched.enumerated() {
            let shard = message.partition
            steps.add(index, shard: shard) { shards.engine(for: shard, rules: rules) }
        }
        let (outcomes, shardCPU) = steps.run(fetched)
        for (fetchedMessage, outcome) in zip(fetched, outcomes) {
            if outcome.emitted, let timestamp = fetchedMessage.timestamp { closedAt.append(timestamp) }
            if let rejection = outcome.rejection {
                deadLetters += 1
                metrics.rejected(reason: rejection.code)
                let message = fetchedMessage.message
                if !shards.suppress(Suppression.key(deadLetterOf: message), shard: message.partition) {
                    records.append(DeadLetter.record(for: message, rejection: rejection, topic: settings.deadLetterTopic))
                }
            }
        }
        let nextOffsets = fetched.nextOffsets
        shards.advance(to: nextOffsets)
        let (published, evaluations) = try await publishOutputs(of: steps.shards, from: &shards, after: records, closedAt: closedAt)
        // With checkpoints, input offsets are stored once a checkpoint covering them is acknowledged.
        if checkpoints == nil { try consumer.storeOffsets(nextOffsets) }
        let suppressedNow = shards.takeSuppressedCount()
        if suppressedNow > 0 { suppressed.withLock { $0 += suppressedNow } }
        let decodedByPipeline = decodingCounts.take()
        state.recordBatch(consumed: fetched.count, decodedByPipeline: decodedByPipeline, shardCPU: shardCPU, deadLetters: deadLetters,
                          published: published)
        metrics.recordBatch(consumed: fetched.count, decodedByPipeline: decodedByPipeline, shardCPU: shardCPU, deadLetters: deadLetters,
                            published: published, evaluations: evaluations, duration: ContinuousClock.now - start)
    }

    /// Drains the outputs of `touched` shards, publishes them after `records` (a batch's
    /// dead letters) and waits for the acknowledgement. Returns the records published and
    /// the windows evaluated.
    @discardableResult
    private func publishOutputs(of touched: [Int32], from shards: inout ShardEngines, after records: [OutputRouting.Record],
                                closedAt: [Int64]) async throws -> (published: Int, evaluations: Int) {
        var records = records
        var outputs: [MonitorOutput] = []
        var evaluations = 0
        for shard in touched {
            let (shardOutputs, evaluated) = shards.drain(shard)
            outputs += shardOutputs
            evaluations += evaluated
        }
        for output in outputs {
            if let record = routing.record(for: output) { records.append(record) }
        }
        try await publish(records)
        recordOutputLatency(since: closedAt)
        for spread in state.takeNewlySpreadModels() {
            logger.warning("model monitored on several input partitions: each monitors its share of the traffic apart (statistics and alerts per partition) and labels may miss their predictions; key predictions and labels by model (README: Deploying)",
                           metadata: ["model": "\(spread.model)", "partitions": "\(spread.partitions.map(String.init).joined(separator: ","))"])
        }
        for output in outputs {
            observer.observe(output)
            onOutput?(output)
        }
        return (records.count, evaluations)
    }

    /// Output latency: from the Kafka timestamp of the message whose arrival closed a window
    /// (by default when its producer sent it) to the acknowledgement of what the window emitted.
    private func recordOutputLatency(since timestamps: [Int64]) {
        guard !timestamps.isEmpty else { return }
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let milliseconds = timestamps.map { max(0, now - $0) }
        state.recordOutputLatency(milliseconds: milliseconds)
        metrics.recordOutputLatency(milliseconds: milliseconds)
    }

    /// Produces `records` in order and waits until the broker acknowledged all of them.
    /// A record that fails for good (librdkafka retries until `message.timeout.ms`)
    /// stops the pipeline without storing the batch's offsets: a restart re-reads it.
    private func publish(_ records: [OutputRouting.Record]) async throws {
        guard !records.isEmpty else { return }
        let failedBefore = producer.statistics.failed
        // Both block: producing waits while librdkafka's local queue is full, flushing for the acknowledgements.
        try await BlockingCalls.run { [producer] in
            for record in records {
                try producer.produce(topic: record.topic, key: record.key, value: record.value, headers: record.headers)
            }
            try producer.flush(timeout: .seconds(60))
        }
        let statistics = producer.statistics
        if statistics.failed > failedBefore {
            throw PipelineError.deliveryFailed(count: statistics.failed - failedBefore, last: statistics.lastDeliveryError)
        }
    }

    /// Writes a checkpoint for every shard that changed since its last one, each
    /// acknowledged (chunks, then manifest) before the input offsets it covers are stored.
    private func checkpoint(_ shards: inout ShardEngines, rules: RuleSet) async throws {
        guard let checkpoints, !shards.changed.isEmpty else { return }
        let start = ContinuousClock.now
        let outputTopics = routing.topics + [settings.deadLetterTopic]
        let outputPositions = try await BlockingCalls.run { try checkpoints.highWatermarks(of: outputTopics) }
        var bytes = 0
        var records: [Int] = []
        let written = shards.changed.sorted()
        for shard in written {
            let (checkpoint, placement) = shards.checkpoint(shard, rules: rules, outputPositions: outputPositions)
            let saved = try await checkpoints.save(checkpoint, shard: shard, placement: placement,
                                                   joinPageKeys: LabelJoin<JoinedPrediction>.pageKeyCount(settings.monitor.join))
            records += saved.sizes
            let covered = checkpoint.inputOffsets.filter { $0.offset >= 0 }
            if !covered.isEmpty { try consumer.storeOffsets(covered) }
            shards.markCheckpointed(shard, slot: placement.slot, joinPages: saved.manifest.joinPages, bytes: saved.sizes.reduce(0, +))
            bytes += saved.sizes.reduce(0, +)
        }
        logger.info("checkpoint written", metadata: [
            "shards": "\(written)", "bytes": "\(bytes)", "records": "\(records.count)",
            "largest_record": "\(records.max() ?? 0)", "duration": "\(ContinuousClock.now - start)",
        ])
    }

    /// Takes on the newly assigned shards: each is restored from its newest complete
    /// checkpoint (or the one before, if the newest is incomplete or unreadable) — engine,
    /// input positions (seeked), and the outputs published after the checkpoint
    /// (suppressed). A shard without a usable checkpoint starts empty only if the group
    /// never committed its offsets, or under `--on-missing-state reset` (counted);
    /// otherwise the pipeline stops with ``CheckpointError/missingState(shard:committed:stateTopic:problems:)``.
    private func restore(_ partitions: [TopicPartition], shards: inout ShardEngines, rules: RuleSet,
                         from checkpoints: CheckpointStore) async throws {
        let newShards = Set(partitions.map(\.partition)).filter { !shards.hasEngine($0) }
        guard !newShards.isEmpty else { return }
        let start = ContinuousClock.now
        let reader = try checkpoints.makeReader()
        let stored = try await checkpoints.load(newShards, using: reader)
        let newPartitions = partitions.filter { newShards.contains($0.partition) }
        let committed = try await BlockingCalls.run { [consumer] in try consumer.committed(newPartitions) }
        var found: [Int32: (stored: StoredCheckpoint, engine: MonitorEngine)] = [:]
        var fresh: [TopicPartitionOffset] = []
        for shard in newShards.sorted() {
            let shardCommitted = committed.filter { $0.topicPartition.partition == shard }
            let decision = ShardRestore.decide(shard, stored: stored, committed: shardCommitted) { checkpoint in
                try MonitorEngine(restoring: checkpoint.engine, joinPages: checkpoint.joinPageBytes, configuration: settings.monitor,
                                  rules: rules, decoder: settings.decoder)
            }
            let result: CheckpointRestoreResult
            switch decision {
            case let .checkpoint(checkpoint, engine, isLatest, skipped):
                found[shard] = (checkpoint, engine)
                result = isLatest ? .latest : .previous
                if !isLatest {
                    logger.error("shard \(shard): restoring the previous checkpoint, the newest is not usable",
                                 metadata: ["checkpoint": "\(checkpoint.location)", "skipped": "\(skipped)"])
                }
            case .fresh:
                result = .fresh
                fresh += shardCommitted
            case let .missing(problems):
                let error = CheckpointError.missingState(shard: shard, committed: shardCommitted.filter { $0.offset >= 0 },
                                                         stateTopic: checkpoints.topic, problems: problems)
                guard settings.checkpoint.onMissingState == .reset else { throw error }
                logger.critical("--on-missing-state reset: shard \(shard) starts EMPTY at the committed offsets; its windows, label join and alert states are lost",
                                metadata: ["reason": "\(error)"])
                result = .missingReset
                fresh += shardCommitted
            }
            // Numbered above anything found (an unfinished set included), in the slot that
            // does not hold the checkpoint restored.
            shards.setPlacement(CheckpointPlacement(generation: (stored.highestGeneration[shard] ?? 0) + 1,
                                                    slot: decision.nextSlot), of: shard)
            state.checkpointRestored(result)
            metrics.checkpointRestored(result)
        }
        // A shard started empty gets a checkpoint right away (a fresh engine at the committed
        // offsets), so that a crash before its first regular checkpoint still finds what
        // to suppress, and a restart finds state for the offsets it commits.
        if !fresh.isEmpty {
            for offset in fresh { shards.begin(at: offset) }
            try await checkpoint(&shards, rules: rules)
        }
        guard !found.isEmpty else { return }
        // Each output partition is read once, from the earliest position any checkpoint recorded.
        var readFrom: [TopicPartition: Int64] = [:]
        for position in found.values.flatMap(\.stored.checkpoint.outputPositions) {
            readFrom[position.topicPartition] = min(readFrom[position.topicPartition] ?? .max, position.offset)
        }
        var published: [TopicPartition: [KafkaMessage]] = [:]
        for (partition, offset) in readFrom { published[partition] = try await reader.read(partition, from: offset) }
        let assigned = Set(partitions)
        for (shard, restored) in found.sorted(by: { $0.key < $1.key }) {
            let checkpoint = restored.stored.checkpoint
            var keys = Set<String>()
            for position in checkpoint.outputPositions {
                for message in published[position.topicPartition] ?? [] where message.offset >= position.offset {
                    if let key = Suppression.key(ofPublished: message, shard: shard) { keys.insert(key) }
                }
            }
            // The previous owner cannot have processed past today's ends of the shard's inputs.
            let inputs = partitions.filter { $0.partition == shard }
            let ends = try await BlockingCalls.run { try inputs.map { ($0, try checkpoints.highWatermark(of: $0)) } }
            let until = Dictionary(ends) { _, last in last }
            // A negative offset (none committed when the shard started) leaves the consumer's reset policy in charge.
            let resumeAt = checkpoint.inputOffsets.filter { assigned.contains($0.topicPartition) && $0.offset >= 0 }
            for offset in resumeAt {
                try await BlockingCalls.run { [consumer] in try consumer.seek(offset.topicPartition, to: offset.offset) }
            }
            // The checkpoint covers them: the next commit records them (a revocation's commit may
            // have failed), so a restart resumes here and the lag is measured from here.
            if !resumeAt.isEmpty { try consumer.storeOffsets(resumeAt) }
            shards.restore(shard, engine: restored.engine, inputOffsets: checkpoint.inputOffsets,
                           suppression: Suppression(keys: keys, outputPositions: checkpoint.outputPositions, until: until))
            logger.info("shard restored from checkpoint", metadata: [
                "shard": "\(shard)", "checkpoint": "\(restored.stored.location)",
                "generation": "\(restored.stored.placement.generation)", "bytes": "\(checkpoint.engine.count)",
                "input": "\(checkpoint.inputOffsets)", "suppressing": "\(keys.count)",
                "duration": "\(ContinuousClock.now - start)",
            ])
        }
    }

    /// Returns whether the commit went through.
    @discardableResult
    private func commitStoredOffsets() async -> Bool {
        do {
            try await BlockingCalls.run { [consumer] in try consumer.commit() }
            return true
        } catch {
            // Not fatal: the offsets stay stored and the next commit sends them.
            logger.warning("offset commit failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Flushes what is in flight, commits, leaves the group.
    private func close() async {
        do {
            try await BlockingCalls.run { [producer] in try producer.flush(timeout: .seconds(5)) }
        } catch {
            logger.warning("producer flush at shutdown: \(error)")
        }
        if !crashing.current { await commitStoredOffsets() }
        await BlockingCalls.run { [consumer] in consumer.close() }
        state.revoked()
        metrics.setReady(false)
        logger.info("pipeline stopped", metadata: ["consumed": "\(state.consumed)"])
    }
}

package enum PipelineError: Error, CustomStringConvertible {
    case deliveryFailed(count: Int, last: KafkaError?)

    package var description: String {
        switch self {
        case let .deliveryFailed(count, last):
            "\(count) output message(s) could not be delivered" + (last.map { " (last error: \($0))" } ?? "")
                + "; stopping without committing their input"
        }
    }
}

/// The engines of the shards this member processes, with what their checkpoints
/// need (input positions, changes, suppression after a restore); confined to the pipeline task.
struct ShardEngines {
    private var engines: [Int32: MonitorEngine] = [:]
    private var evaluationsReported: [Int32: Int] = [:]
    /// The number of models each shard's engine had when the service state was last told.
    private var modelsReported: [Int32: Int] = [:]
    /// The values of features not in their reference each shard's engine had counted when
    /// the service state was last told.
    private var unreferencedReported: [Int32: Int] = [:]
    /// The next input offset of each partition of a shard that its engine has processed.
    private var positions: [Int32: [TopicPartition: Int64]] = [:]
    /// Shards that processed messages (or were reset) since their last checkpoint.
    private(set) var changed: Set<Int32> = []
    private var suppressions: [Int32: Suppression] = [:]
    /// Where each shard's next checkpoint goes (set when the shard is taken on).
    private var placements: [Int32: CheckpointPlacement] = [:]
    /// The label-join pages each slot of a shard holds.
    private var joinPages: [Int32: JoinPageLedger] = [:]
    private var suppressedCount = 0
    /// When each shard's last message arrived (wall clock) and its engine's event time then.
    private var lastMessage: [Int32: (at: ContinuousClock.Instant, eventTime: Int64)] = [:]
    private let configuration: MonitorConfiguration
    private let decoder: EventDecoder
    private let state: ServiceState
    /// See ``JoinPageLedger``; `nil`: its default rule.
    private let joinPageRefreshBytes: Int?

    init(configuration: MonitorConfiguration, decoder: EventDecoder, state: ServiceState, joinPageRefreshBytes: Int? = nil) {
        self.configuration = configuration
        self.decoder = decoder
        self.state = state
        self.joinPageRefreshBytes = joinPageRefreshBytes
    }

    func hasEngine(_ shard: Int32) -> Bool { engines[shard] != nil }

    mutating func engine(for shard: Int32, rules: RuleSet) -> MonitorEngine {
        if let engine = engines[shard] { return engine }
        let engine = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
        engines[shard] = engine
        evaluationsReported[shard] = 0
        return engine
    }

    /// Starts tracking a fresh shard's input partition at `offset` (negative: none committed).
    mutating func begin(at offset: TopicPartitionOffset) {
        positions[offset.topicPartition.partition, default: [:]][offset.topicPartition] = offset.offset
        changed.insert(offset.topicPartition.partition)
    }

    /// Records that a batch went through its shards' engines: `nextOffsets` holds, per
    /// partition in it, the offset after its last message (`[FetchedMessage].nextOffsets`).
    mutating func advance(to nextOffsets: [TopicPartitionOffset]) {
        let now = ContinuousClock.now
        for next in nextOffsets {
            let partition = next.topicPartition
            positions[partition.partition, default: [:]][partition] = next.offset
            changed.insert(partition.partition)
            if let eventTime = engines[partition.partition]?.eventTime { lastMessage[partition.partition] = (now, eventTime) }
        }
    }

    /// Idle timeout: the engine of a shard that has had no message for `timeout` of wall
    /// time has its event time moved on to its time at the last message plus the wall
    /// time since (Kafka Streams' wall-clock punctuation, Flink's source idleness), so its
    /// windows close, label waits expire and its performance windows are evaluated on a
    /// partition without traffic. Returns the shards whose engines emitted outputs (they
    /// are checkpointed like shards that processed messages).
    mutating func advanceIdle(after timeout: Duration, now: ContinuousClock.Instant = .now) -> [Int32] {
        var emitted: [Int32] = []
        for (shard, last) in lastMessage.sorted(by: { $0.key < $1.key }) {
            let idle = now - last.at
            guard idle >= timeout, let engine = engines[shard] else { continue }
            let before = engine.pendingOutputCount
            let (seconds, attoseconds) = idle.components
            engine.advance(to: last.eventTime + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            if engine.pendingOutputCount > before {
                emitted.append(shard)
                changed.insert(shard)
            }
        }
        return emitted
    }

    /// The shard's outputs since the last call (without those a restore suppresses), and
    /// how many windows it evaluated meanwhile.
    mutating func drain(_ shard: Int32) -> ([MonitorOutput], Int) {
        guard let engine = engines[shard] else { return ([], 0) }
        let counters = engine.counters
        state.updateEngineCounters(shard: shard, counters, join: engine.joinCounters)
        reportModels(of: engine, shard: shard)
        reportUnreferencedFeatures(of: engine, values: counters.unreferencedFeatureValues, shard: shard)
        let evaluated = counters.evaluations - (evaluationsReported[shard] ?? 0)
        evaluationsReported[shard] = counters.evaluations
        var outputs = engine.drainOutputs()
        if suppressions[shard] != nil {
            outputs.removeAll { output in suppress(Suppression.key(id: output.id), shard: shard) }
            if let until = suppressions[shard]?.until,
               until.allSatisfy({ (positions[shard]?[$0.key] ?? 0) >= $0.value }) {
                suppressions[shard] = nil  // past everything the previous owner can have processed
            }
        }
        return (outputs, evaluated)
    }

    /// Whether the output with `key` was already published by the shard's previous owner
    /// (then it is not published again).
    mutating func suppress(_ key: String, shard: Int32) -> Bool {
        guard suppressions[shard]?.keys.remove(key) != nil else { return false }
        suppressedCount += 1
        return true
    }

    mutating func takeSuppressedCount() -> Int {
        defer { suppressedCount = 0 }
        return suppressedCount
    }

    /// The shard's checkpoint. While a suppression is active its output positions stay
    /// those of the restored checkpoint, so a restore from this one still finds the
    /// previous owner's outputs.
    /// Label-join pages the slot holds already (a full page never changes) are referred to,
    /// the others encoded: after the first checkpoint of each slot, only new pages and the
    /// growing last one are written.
    /// Returns where it goes, and moves the shard's next checkpoint to the other slot.
    mutating func checkpoint(_ shard: Int32, rules: RuleSet,
                             outputPositions: [TopicPartitionOffset]) -> (ShardCheckpoint, CheckpointPlacement) {
        let inputOffsets = (positions[shard] ?? [:]).map { TopicPartitionOffset($0.key, offset: $0.value) }
            .sorted { ($0.topicPartition.topic, $0.topicPartition.partition) < ($1.topicPartition.topic, $1.topicPartition.partition) }
        let placement = placements[shard] ?? .first
        placements[shard] = placement.next
        let (state, pages) = joinPages[shard, default: JoinPageLedger(refreshBytes: joinPageRefreshBytes)]
            .checkpoint(engine(for: shard, rules: rules), at: placement)
        return (ShardCheckpoint(engine: state, joinPages: pages, inputOffsets: inputOffsets,
                                outputPositions: suppressions[shard]?.outputPositions ?? outputPositions), placement)
    }

    mutating func setPlacement(_ placement: CheckpointPlacement, of shard: Int32) { placements[shard] = placement }

    /// The shard's checkpoint in `slot` was acknowledged, with these label-join pages, in records of `bytes` in all.
    mutating func markCheckpointed(_ shard: Int32, slot: UInt8, joinPages: [JoinPageRecord], bytes: Int) {
        changed.remove(shard)
        self.joinPages[shard, default: JoinPageLedger(refreshBytes: joinPageRefreshBytes)].written(joinPages, slot: slot, bytes: bytes)
    }

    mutating func restore(_ shard: Int32, engine: MonitorEngine, inputOffsets: [TopicPartitionOffset], suppression: Suppression) {
        engines[shard] = engine
        joinPages[shard] = nil  // how long ago the slots' pages were written is not known: write them again
        evaluationsReported[shard] = engine.counters.evaluations
        state.engineRestored(shard: shard, engine.counters, join: engine.joinCounters)
        reportModels(of: engine, shard: shard)
        reportUnreferencedFeatures(of: engine, values: engine.counters.unreferencedFeatureValues, shard: shard)
        positions[shard] = Dictionary(inputOffsets.map { ($0.topicPartition, $0.offset) }) { _, last in last }
        suppressions[shard] = suppression.keys.isEmpty ? nil : suppression
    }

    /// After a rebalance: keep the engines of shards assigned again, drop the others.
    mutating func keepOnly(_ shards: Set<Int32>) {
        for shard in Set(engines.keys).union(positions.keys) where !shards.contains(shard) { drop(shard) }
    }

    /// New rules: every engine continues from its own state under `rules` (see
    /// ``MonitorEngine/init(restoring:configuration:rules:decoder:)`` for what carries over).
    /// An engine whose state cannot be carried over (not expected: it was just taken)
    /// restarts empty and says so.
    mutating func reloadEngines(rules: RuleSet, logger: Logger) {
        for (shard, engine) in engines {
            do {
                engines[shard] = try MonitorEngine(restoring: engine.checkpoint(), configuration: configuration, rules: rules,
                                                   decoder: decoder)
            } catch {
                logger.error("shard \(shard): state not carried over to the new rules; it restarts empty", metadata: ["error": "\(error)"])
                state.retireEngine(shard: shard)
                engines[shard] = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
                evaluationsReported[shard] = 0
            }
        }
        changed.formUnion(engines.keys)
    }

    /// Tells the service state which models the shard's engine monitors, when their number changed.
    private mutating func reportModels(of engine: MonitorEngine, shard: Int32) {
        guard modelsReported[shard] != engine.modelCount else { return }
        modelsReported[shard] = engine.modelCount
        state.modelsMonitored(engine.models, shard: shard)
    }

    /// Tells the service state which features of the shard's versions are not in their
    /// references, when their count of values (`values`, from the engine's counters) changed.
    private mutating func reportUnreferencedFeatures(of engine: MonitorEngine, values: Int, shard: Int32) {
        guard (unreferencedReported[shard] ?? 0) != values else { return }
        unreferencedReported[shard] = values
        state.featuresNotInReference(engine.unreferencedFeatures, shard: shard)
    }

    private mutating func drop(_ shard: Int32) {
        engines.removeValue(forKey: shard)
        modelsReported.removeValue(forKey: shard)
        unreferencedReported.removeValue(forKey: shard)
        evaluationsReported.removeValue(forKey: shard)
        positions.removeValue(forKey: shard)
        suppressions.removeValue(forKey: shard)
        placements.removeValue(forKey: shard)
        joinPages.removeValue(forKey: shard)
        lastMessage.removeValue(forKey: shard)
        changed.remove(shard)
        state.dropEngine(shard: shard)
    }
}

/// What a restored shard must not publish again: what its previous owner published
/// after the checkpoint, as keys of ``key(id:)`` and ``key(deadLetterOf:)``.
struct Suppression {
    var keys: Set<String>
    /// The restored checkpoint's output positions.
    var outputPositions: [TopicPartitionOffset]
    /// The shard's input ends at the restore: the previous owner processed nothing
    /// beyond them, so suppression ends once the shard reaches all of them.
    var until: [TopicPartition: Int64]

    static func key(id: String) -> String { "id:" + id }

    static func key(deadLetterOf message: KafkaMessage) -> String {
        "dead-letter:\(message.topic)/\(message.partition)/\(message.offset)"
    }

    /// The key of a message read back from an output topic, if it is the shard's (or,
    /// for outputs with an id, possibly the shard's: ids are unique per event).
    static func key(ofPublished message: KafkaMessage, shard: Int32) -> String? {
        func header(_ name: String) -> String? {
            message.headers.first { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        if let id = header(OutputRouting.idHeader) { return key(id: id) }
        guard let topic = header(DeadLetter.topicHeader), let partition = header(DeadLetter.partitionHeader),
              let offset = header(DeadLetter.offsetHeader), partition == String(shard) else { return nil }
        return "dead-letter:\(topic)/\(partition)/\(offset)"
    }
}

/// When the next checkpoint is due: after `interval` of wall time or `messages` messages.
struct CheckpointSchedule {
    let interval: Duration
    let messages: Int
    private var since = ContinuousClock.now
    private var processed = 0

    init(interval: Duration, messages: Int) {
        self.interval = interval
        self.messages = messages
    }

    mutating func processed(_ count: Int) { processed += count }

    var isDue: Bool { processed > 0 && (processed >= messages || ContinuousClock.now - since >= interval) }

    mutating func reset() {
        since = .now
        processed = 0
    }
}

/// How a shard newly taken on gets its state (see ``MonitorPipeline``'s restore).
enum ShardRestore {
    /// From a complete checkpoint: the newest one with a manifest (`isLatest`), or an older
    /// one because the newer were incomplete or unreadable (`skipped` says why).
    case checkpoint(StoredCheckpoint, MonitorEngine, isLatest: Bool, skipped: [String])
    /// No checkpoint, nothing committed, nothing unusable found: a shard never processed.
    case fresh
    /// Offsets committed (or checkpoint records found) but no usable checkpoint: starting
    /// empty would lose state silently.
    case missing(problems: [String])

    /// The slot of the shard's next checkpoint: not the one of the checkpoint restored.
    var nextSlot: UInt8 {
        if case let .checkpoint(stored, _, _, _) = self { return 1 - stored.placement.slot }
        return 0
    }

    /// Tries the shard's complete checkpoints newest first with `restore`, reassembling the
    /// older one only if the newest cannot be restored (``CheckpointCollector/checkpoints(of:)``).
    static func decide(_ shard: Int32, stored: CheckpointCollector, committed: [TopicPartitionOffset],
                       restore: (ShardCheckpoint) throws -> MonitorEngine) -> ShardRestore {
        var problems = stored.problems[shard] ?? []
        for assembled in stored.checkpoints(of: shard) {
            let candidate: StoredCheckpoint
            switch assembled {
            case let .success(checkpoint): candidate = checkpoint
            case let .failure(unusable):
                problems.append(unusable.description)
                continue
            }
            do {
                let engine = try restore(candidate.checkpoint)
                return .checkpoint(candidate, engine, isLatest: candidate.placement.generation == stored.newestManifest[shard],
                                   skipped: problems)
            } catch {
                problems.append("checkpoint generation \(candidate.placement.generation) at \(candidate.location): "
                                + "the engine state cannot be restored: \(error)")
            }
        }
        return committed.contains(where: { $0.offset >= 0 }) || !problems.isEmpty ? .missing(problems: problems) : .fresh
    }
}

/// How a shard's state was found when it was taken on, as counted on `/metrics`
/// (`driftwatch_checkpoint_restores_total{result}`) and `/v1/status` (`checkpointRestores`).
package enum CheckpointRestoreResult: String, Sendable, CaseIterable {
    /// The newest complete checkpoint.
    case latest
    /// The one before: the newest was incomplete or could not be restored.
    case previous
    /// None usable although offsets were committed: started empty (`--on-missing-state reset`).
    case missingReset = "missing_reset"
    /// No checkpoint and no committed offsets: a shard never processed before.
    case fresh
}
