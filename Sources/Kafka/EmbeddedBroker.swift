import CRdKafka
import Logging

/// Kafka protocol request types, for fault injection on the embedded broker.
public struct KafkaRequestType: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let produce = KafkaRequestType(rawValue: 0)
    public static let fetch = KafkaRequestType(rawValue: 1)
    public static let listOffsets = KafkaRequestType(rawValue: 2)
    public static let metadata = KafkaRequestType(rawValue: 3)
    public static let offsetCommit = KafkaRequestType(rawValue: 8)
    public static let offsetFetch = KafkaRequestType(rawValue: 9)
    public static let findCoordinator = KafkaRequestType(rawValue: 10)
    public static let joinGroup = KafkaRequestType(rawValue: 11)
    public static let heartbeat = KafkaRequestType(rawValue: 12)
    public static let syncGroup = KafkaRequestType(rawValue: 14)
    public static let initProducerId = KafkaRequestType(rawValue: 22)
}

/// An in-process Kafka cluster on loopback TCP: librdkafka's mock cluster.
///
/// Real clients (this layer, `kcat`, other processes) connect to `bootstrapServers`.
/// Known limits of the mock: about 5 MiB retained per partition (older data is
/// dropped silently), slow group rebalances (~`session.timeout.ms` − 1 s), eager
/// assignment only in practice, and transactions that are accepted but not
/// exactly-once. Destroy clients before stopping the broker.
public final class EmbeddedBroker: @unchecked Sendable {
    /// `host:port,...` of the brokers, for `bootstrap.servers`.
    public let bootstrapServers: String
    public let brokerCount: Int

    /// The mock cluster needs a client handle to live in; nothing is produced with it.
    private let owner: ClientHandle
    private let cluster = Locked<OpaquePointer?>(nil)

    /// Starts `brokers` brokers (ids 1...brokers) on ephemeral loopback ports.
    public init(brokers: Int = 3, logger: Logger = Logger(label: "driftwatch.kafka.broker")) throws {
        guard brokers >= 1 else { throw KafkaError(code: .invalidArgument, message: "an embedded broker needs at least one broker, got \(brokers)") }
        // No bootstrap.servers: the owner never connects anywhere; silence its warning about that.
        owner = try ClientHandle(type: RD_KAFKA_PRODUCER, config: ["log_level": "3"], context: ClientContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(owner.pointer, Int32(brokers)) else {
            throw KafkaError(code: .state, message: "could not start the mock cluster (see the log)")
        }
        self.cluster.withLock { $0 = cluster }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit { stop() }

    /// Creates a topic; replication must not exceed the broker count. (The mock then
    /// lists every broker as a replica; leaders are spread over the brokers.)
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try withCluster { cluster in
            try KafkaError.check(rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor)),
                                 "create topic \(name)")
        }
    }

    /// Takes broker `id` (1-based) down: its connections close and new ones are refused
    /// until `setBrokerUp`. Leadership does not move, so its partitions stall meanwhile.
    public func setBrokerDown(_ id: Int32) throws {
        try withCluster { try KafkaError.check(rd_kafka_mock_broker_set_down($0, id), "broker \(id) down") }
    }

    /// Makes broker `id` (1-based) the leader of `topic`'s `partition`, so that a test
    /// knows which partitions a broker outage stalls (the mock otherwise places leaders
    /// by its own rule, which differs between librdkafka versions).
    public func setPartitionLeader(_ topic: String, partition: Int32, broker id: Int32) throws {
        try withCluster { try KafkaError.check(rd_kafka_mock_partition_set_leader($0, topic, partition, id), "leader of \(topic)[\(partition)]") }
    }

    public func setBrokerUp(_ id: Int32) throws {
        try withCluster { try KafkaError.check(rd_kafka_mock_broker_set_up($0, id), "broker \(id) up") }
    }

    /// Makes the next `errors.count` requests of `request` fail with these errors, in
    /// order (cluster-wide). `.transport` disconnects the client instead of answering.
    public func injectRequestErrors(_ request: KafkaRequestType, _ errors: [KafkaError.Code]) throws {
        let raw = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        try withCluster { rd_kafka_mock_push_request_errors_array($0, request.rawValue, raw.count, raw) }
    }

    /// Stops the brokers. Idempotent; clients still connected see connection errors.
    public func stop() {
        cluster.withLock { cluster in
            if let running = cluster { rd_kafka_mock_cluster_destroy(running) }
            cluster = nil
        }
    }

    /// Holds the lock for the call, so `stop()` cannot destroy the cluster under it.
    private func withCluster<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        try cluster.withLock { cluster in
            guard let cluster else { throw KafkaError(code: .destroyed, message: "the embedded broker is stopped") }
            return try body(cluster)
        }
    }
}
