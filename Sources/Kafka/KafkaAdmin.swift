import CRdKafka
import Logging

/// Cluster administration: create topics, read metadata.
///
/// Note: librdkafka's mock cluster (`EmbeddedBroker`) does not implement the
/// CreateTopics request; create its topics with `EmbeddedBroker.createTopic`.
public final class KafkaAdmin: @unchecked Sendable {
    private let handle = Locked<ClientHandle?>(nil)
    private let pollThread: ServiceThread

    public init(config: KafkaConfig, logger: Logger = Logger(label: "driftwatch.kafka.admin")) throws {
        let client = try ClientHandle(type: RD_KAFKA_PRODUCER, config: config, context: ClientContext(logger: logger))
        handle.withLock { $0 = client }
        // Serves error callbacks, which otherwise pile up on the main queue.
        pollThread = ServiceThread(name: "kafka-admin-poll") { [client] in
            rd_kafka_poll(client.pointer, 100)
            return true
        }
    }

    deinit { close() }

    /// Destroys the client. Idempotent.
    public func close() {
        pollThread.stop()
        handle.withLock { $0 = nil }
    }

    private func client() throws -> ClientHandle {
        guard let client = handle.current else { throw KafkaError(code: .destroyed, message: "the admin client is closed") }
        return client
    }

    /// Creates a topic and waits until the controller confirms it (or `timeout`).
    /// - Parameter config: topic configuration, e.g. `["cleanup.policy": "compact"]`.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1,
                            config: [String: String] = [:], timeout: Duration = .seconds(30)) throws {
        let client = try client()
        var errorText = [CChar](repeating: 0, count: 512)
        guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &errorText, errorText.count) else {
            throw KafkaError(code: .invalidArgument, message: String(errorBuffer: errorText))
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        for (key, value) in config.sorted(by: { $0.key < $1.key }) {
            try KafkaError.check(rd_kafka_NewTopic_set_config(topic, key, value), "topic config \(key)=\(value)")
        }
        let options = rd_kafka_AdminOptions_new(client.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        try KafkaError.check(rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errorText, errorText.count),
                             "request timeout")
        try KafkaError.check(rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errorText, errorText.count),
                             "operation timeout")
        let queue = rd_kafka_queue_new(client.pointer)!
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [topic]
        rd_kafka_CreateTopics(client.pointer, &topics, 1, options, queue)

        // The request timeout bounds the wait; the margin lets librdkafka report it itself.
        guard let event = rd_kafka_queue_poll(queue, timeout.milliseconds &+ 5000) else {
            throw KafkaError(code: .timedOut, message: "create topic \(name): no answer within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: eventError, message: "create topic \(name): " + String(cString: rd_kafka_event_error_string(event)))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: .state, message: "create topic \(name): unexpected admin event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let error = rd_kafka_topic_result_error(topicResult)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw KafkaError(code: error, message: "create topic \(name): \(text)")
            }
        }
    }

    /// Brokers, topics and partitions as the cluster reports them.
    public func metadata(timeout: Duration = .seconds(10)) throws -> ClusterMetadata {
        try client().metadata(timeout: timeout)
    }
}
