import CRdKafka
import Logging

/// Delivery outcomes of a producer, counted as librdkafka reports them.
public struct ProducerStatistics: Sendable, Equatable {
    /// Messages the broker acknowledged.
    public var delivered = 0
    /// Messages that failed for good (after librdkafka's own retries) or were purged.
    public var failed = 0
    public var lastDeliveryError: KafkaError?
    /// Errors librdkafka recovered from by itself (broker down, reconnects, ...).
    public var transientErrors = 0
}

/// A Kafka producer: idempotent by default, with a delivery report for every message.
///
/// Two paths: `send` awaits the delivery report of one message (for callers that must
/// know it is stored), `produce` is fire-and-forget for throughput and counts outcomes
/// in `statistics`; after `flush` returns, `delivered + failed` covers every message.
/// Delivery reports are served by a dedicated poll thread.
public final class KafkaProducer: @unchecked Sendable {
    private let handle = Locked<ClientHandle?>(nil)
    private let context: ProducerContext
    private let pollThread: ServiceThread

    /// Creates the producer. Defaults (each overridable in `config`):
    /// `enable.idempotence=true` so retries after broker failures neither lose nor
    /// duplicate messages. Throws librdkafka's message for invalid properties.
    public init(config: KafkaConfig, logger: Logger = Logger(label: "driftwatch.kafka.producer")) throws {
        let context = ProducerContext(logger: logger)
        let client = try ClientHandle(type: RD_KAFKA_PRODUCER, config: config.withDefault("enable.idempotence", "true"),
                                      context: context) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue().handleDelivery(message.pointee)
            }
        }
        self.context = context
        handle.withLock { $0 = client }
        pollThread = ServiceThread(name: "kafka-producer-poll") { [client] in
            rd_kafka_poll(client.pointer, 100)
            return true
        }
    }

    deinit { close(timeout: .zero) }

    public var statistics: ProducerStatistics {
        var statistics = context.deliveries.current
        statistics.transientErrors = context.counters.current.transientErrors
        return statistics
    }

    /// Messages (and requests) not yet acknowledged.
    public var outstanding: Int {
        guard let client = handle.current else { return 0 }
        return Int(rd_kafka_outq_len(client.pointer))
    }

    /// Produces one message and waits for its delivery report. Throws the librdkafka
    /// error if it could not be delivered (after librdkafka's retries).
    /// `partition: nil` lets the partitioner choose from the key; `timestamp` is the
    /// message's CreateTime in epoch milliseconds (`nil`: librdkafka stamps the current time).
    public func send(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
                     partition: Int32? = nil, timestamp: Int64? = nil) async throws -> DeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            // Retained for librdkafka until its delivery report (or released here on failure).
            let pending = PendingDelivery(continuation)
            _ = Unmanaged.passRetained(pending)
            let enqueue: @Sendable () throws -> KafkaError.Code? = { [self] in
                try self.enqueue(topic: topic, key: key, value: value, headers: headers, partition: partition,
                                 timestamp: timestamp, opaque: Unmanaged.passUnretained(pending).toOpaque())
            }
            let fail: @Sendable (any Error) -> Void = { error in
                Unmanaged.passUnretained(pending).release()
                continuation.resume(throwing: error)
            }
            do {
                if try enqueue() == nil { return }
            } catch {
                return fail(error)
            }
            // Local queue full: wait for acknowledgements to make room, off the caller's thread.
            BlockingCalls.execute { [self] in
                do {
                    while try enqueue() != nil { rd_kafka_poll(try client().pointer, 10) }
                } catch {
                    fail(error)
                }
            }
        }
    }

    /// Produces one message without waiting; its outcome is counted in `statistics`.
    /// Blocks while librdkafka's local queue is full (back-pressure).
    public func produce(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
                        partition: Int32? = nil, timestamp: Int64? = nil) throws {
        while try enqueue(topic: topic, key: key, value: value, headers: headers, partition: partition, timestamp: timestamp, opaque: nil) != nil {
            rd_kafka_poll(try client().pointer, 10)
        }
    }

    /// Waits until every produced message is acknowledged or failed.
    /// Throws `.timedOut` if messages are still outstanding after `timeout`.
    public func flush(timeout: Duration) throws {
        let client = try client()
        try KafkaError.check(rd_kafka_flush(client.pointer, timeout.milliseconds), "flush (\(outstanding) outstanding)")
    }

    /// Cluster metadata as this producer sees it.
    public func metadata(timeout: Duration = .seconds(10)) throws -> ClusterMetadata {
        try client().metadata(timeout: timeout)
    }

    /// Flushes for up to `timeout`, fails what is left (their `send` calls throw
    /// `.purgedQueue`), stops the poll thread and destroys the client. Idempotent.
    public func close(timeout: Duration = .seconds(10)) {
        guard let client = handle.withLock({ handle in defer { handle = nil }; return handle }) else { return }
        rd_kafka_flush(client.pointer, timeout.milliseconds)
        rd_kafka_purge(client.pointer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        pollThread.stop()
        rd_kafka_poll(client.pointer, 0)  // serves the purged messages' reports
    }

    // MARK: Transactions (need `transactional.id`; blocking calls, use off the cooperative pool)

    /// Registers the transactional id with the coordinator; call once before the first transaction.
    public func initTransactions(timeout: Duration = .seconds(30)) throws {
        try KafkaError.check(rd_kafka_init_transactions(try client().pointer, timeout.milliseconds))
    }

    public func beginTransaction() throws {
        try KafkaError.check(rd_kafka_begin_transaction(try client().pointer))
    }

    /// Commits `offsets` (next offsets to consume) for `consumer`'s group as part of
    /// the current transaction, so consume-transform-produce is atomic.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartitionOffset], consumer: KafkaConsumer,
                                         timeout: Duration = .seconds(30)) throws {
        let groupMetadata = try consumer.groupMetadata()
        defer { rd_kafka_consumer_group_metadata_destroy(groupMetadata) }
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_send_offsets_to_transaction(try client().pointer, list, groupMetadata,
                                                                  timeout.milliseconds))
    }

    public func commitTransaction(timeout: Duration = .seconds(30)) throws {
        try KafkaError.check(rd_kafka_commit_transaction(try client().pointer, timeout.milliseconds))
    }

    public func abortTransaction(timeout: Duration = .seconds(30)) throws {
        try KafkaError.check(rd_kafka_abort_transaction(try client().pointer, timeout.milliseconds))
    }

    // MARK: Internals

    /// Test hook: makes librdkafka raise a fatal error on this client.
    func triggerFatalErrorForTesting(_ code: KafkaError.Code = .notLeaderForPartition, reason: String = "test") throws {
        try client().triggerFatalError(code, reason: reason)
    }

    private func client() throws -> ClientHandle {
        guard let client = handle.current else { throw KafkaError(code: .destroyed, message: "the producer is closed") }
        return client
    }

    /// Hands one message to librdkafka (which copies key, value and headers).
    /// Returns `.queueFull` when the caller should wait and retry; throws other errors.
    private func enqueue(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], partition: Int32?,
                         timestamp: Int64?, opaque: UnsafeMutableRawPointer?) throws -> KafkaError.Code? {
        let client = try client()
        let nativeHeaders = headers.isEmpty ? nil : Self.makeHeaders(headers)
        let error: OpaquePointer? = topic.withCString { topicName in
            value.withUnsafeBytes { valueBytes in
                Self.withOptionalBytes(key) { keyBytes in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
                        var count = 0
                        func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                            var field = rd_kafka_vu_t()
                            field.vtype = type
                            set(&field)
                            fields[count] = field
                            count += 1
                        }
                        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topicName }
                        add(RD_KAFKA_VTYPE_VALUE) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                            $0.u.mem.size = valueBytes.count
                        }
                        if let keyBytes {
                            add(RD_KAFKA_VTYPE_KEY) {
                                $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                                $0.u.mem.size = keyBytes.count
                            }
                        }
                        if let partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                        if let timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
                        if let nativeHeaders { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = nativeHeaders } }
                        if let opaque { add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque } }
                        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                        return rd_kafka_produceva(client.pointer, fields.baseAddress, count)
                    }
                }
            }
        }
        guard let error else { return nil }
        if let nativeHeaders { rd_kafka_headers_destroy(nativeHeaders) }  // only consumed on success
        let failure = KafkaError(consuming: error)
        if failure.errorCode == .queueFull { return .queueFull }
        if failure.errorCode == .fatal { try context.checkNotFatal() }  // the underlying cause
        throw failure
    }

    private static func withOptionalBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBytes { body($0) }
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer {
        let native = rd_kafka_headers_new(headers.count)!
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { _ = rd_kafka_header_add(native, header.name, -1, $0.baseAddress, $0.count) }
            } else {
                rd_kafka_header_add(native, header.name, -1, nil, 0)
            }
        }
        return native
    }
}

/// The continuation of one `send`, passed to librdkafka as the message's opaque.
private final class PendingDelivery: Sendable {
    let continuation: CheckedContinuation<DeliveryReport, any Error>
    init(_ continuation: CheckedContinuation<DeliveryReport, any Error>) { self.continuation = continuation }
}

/// Producer callback state: delivery counters (fire-and-forget) and pending `send`s.
final class ProducerContext: ClientContext, @unchecked Sendable {
    let deliveries = Locked(ProducerStatistics())

    /// Runs on the thread that polls (the poll thread, `flush` or `close`).
    func handleDelivery(_ message: rd_kafka_message_t) {
        let error = message.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: message.err)
        let failures = deliveries.withLock { statistics in
            if let error {
                statistics.failed += 1
                statistics.lastDeliveryError = error
            } else {
                statistics.delivered += 1
            }
            return statistics.failed
        }
        // Fire-and-forget failures are counted; log the first and then every 10,000th
        // so an outage does not flood the log.
        if let error, message._private == nil, failures % 10_000 == 1 {
            logger.error("message delivery failed (\(failures) so far): \(error)")
        }
        guard let opaque = message._private else { return }
        let pending = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
        if let error {
            pending.continuation.resume(throwing: error)
        } else {
            let topic = String(cString: rd_kafka_topic_name(message.rkt))
            pending.continuation.resume(returning: DeliveryReport(topicPartition: TopicPartition(topic, message.partition),
                                                                  offset: message.offset))
        }
    }
}
