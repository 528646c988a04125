import Hummingbird
import Kafka
import Logging
import Monitor
import MonitorCore
import ServiceLifecycle
import UnixSignals

/// `driftwatch serve` as a library: the pipeline, the health checks, the HTTP server
/// and the SIGHUP rule reloader, run as one swift-service-lifecycle `ServiceGroup`.
///
/// SIGTERM or SIGINT (or ``shutdown()``) shuts it down gracefully: the pipeline stops
/// after its current batch, flushes the producer, commits the offsets and leaves the
/// group; then the HTTP server stops. `run()` returns when everything has stopped.
package final class MonitorService: Sendable {
    package let settings: ServeSettings
    package let state: ServiceState
    package let metrics: ServiceMetrics
    /// `bootstrap.servers` in use (the embedded broker's when none was given).
    package let bootstrapServers: String
    package let pipeline: MonitorPipeline
    /// Retraining triggers waiting for approval, and decisions (`/v1/retrain`).
    package let retrainDesk: RetrainDesk
    private let embeddedBroker: EmbeddedBroker?
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let checkpoints: CheckpointStore?
    private let group: ServiceGroup
    private let boundPort = Protected<Int?>(nil)
    private let logger: Logger

    /// Creates the clients (and the embedded broker and its topics when `settings.brokers` is nil).
    /// - Parameters:
    ///   - handleSignals: trap SIGTERM/SIGINT for graceful shutdown and SIGHUP for rule reloads (off in tests).
    ///   - onOutput: sees every engine output once it is acknowledged.
    package init(settings: ServeSettings, rules: RuleSet, handleSignals: Bool = true, logger: Logger,
                onOutput: (@Sendable (MonitorOutput) -> Void)? = nil) throws {
        self.settings = settings
        self.logger = logger
        let state = ServiceState()
        self.state = state
        metrics = ServiceMetrics(maximumMetricSeries: settings.maximumMetricSeries, engineCounts: { state.engineCountTotals })
        var kafkaLogger = logger
        kafkaLogger.logLevel = max(logger.logLevel, .notice)  // librdkafka's info lines (assignments) are logged by the pipeline
        if let brokers = settings.brokers {
            bootstrapServers = brokers
            embeddedBroker = nil
        } else {
            let broker = try EmbeddedBroker(brokers: 1, logger: kafkaLogger)
            for topic in settings.inputTopics + settings.outputTopics {
                try broker.createTopic(topic, partitions: settings.embeddedPartitions)
            }
            if let stateTopic = settings.stateTopic {
                try broker.createTopic(stateTopic, partitions: settings.statePartitions)
            }
            bootstrapServers = broker.bootstrapServers
            embeddedBroker = broker
            logger.notice("no --brokers given: started an embedded broker (librdkafka mock cluster) in-process",
                          metadata: ["bootstrap": "\(broker.bootstrapServers)", "topics": "\(settings.inputTopics + settings.outputTopics)"])
        }
        consumer = try KafkaConsumer(
            config: settings.kafkaConfig(.consumer, bootstrap: bootstrapServers, settings.consumerProperties.merging([
                "group.id": settings.group,
                "auto.offset.reset": "earliest",
                // Event-time alignment waits for a partition only until it is at its end.
                "enable.partition.eof": "true",
            ]) { own, _ in own }),
            maxBatchSize: settings.maxBatchSize, logger: kafkaLogger)
        // Checkpoint records stay under `checkpoint.max_record_bytes` (900 kB by default).
        producer = try KafkaProducer(config: settings.kafkaConfig(.producer, bootstrap: bootstrapServers, [
            "message.max.bytes": String(settings.stateRecordLimit),
        ]), logger: kafkaLogger)
        if let stateTopic = settings.stateTopic {
            if settings.brokers != nil {
                try Self.createIfMissing(stateTopic: stateTopic, settings: settings, bootstrap: bootstrapServers,
                                         producer: producer, logger: logger)
            }
            checkpoints = try CheckpointStore(topic: stateTopic, group: settings.group,
                                              maximumRecordBytes: settings.checkpoint.maximumRecordBytes, config: settings.kafkaConfig(.consumer, bootstrap: bootstrapServers),
                                              producer: producer, logger: kafkaLogger)
        } else {
            checkpoints = nil
        }
        // The latest event of each alert, for `GET /v1/alerts/{fingerprint}`.
        let alertEvents = AlertEventLog(metrics: metrics)
        let alertmanager = settings.alertmanager.urls.isEmpty
            ? nil : AlertmanagerClient(settings: settings.alertmanager, registry: metrics.registry, logger: logger)
        let registry = metrics.registry
        let webhook = try settings.retrainWebhook.url.map {
            try RetrainWebhook(url: $0, settings: settings.retrainWebhook, registry: registry, logger: logger)
        }
        let retrain = RetrainDesk(
            ledger: RetrainLedger(limits: settings.retrainLimits, registry: registry), producer: producer,
            routing: settings.outputRouting,
            webhook: webhook, adminToken: settings.adminToken, logger: logger)
        retrainDesk = retrain
        let retrainReader = try TopicFollower(
            topic: settings.retrainTopic,
            config: settings.kafkaConfig(.consumer, bootstrap: bootstrapServers, ["group.id": "\(settings.group)-retrain-reader"]),
            sink: retrain, logger: kafkaLogger)
        let boundPort = self.boundPort
        let generatorBase = { @Sendable in
            settings.alertmanager.externalURL ?? "http://\(settings.httpHost):\(boundPort.current ?? settings.httpPort)"
        }
        pipeline = MonitorPipeline(consumer: consumer, producer: producer, settings: settings, rules: rules, state: state,
                                   metrics: metrics, logger: logger, checkpoints: checkpoints, onOutput: { output in
            if case let .alert(alert) = output.event { alertEvents.record(fingerprint: alert.fingerprint, json: output.json) }
            if case let .retrain(trigger) = output.event { retrain.published(trigger) }
            onOutput?(output)
        })
        let health = HealthMonitor(consumer: consumer, state: state, metrics: metrics, interval: settings.healthInterval,
                                   logger: logger)
        let application = Application(
            router: HTTPEndpoints.router(state: state, metrics: metrics, alertEvents: alertEvents, retrain: retrain),
            configuration: ApplicationConfiguration(address: .hostname(settings.httpHost, port: settings.httpPort),
                                                    serverName: "driftwatch"),
            onServerRunning: { channel in boundPort.withLock { $0 = channel.localAddress?.port } },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // The pipeline ending (stopped, or failed) ends the service.
            .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: health),
            .init(service: application),
            .init(service: retrainReader),
        ]
        if let alertmanager {
            // Alertmanager hears every alert from the alerts topic, whichever member published it.
            let feed = AlertmanagerFeed(client: alertmanager, generatorBase: generatorBase, logger: logger)
            let follower = try TopicFollower(
                topic: settings.alertsTopic,
                config: settings.kafkaConfig(.consumer, bootstrap: bootstrapServers, ["group.id": "\(settings.group)-alert-reader"]),
                sink: feed, logger: kafkaLogger)
            services.append(.init(service: alertmanager))
            services.append(.init(service: follower))
        }
        if let webhook { services.append(.init(service: webhook)) }
        if handleSignals {
            services.append(.init(service: RulesReloader(paths: settings.rulePaths, pipeline: pipeline, logger: logger)))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        if handleSignals { configuration.gracefulShutdownSignals = [.sigterm, .sigint] }
        group = ServiceGroup(configuration: configuration)
    }

    /// Creates the state topic, compacted, with the input's partition count, unless it
    /// exists; warns when an existing one has fewer partitions than the input (shards then
    /// share state partitions, and a restore reads the others' records too). (The embedded
    /// broker's mock cannot create topics on request: its topics are created directly.)
    private static func createIfMissing(stateTopic: String, settings: ServeSettings, bootstrap: String,
                                        producer: KafkaProducer, logger: Logger) throws {
        let metadata = try producer.metadata()
        let inputPartitions = settings.inputTopics.compactMap { metadata.topic($0)?.partitions.count }.filter { $0 > 0 }
        let partitions = settings.statePartitionCount(inputPartitionCounts: inputPartitions)
        if let topic = metadata.topic(stateTopic), !topic.partitions.isEmpty {
            if let input = inputPartitions.max(), topic.partitions.count < input {
                logger.warning("the state topic has fewer partitions than the input: shards share state partitions and restores read more",
                               metadata: ["topic": "\(stateTopic)", "partitions": "\(topic.partitions.count)", "input_partitions": "\(input)"])
            }
            return
        }
        let admin = try KafkaAdmin(config: settings.kafkaConfig(.producer, bootstrap: bootstrap), logger: logger)
        defer { admin.close() }
        do {
            try admin.createTopic(stateTopic, partitions: partitions, config: [
                "cleanup.policy": "compact", "max.message.bytes": String(settings.stateRecordLimit),
            ])
            logger.notice("created the state topic", metadata: ["topic": "\(stateTopic)", "partitions": "\(partitions)"])
        } catch let error as KafkaError where error.errorCode == .topicAlreadyExists {
            return
        } catch {
            throw CheckpointError.topicNotCreated(topic: stateTopic, partitions: partitions,
                                                  recordLimit: settings.stateRecordLimit, reason: "\(error)")
        }
    }

    /// The HTTP server's port once it listens (useful with port 0).
    package var httpPort: Int? { boundPort.current }

    /// Runs until shut down; rethrows the pipeline's failure, if any.
    package func run() async throws {
        do {
            try await group.run()
        } catch {
            await closeClients()
            throw error
        }
        await closeClients()
    }

    /// Flushes and closes the clients (blocking librdkafka calls: off the cooperative pool).
    private func closeClients() async {
        await BlockingCalls.run { [producer, consumer, checkpoints] in
            producer.close(timeout: .seconds(5))
            consumer.close()
            checkpoints?.close()
        }
        withExtendedLifetime(embeddedBroker) {}
    }

    package func shutdown() async {
        await group.triggerGracefulShutdown()
    }
}

/// Reloads the rules on SIGHUP. An invalid rule set is rejected with its errors logged,
/// and the running rules stay.
struct RulesReloader: Service {
    let paths: [String]
    let pipeline: MonitorPipeline
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        switch RuleLoader.load(paths: paths) {
        case let .success(rules):
            if pipeline.reload(rules: rules) {
                logger.notice("SIGHUP: rules reloaded", metadata: ["rules": "\(rules.rules.count)", "rules_digest": "\(rules.rulesDigest)"])
            } else {
                logger.notice("SIGHUP: rules unchanged", metadata: ["rules_digest": "\(rules.rulesDigest)"])
            }
        case let .failure(failure):
            for error in failure.errors { logger.error("SIGHUP: \(error)") }
            logger.error("SIGHUP: the new rules have \(failure.errors.count) error(s); keeping the running rules")
        }
    }
}
