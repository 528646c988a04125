import Kafka
import Logging
import Monitor
import ServiceLifecycle

/// The serve pipeline: consumer → engines → producer, at least once.
///
/// The consumer's poll thread hands batches through its bounded event buffer (so a
/// slow engine holds back fetching). Each batch is one step: every message goes
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
/// A model split over several partitions is monitored per partition. A shard's engine
/// lives while the shard is assigned; an eager rebalance that gives a shard straight
/// back keeps its engine (nobody else processed it in between), otherwise it is
/// dropped. This per-shard unit is what a checkpoint will save and restore.
public final class MonitorPipeline: Service {
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

    /// - Parameter onOutput: sees every engine output after it was acknowledged (the demo prints alerts with it).
    public init(consumer: KafkaConsumer, producer: KafkaProducer, settings: ServeSettings, rules: RuleSet,
                state: ServiceState, metrics: ServiceMetrics, logger: Logger,
                onOutput: (@Sendable (MonitorOutput) -> Void)? = nil) {
        self.consumer = consumer
        self.producer = producer
        self.settings = settings
        routing = OutputRouting(alertsTopic: settings.alertsTopic, retrainTopic: settings.retrainTopic,
                                metricsTopic: settings.metricsTopic)
        self.state = state
        self.metrics = metrics
        observer = OutputObserver(state: state, metrics: metrics)
        self.onOutput = onOutput
        self.logger = logger
        self.rules = Protected((rules, 0))
        state.setRulesDigest(rules.rulesDigest)
    }

    /// Swaps the rules. The engine takes its rules at creation and cannot change them
    /// in place yet, so every engine is rebuilt with the new rules at the next batch
    /// boundary: windows, references built from the stream and alert states start
    /// afresh (offsets processed so far stay committed).
    /// Returns `false` (and changes nothing) when the new rules have the running rules' digest.
    @discardableResult
    public func reload(rules newRules: RuleSet) -> Bool {
        let changed = rules.withLock { current in
            guard current.ruleSet.rulesDigest != newRules.rulesDigest else { return false }
            current = (newRules, current.generation + 1)
            return true
        }
        if changed { state.setRulesDigest(newRules.rulesDigest) }
        return changed
    }

    public func run() async throws {
        try consumer.subscribe(settings.inputTopics)
        logger.info("consuming", metadata: ["topics": "\(settings.inputTopics)", "group": "\(settings.group)"])
        try await withGracefulShutdownHandler {
            try await consumeUntilStopped()
        } onGracefulShutdown: { [stopping] in
            stopping.withLock { $0 = true }
        }
    }

    /// Stops after the batch in progress (also what a graceful shutdown does).
    public func stop() { stopping.withLock { $0 = true } }

    private func consumeUntilStopped() async throws {
        var shards = ShardEngines(configuration: settings.monitor, decoder: settings.decoder, state: state)
        var rulesGeneration = 0
        var lastCommit = ContinuousClock.now
        defer { close() }
        while !stopping.current, !Task.isCancelled {
            let current = rules.current
            if current.generation != rulesGeneration {
                rulesGeneration = current.generation
                shards.dropAll()
                logger.info("rules reloaded; monitoring state restarts", metadata: ["rules_digest": "\(current.ruleSet.rulesDigest)"])
            }
            if let event = try await consumer.nextEvent(timeout: .milliseconds(200)) {
                switch event {
                case let .messages(batch):
                    try process(batch, shards: &shards, rules: current.ruleSet)
                case let .partitionsAssigned(partitions):
                    logger.info("partitions assigned", metadata: ["partitions": "\(partitions)"])
                    shards.keepOnly(Set(partitions.map(\.partition)))
                    state.assigned(partitions)
                    metrics.setReady(state.isReady)
                case let .partitionsRevoked(partitions):
                    logger.info("partitions revoked", metadata: ["partitions": "\(partitions)"])
                    // Everything processed is acknowledged and stored: commit before the partitions move.
                    commitStoredOffsets()
                    lastCommit = .now
                    state.revoked()
                    metrics.setReady(false)
                }
            } else if consumer.isClosed {
                break
            }
            if ContinuousClock.now - lastCommit >= settings.commitInterval {
                commitStoredOffsets()
                lastCommit = .now
            }
        }
    }

    /// One at-least-once step: process, publish, wait for acknowledgement, store offsets.
    private func process(_ batch: [KafkaMessage], shards: inout ShardEngines, rules: RuleSet) throws {
        let start = ContinuousClock.now
        var records: [OutputRouting.Record] = []
        var touched: [Int32] = []
        var deadLetters = 0
        for message in batch {
            let engine = shards.engine(for: message.partition, rules: rules)
            if !touched.contains(message.partition) { touched.append(message.partition) }
            let rejection = message.value.withUnsafeBufferPointer { engine.process(message: $0) }
            if let rejection {
                deadLetters += 1
                metrics.rejected(reason: rejection.code)
                records.append(DeadLetter.record(for: message, rejection: rejection, topic: settings.deadLetterTopic))
            }
        }
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
        try publish(records)
        for output in outputs {
            observer.observe(output)
            onOutput?(output)
        }
        try consumer.storeOffsets(for: batch)
        state.recordBatch(consumed: batch.count, deadLetters: deadLetters, published: records.count)
        metrics.recordBatch(consumed: batch.count, deadLetters: deadLetters, published: records.count,
                            evaluations: evaluations, duration: ContinuousClock.now - start)
    }

    /// Produces `records` in order and waits until the broker acknowledged all of them.
    /// A record that fails for good (librdkafka retries until `message.timeout.ms`)
    /// stops the pipeline without storing the batch's offsets: a restart re-reads it.
    private func publish(_ records: [OutputRouting.Record]) throws {
        guard !records.isEmpty else { return }
        let failedBefore = producer.statistics.failed
        for record in records {
            try producer.produce(topic: record.topic, key: record.key, value: record.value, headers: record.headers)
        }
        try producer.flush(timeout: .seconds(60))
        let statistics = producer.statistics
        if statistics.failed > failedBefore {
            throw PipelineError.deliveryFailed(count: statistics.failed - failedBefore, last: statistics.lastDeliveryError)
        }
    }

    private func commitStoredOffsets() {
        do {
            try consumer.commit()
        } catch {
            // Not fatal: the offsets stay stored and the next commit sends them.
            logger.warning("offset commit failed", metadata: ["error": "\(error)"])
        }
    }

    /// Flushes what is in flight, commits, leaves the group.
    private func close() {
        do { try producer.flush(timeout: .seconds(5)) } catch { logger.warning("producer flush at shutdown: \(error)") }
        commitStoredOffsets()
        consumer.close()
        state.revoked()
        metrics.setReady(false)
        logger.info("pipeline stopped", metadata: ["consumed": "\(state.status.counters.consumed)"])
    }
}

public enum PipelineError: Error, CustomStringConvertible {
    case deliveryFailed(count: Int, last: KafkaError?)

    public var description: String {
        switch self {
        case let .deliveryFailed(count, last):
            "\(count) output message(s) could not be delivered" + (last.map { " (last error: \($0))" } ?? "")
                + "; stopping without committing their input"
        }
    }
}

/// The engines of the shards this member processes, confined to the pipeline task.
struct ShardEngines {
    private var engines: [Int32: MonitorEngine] = [:]
    private var evaluationsReported: [Int32: Int] = [:]
    private let configuration: MonitorConfiguration
    private let decoder: EventDecoder
    private let state: ServiceState

    init(configuration: MonitorConfiguration, decoder: EventDecoder, state: ServiceState) {
        self.configuration = configuration
        self.decoder = decoder
        self.state = state
    }

    mutating func engine(for shard: Int32, rules: RuleSet) -> MonitorEngine {
        if let engine = engines[shard] { return engine }
        let engine = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
        engines[shard] = engine
        evaluationsReported[shard] = 0
        return engine
    }

    /// The shard's outputs since the last call, and how many windows it evaluated meanwhile.
    mutating func drain(_ shard: Int32) -> ([MonitorOutput], Int) {
        guard let engine = engines[shard] else { return ([], 0) }
        let counters = engine.counters
        state.updateEngineCounters(shard: shard, counters)
        let evaluated = counters.evaluations - (evaluationsReported[shard] ?? 0)
        evaluationsReported[shard] = counters.evaluations
        return (engine.drainOutputs(), evaluated)
    }

    /// After a rebalance: keep the engines of shards assigned again, drop the others.
    mutating func keepOnly(_ shards: Set<Int32>) {
        for shard in engines.keys where !shards.contains(shard) { drop(shard) }
    }

    mutating func dropAll() {
        for shard in engines.keys { drop(shard) }
    }

    private mutating func drop(_ shard: Int32) {
        engines.removeValue(forKey: shard)
        evaluationsReported.removeValue(forKey: shard)
        state.retireEngine(shard: shard)
    }
}
