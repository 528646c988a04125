import Kafka
import Monitor
import MonitorCore

/// Everything `driftwatch serve` needs to run, however it was given (flags,
/// `DRIFTWATCH_…` environment variables, or later the YAML configuration file:
/// a loader fills this struct and the service does not care where values came from).
package struct ServeSettings: Sendable {
    /// Bootstrap servers; `nil` starts an `EmbeddedBroker` in-process.
    package var brokers: String?
    package var group = "driftwatch"
    /// Topics of prediction and label events (they may share one topic). Partition
    /// `n` of every input topic feeds the same engine (see ``MonitorPipeline``).
    package var inputTopics: [String] = ["predictions"]
    package var alertsTopic = "driftwatch-alerts"
    package var retrainTopic = "driftwatch-retrain"
    package var deadLetterTopic = "driftwatch-dead-letters"
    /// Where metric events go; `nil`: not published to Kafka (still on `/metrics`).
    package var metricsTopic: String?
    /// Rule files or directories, reloaded on SIGHUP.
    package var rulePaths: [String] = ["rules"]
    /// The engine configuration (windows, label join, references, caps).
    package var monitor = MonitorConfiguration()
    /// Field mapping and limits for decoding input messages.
    package var decoder = EventDecoder()
    /// HTTP listen address of `/metrics`, `/healthz`, `/readyz`, `/v1/status`; port 0 picks a free port.
    package var httpHost = "127.0.0.1"
    package var httpPort = 9464
    /// librdkafka properties for every client, passed through unchanged (SASL, SSL, ...).
    package var kafkaProperties: [String: String] = [:]
    /// librdkafka properties for the consumer only (e.g. `session.timeout.ms`), under `kafkaProperties`.
    package var consumerProperties: [String: String] = [:]
    /// The user's properties for one client only (`-X consumer.KEY=V`, `-X producer.KEY=V`),
    /// over everything else.
    package var consumerOverrides: [String: String] = [:]
    package var producerOverrides: [String: String] = [:]
    /// How often stored offsets are committed (they are also committed on revocation and shutdown).
    package var commitInterval: Duration = .seconds(2)
    /// Compacted topic of engine checkpoints (key `<group>/<shard>`); `nil`: no
    /// checkpoints (state restarts empty, input offsets are stored after each batch).
    package var stateTopic: String? = "driftwatch-state"
    /// Checkpoint every this much wall time or `checkpointMessages` messages, whichever
    /// comes first (also on revocation and at shutdown).
    package var checkpointInterval: Duration = .seconds(10)
    package var checkpointMessages = 1_000_000
    /// The largest state record a checkpoint is split into, and what to do with a shard
    /// whose offsets were committed but whose checkpoint is missing (`checkpoint` section).
    package var checkpoint = CheckpointOptions()
    /// Processing-time idle timeout: a partition without messages for this long has its
    /// engine's event time moved on with the wall clock (see `ShardEngines.advanceIdle`),
    /// so its windows close without traffic. `nil` (the default): event time moves only
    /// with the input, and serve's outputs equal a replay's (before its end-of-input flush).
    package var idleTimeout: Duration?
    /// Event-time alignment (``TaskAlignment``): how long a task whose input partition has
    /// nothing fetched (and is not at its end) waits for it before processing its other
    /// partitions out of order (Kafka Streams' `max.task.idle.ms`). A partition at its end
    /// is never waited for, so this costs nothing on a caught-up stream; on a backlog it
    /// covers the time a paused or slow partition takes to deliver its next fetch
    /// (librdkafka's `fetch.wait.max.ms` is 500 ms), with room for a loaded machine.
    package var maxTaskIdle: Duration = .seconds(5)
    /// Records an input partition buffers for alignment before it is paused (resumed below half).
    package var alignmentBufferMessages = 8192
    /// Partitions of the state topic when serve creates it and no input topic exists yet
    /// (see ``statePartitionCount(inputPartitionCounts:)``), and of the embedded broker's:
    /// several, since checkpoints are MBs and the embedded broker keeps only ~5 MiB per partition.
    package var statePartitions = 8
    /// How often broker reachability and consumer lag are checked.
    package var healthInterval: Duration = .seconds(5)
    /// Most messages per processed batch.
    package var maxBatchSize = 1024
    /// Distinct engine metric series exported on `/metrics`; further series are counted, not exported.
    package var maximumMetricSeries = DriftwatchConfiguration.defaultMaximumMetricSeries
    /// Alertmanagers the alerts are pushed to (none by default).
    package var alertmanager = AlertmanagerSettings()
    /// The bearer token of `POST /v1/retrain/{id}/approve|reject`; `nil`: nobody can decide
    /// (triggers that need approval wait until serve is given one).
    package var adminToken: String?
    /// Caps of the retraining triggers waiting for approval and of the decisions remembered.
    package var retrainLimits = RetrainLedger.Limits()
    /// Where approved and approval-free retraining triggers are posted (`--retrain-webhook`).
    package var retrainWebhook = RetrainWebhookSettings()
    /// Where the schemas of messages in Schema Registry framing come from (`--schema-registry`).
    package var schemaRegistry: SchemaRegistrySettings?
    /// Embedded broker only: partitions of each topic it creates.
    package var embeddedPartitions = 1

    package init() {}

    /// Parses `host:port` (or `:port`, or `port`).
    package mutating func setHTTPAddress(_ address: String) throws(SettingsError) {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard let portText = parts.last, let port = Int(portText), (0...65535).contains(port) else {
            throw SettingsError("HTTP address '\(address)': expected host:port")
        }
        httpPort = port
        if parts.count > 1 {
            let host = parts.dropLast().joined(separator: ":")
            httpHost = host.isEmpty ? "0.0.0.0" : host
        }
    }

    /// Sets a user's librdkafka property as `-X` gives it: `consumer.KEY` and `producer.KEY`
    /// for one client only, anything else for every client it applies to.
    package mutating func setKafkaProperty(_ key: String, _ value: String) {
        if key.hasPrefix(Self.consumerPrefix) {
            consumerOverrides[String(key.dropFirst(Self.consumerPrefix.count))] = value
        } else if key.hasPrefix(Self.producerPrefix) {
            producerOverrides[String(key.dropFirst(Self.producerPrefix.count))] = value
        } else {
            kafkaProperties[key] = value
        }
    }

    static let consumerPrefix = "consumer."
    static let producerPrefix = "producer."

    /// librdkafka configuration of one client kind for `bootstrap`: `defaults`, then the
    /// user's properties for every client that apply to this kind (librdkafka's C/P
    /// column: a consumer property is not passed to the producer, and the reverse), then
    /// the user's properties for this kind only.
    func kafkaConfig(_ role: KafkaClientRole, bootstrap: String, _ defaults: [String: String] = [:]) -> KafkaConfig {
        let overrides = switch role {
        case .consumer: consumerOverrides
        case .producer: producerOverrides
        }
        let properties = defaults.merging(kafkaProperties) { _, user in user }.merging(overrides) { _, own in own }
        return KafkaConfig(bootstrapServers: bootstrap, properties).applicable(to: role)
    }

    /// The producer's `message.max.bytes` default and the state topic's `max.message.bytes`
    /// when serve creates it: librdkafka's and Kafka's defaults (~1 MB), or room for the
    /// checkpoint records if `checkpoint.max_record_bytes` is set above them.
    var stateRecordLimit: Int { max(1_000_000, checkpoint.maximumRecordBytes + 1024) }

    /// Where each output goes.
    var outputRouting: OutputRouting {
        OutputRouting(alertsTopic: alertsTopic, retrainTopic: retrainTopic, metricsTopic: metricsTopic, group: group)
    }

    /// Output topics in a stable order (for creating them on the embedded broker).
    var outputTopics: [String] {
        [alertsTopic, retrainTopic, deadLetterTopic] + (metricsTopic.map { [$0] } ?? [])
    }
}

package struct SettingsError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension ServeSettings {
    /// The partitions of a state topic serve creates: as many as the input topic with the
    /// most (shard `n` writes to state partition `n % partitions`, so each shard then has
    /// one of its own and a restore reads only its own shard's records), or
    /// ``statePartitions`` while no input topic exists.
    package func statePartitionCount(inputPartitionCounts: [Int]) -> Int {
        inputPartitionCounts.max().map { max($0, 1) } ?? statePartitions
    }
}
