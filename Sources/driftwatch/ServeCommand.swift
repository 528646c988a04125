import ArgumentParser
import Foundation
import Logging
import Monitor
import MonitorCore
import Service

/// `driftwatch serve`: the long-running monitor on Kafka.
///
/// Every setting is a flag, or a `DRIFTWATCH_…` environment variable (the flag's name
/// in upper case with `_` for `-`, e.g. `DRIFTWATCH_ALERTS_TOPIC`; lists are
/// comma-separated; librdkafka properties go in `DRIFTWATCH_KAFKA_PROPERTIES` as
/// `key=value;key=value`). Precedence: flag, then environment, then configuration
/// file, then default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the monitor as a Kafka service: events in, alerts, retraining triggers and metrics out.",
        discussion: """
        Without --brokers an embedded broker (librdkafka's mock cluster) is started in-process, for trying it out.
        HTTP: /metrics (Prometheus), /healthz, /readyz, /v1/status, /v1/alerts/{fingerprint}, /v1/retrain. SIGTERM/SIGINT: graceful shutdown.
        SIGHUP: reload the rules (an invalid rule set is rejected and the running rules stay).
        """
    )

    @Option(help: "Configuration file (YAML). Flags and DRIFTWATCH_* variables override it.")
    var config: String?

    @Option(help: "Bootstrap servers (host:port,...). Without it an embedded broker is started in-process.")
    var brokers: String?

    @Option(help: "Consumer group id (default driftwatch).")
    var group: String?

    @Option(name: .customLong("input-topic"), help: "Topic of prediction and/or label events (repeatable; default predictions).")
    var inputTopics: [String] = []

    @Option(help: "Topic for alert events (default driftwatch-alerts).")
    var alertsTopic: String?

    @Option(help: "Topic for retraining triggers (default driftwatch-retrain).")
    var retrainTopic: String?

    @Option(help: "Topic for rejected messages, with their original bytes (default driftwatch-dead-letters).")
    var deadLetterTopic: String?

    @Option(help: "Topic for metric events (default: not published to Kafka).")
    var metricsTopic: String?

    @Option(help: "Compacted topic of engine checkpoints, or 'none' for no checkpoints (default driftwatch-state).")
    var stateTopic: String?

    @Option(help: "Checkpoint at least this often, wall time (default 10s).")
    var checkpointInterval: String?

    @Option(help: "Checkpoint at least every this many messages (default 1000000).")
    var checkpointMessages: Int?

    @Option(help: "Largest state-topic record a checkpoint is split into, in bytes (default 900000).")
    var checkpointMaxRecordBytes: Int?

    @Option(help: "A shard with committed offsets but no usable checkpoint: fail (stop, naming it) or reset (start it empty there; counted) (default fail).")
    var onMissingState: String?

    @Option(help: "Move an idle partition's event time on with the wall clock after this long without messages, e.g. 10m (default: never).")
    var idleTimeout: String?

    @Option(help: "Event-time alignment: how long a task waits for an input partition with nothing fetched (not at its end) before processing its other partitions out of order, e.g. 5s (default 5s; 0 never waits).")
    var maxTaskIdle: String?

    @Option(help: "Event-time alignment: messages an input partition buffers before it is paused (resumed below half) (default 8192).")
    var alignmentBuffer: Int?

    @Option(name: .customLong("rules"), help: "Rule files or directories (repeatable; default rules).")
    var rulePaths: [String] = []

    @Option(help: "Reference profile (from `driftwatch profile`) for every model and version.")
    var reference: String?

    @Option(help: "HTTP listen address host:port (default 127.0.0.1:9464).")
    var http: String?

    @Option(help: "Most series of monitor values and firing alerts on /metrics; more are counted in driftwatch_metric_series_dropped_total (default 2000).")
    var maxMetricSeries: Int?

    @Option(name: .customLong("alertmanager-url"), help: "Push alerts to this Alertmanager (http://host:9093; repeatable: every alert goes to each member of an HA pair).")
    var alertmanagerURLs: [String] = []

    @Option(help: "Send every firing alert to Alertmanager again this often, with endsAt = now + 4 × this (default 1m).")
    var alertmanagerResend: String?

    @Option(help: "The URL people reach serve's HTTP endpoints at: the base of each alert's generatorURL (default http://<--http address>).")
    var externalURL: String?

    @Option(help: "Decode messages in Confluent Schema Registry framing (Avro or JSON Schema) with schemas from this registry (http://host:8081).")
    var schemaRegistry: String?

    @Option(help: ArgumentHelp("Basic authentication for the schema registry, as user:password (prefer the environment variable DRIFTWATCH_SCHEMA_REGISTRY_BASIC_AUTH).", valueName: "user:password"))
    var schemaRegistryBasicAuth: String?

    @Option(help: "Bearer token for the schema registry (prefer the environment variable DRIFTWATCH_SCHEMA_REGISTRY_BEARER_TOKEN).")
    var schemaRegistryBearerToken: String?

    @OptionGroup var window: WindowOptions

    @OptionGroup var retrain: RetrainOptions

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property key=value (repeatable), e.g. -X security.protocol=SASL_SSL: for every client it applies to (librdkafka's C/P column), or for one with consumer.KEY / producer.KEY.", valueName: "key=value"))
    var properties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    @Option(help: "Log format: text, or json (one object per line: time, level, logger, message, source, metadata).")
    var logFormat: String?

    func run() async throws {
        let environment = SettingEnvironment(ProcessInfo.processInfo.environment)
        let logger = try Self.bootstrapLogging(level: logLevel ?? environment["LOG_LEVEL"] ?? "info",
                                               format: logFormat ?? environment["LOG_FORMAT"] ?? "text")
        var settings = ServeSettings()
        if let path = config ?? environment["CONFIG"] {
            let file = try ConfigurationFile.load(path)
            settings.monitor = file.monitor
            settings.decoder = file.decoder
            settings.checkpoint = file.checkpoint
            settings.maximumMetricSeries = file.maximumMetricSeries
        }
        settings.brokers = brokers ?? environment["BROKERS"] ?? settings.brokers
        settings.group = group ?? environment["GROUP"] ?? settings.group
        settings.inputTopics = environment.list(inputTopics, "INPUT_TOPIC") ?? settings.inputTopics
        settings.alertsTopic = alertsTopic ?? environment["ALERTS_TOPIC"] ?? settings.alertsTopic
        settings.retrainTopic = retrainTopic ?? environment["RETRAIN_TOPIC"] ?? settings.retrainTopic
        settings.deadLetterTopic = deadLetterTopic ?? environment["DEAD_LETTER_TOPIC"] ?? settings.deadLetterTopic
        settings.metricsTopic = metricsTopic ?? environment["METRICS_TOPIC"] ?? settings.metricsTopic
        switch stateTopic ?? environment["STATE_TOPIC"] {
        case "none": settings.stateTopic = nil
        case let topic?: settings.stateTopic = topic
        case nil: break
        }
        if let interval = checkpointInterval ?? environment["CHECKPOINT_INTERVAL"] {
            settings.checkpointInterval = .milliseconds(try WindowOptions.duration(interval, "--checkpoint-interval"))
        }
        if let timeout = idleTimeout ?? environment["IDLE_TIMEOUT"] {
            settings.idleTimeout = .milliseconds(try WindowOptions.duration(timeout, "--idle-timeout"))
        }
        if let idle = maxTaskIdle ?? environment["MAX_TASK_IDLE"] {
            settings.maxTaskIdle = .milliseconds(try WindowOptions.duration(idle, "--max-task-idle"))
        }
        if let messages = alignmentBuffer ?? environment["ALIGNMENT_BUFFER"].flatMap({ Int($0) }) {
            guard messages > 0 else { throw ValidationError("--alignment-buffer must be positive") }
            settings.alignmentBufferMessages = messages
        }
        if let messages = checkpointMessages ?? environment["CHECKPOINT_MESSAGES"].flatMap({ Int($0) }) {
            guard messages > 0 else { throw ValidationError("--checkpoint-messages must be positive") }
            settings.checkpointMessages = messages
        }
        if let bytes = checkpointMaxRecordBytes ?? environment["CHECKPOINT_MAX_RECORD_BYTES"].flatMap({ Int($0) }) {
            let range = CheckpointOptions.maximumRecordBytesRange
            guard range.contains(bytes) else {
                throw ValidationError("--checkpoint-max-record-bytes must be in \(range.lowerBound)...\(range.upperBound)")
            }
            settings.checkpoint.maximumRecordBytes = bytes
        }
        if let policy = onMissingState ?? environment["ON_MISSING_STATE"] {
            guard let value = CheckpointOptions.MissingState(rawValue: policy) else {
                throw ValidationError("--on-missing-state '\(policy)': expected fail or reset")
            }
            settings.checkpoint.onMissingState = value
        }
        if let series = maxMetricSeries ?? environment["MAX_METRIC_SERIES"].flatMap({ Int($0) }) {
            let range = DriftwatchConfiguration.maximumMetricSeriesRange
            guard range.contains(series) else {
                throw ValidationError("--max-metric-series must be in \(range.lowerBound)...\(range.upperBound)")
            }
            settings.maximumMetricSeries = series
        }
        do {
            settings.alertmanager.urls = try (environment.list(alertmanagerURLs, "ALERTMANAGER_URL") ?? [])
                .map(AlertmanagerSettings.validated(url:))
        } catch { throw ValidationError(error.description) }
        if let resend = alertmanagerResend ?? environment["ALERTMANAGER_RESEND"] {
            let milliseconds = try WindowOptions.duration(resend, "--alertmanager-resend")
            guard milliseconds > 0 else { throw ValidationError("--alertmanager-resend must be positive") }
            settings.alertmanager.resendInterval = .milliseconds(milliseconds)
        }
        settings.alertmanager.externalURL = externalURL ?? environment["EXTERNAL_URL"]
        if let url = schemaRegistry ?? environment["SCHEMA_REGISTRY"] {
            var registry: SchemaRegistrySettings
            do { registry = SchemaRegistrySettings(url: try SchemaRegistrySettings.validated(url: url)) } catch { throw ValidationError(error.description) }
            switch (schemaRegistryBasicAuth ?? environment["SCHEMA_REGISTRY_BASIC_AUTH"],
                    schemaRegistryBearerToken ?? environment["SCHEMA_REGISTRY_BEARER_TOKEN"]) {
            case (nil, nil): break
            case let (userInfo?, nil):
                guard userInfo.contains(":") else { throw ValidationError("--schema-registry-basic-auth: expected user:password") }
                registry.authorization = .basic(userInfo: userInfo)
            case let (nil, token?): registry.authorization = .bearer(token: token)
            case (_?, _?): throw ValidationError("--schema-registry-basic-auth and --schema-registry-bearer-token exclude each other")
            }
            settings.schemaRegistry = registry
        }
        settings.rulePaths = environment.list(rulePaths, "RULES") ?? settings.rulePaths
        if let address = http ?? environment["HTTP"] {
            do { try settings.setHTTPAddress(address) } catch { throw ValidationError(error.description) }
        }
        let propertyArguments = properties.isEmpty
            ? (environment["KAFKA_PROPERTIES"].map { $0.split(separator: ";").map(String.init) } ?? []) : properties
        for (key, value) in try parseProperties(propertyArguments).sorted(by: { $0.key < $1.key }) { settings.setKafkaProperty(key, value) }
        if settings.brokers == nil {
            // The mock's rebalances wait session.timeout.ms, and it answers a fetch at the
            // log end only after fetch.wait.max.ms (500 ms by default).
            settings.consumerProperties["session.timeout.ms"] = "6000"
            settings.consumerProperties["fetch.wait.max.ms"] = "10"
        }
        try window.apply(to: &settings.monitor, environment: environment)
        try retrain.apply(to: &settings, environment: environment)
        if let reference = reference ?? environment["REFERENCE"] {
            settings.monitor.references.set(try ProfileFile.load(reference), identifier: URL(fileURLWithPath: reference).lastPathComponent)
        }
        let rules = try loadRules(settings.rulePaths)
        for gap in MonitorEngine.referenceGaps(configuration: settings.monitor, rules: rules)
            + MonitorEngine.modelTypeGaps(configuration: settings.monitor, rules: rules) { logger.warning("\(gap)") }

        let service = try MonitorService(settings: settings, rules: rules, logger: logger)
        logger.notice("driftwatch serve started", metadata: [
            "brokers": "\(service.bootstrapServers)", "group": "\(settings.group)", "inputs": "\(settings.inputTopics)",
            "http": "\(settings.httpHost):\(settings.httpPort)", "rules_digest": "\(rules.rulesDigest)",
        ])
        try await service.run()
        logger.notice("driftwatch serve stopped", metadata: ["consumed": "\(service.state.consumed)"])
    }

    static func bootstrapLogging(level: String, format: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: level) else {
            throw ValidationError("log level '\(level)': expected one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        switch format {
        case "text":
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case "json":
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        default:
            throw ValidationError("log format '\(format)': expected text or json")
        }
        var logger = Logger(label: "driftwatch.serve")
        logger.logLevel = level
        return logger
    }
}

/// Loads rules or fails with every error printed (nothing is started on invalid rules).
func loadRules(_ paths: [String]) throws -> RuleSet {
    switch RuleLoader.load(paths: paths) {
    case let .success(rules): return rules
    case let .failure(failure):
        for error in failure.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
        throw CommandFailure("the rules have \(failure.errors.count) error(s)")
    }
}


/// `DRIFTWATCH_…` environment variables.
struct SettingEnvironment {
    private let variables: [String: String]

    init(_ variables: [String: String]) { self.variables = variables }

    subscript(name: String) -> String? {
        variables["DRIFTWATCH_" + name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The flag's values if any were given, else the variable's comma-separated values.
    func list(_ flagValues: [String], _ name: String) -> [String]? {
        if !flagValues.isEmpty { return flagValues }
        return self[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }
}

