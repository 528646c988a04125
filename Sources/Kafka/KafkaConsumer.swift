import CRdKafka
import Logging

/// What a consumer hands to its caller, in the order it happened.
public enum KafkaConsumerEvent: Sendable {
    /// Messages fetched since the previous event (at most `maxBatchSize`).
    case messages([KafkaMessage])
    /// These partitions are now this member's. Messages from them follow this event;
    /// none is fetched until the caller asks for the next event, so it can restore
    /// state (and `seek`) first.
    case partitionsAssigned([TopicPartition])
    /// These partitions are about to leave this member. Every message fetched from them
    /// came before this event; they change hands only when the caller asks for the next
    /// event, so it can checkpoint state and commit offsets first.
    case partitionsRevoked([TopicPartition])
    /// Only with `enable.partition.eof=true`: the consumer has read everything this
    /// partition held when it was last fetched (its high watermark). In order: every
    /// message of the partition before the end came in earlier events; a later message of
    /// the partition means new data arrived since.
    case partitionEnd(TopicPartition)
}

/// How far a partition's consumer is behind its log end.
public struct PartitionLag: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// Offset of the next message this consumer will fetch (or its committed offset if
    /// nothing was fetched yet); `nil` when neither is known.
    public var position: Int64?
    /// Offset the next produced message will get (the high watermark).
    public var logEndOffset: Int64
    /// `logEndOffset - position`, or the whole retained log when the position is unknown.
    public var lag: Int64
}

public struct ConsumerStatistics: Sendable, Equatable {
    /// Messages handed to the caller's event buffer.
    public var messages = 0
    public var rebalances = 0
    /// Errors librdkafka reported and recovers from by itself (broker down, reconnects,
    /// unknown topic, ...), each also logged.
    public var transientErrors = 0
}

/// A consumer-group member with manual offset management.
///
/// A dedicated thread polls librdkafka and hands batches of copied messages, and the
/// group's rebalances, to the caller through a bounded buffer (`events`, or
/// `nextEvent(timeout:)`); when the caller falls behind, the poll thread waits.
/// Offsets are stored only when the caller says a message is processed
/// (`storeOffsets`) and committed by `commit()` (or by `enable.auto.commit=true`
/// if the caller opts in), so a restart resumes right after processed messages.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle = Locked<ClientHandle?>(nil)
    private let context: ConsumerContext
    private let pollThread: ServiceThread

    /// Creates the consumer and starts its poll thread. Defaults (each overridable):
    /// `enable.auto.commit=false`, `enable.auto.offset.store=false`,
    /// `partition.assignment.strategy=range,roundrobin` (eager: cooperative rebalancing
    /// is not supported by this layer's rebalance events), and
    /// `queued.min.messages=1000000`: librdkafka 2.0.2 compares that threshold with the
    /// *shared* consumer queue, so with many partitions one fetch round exceeds the
    /// default 100,000 and every partition stops fetching for a while (measured: ~200 k
    /// instead of ~500 k msg/s). Prefetch memory stays capped by
    /// `queued.max.messages.kbytes` (64 MiB by default). `group.id` is required.
    ///
    /// - Parameters:
    ///   - maxBatchSize: most messages per `.messages` event.
    ///   - bufferedBatches: events buffered before the poll thread waits.
    public init(config: KafkaConfig, maxBatchSize: Int = 1024, bufferedBatches: Int = 16,
                logger: Logger = Logger(label: "driftwatch.kafka.consumer")) throws {
        let config = config
            .withDefault("enable.auto.commit", "false")
            .withDefault("enable.auto.offset.store", "false")
            .withDefault("partition.assignment.strategy", "range,roundrobin")
            .withDefault("queued.min.messages", "1000000")
        let context = ConsumerContext(logger: logger, maxBatchSize: maxBatchSize, bufferedBatches: bufferedBatches)
        let client = try ClientHandle(type: RD_KAFKA_CONSUMER, config: config, context: context) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { client, error, partitions, opaque in
                guard let client, let opaque else { return }
                Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
                    .handleRebalance(client: client, error: error, partitions: partitions)
            }
        }
        // Serve the main queue (errors, logs of the group) from the consumer queue too.
        rd_kafka_poll_set_consumer(client.pointer)
        self.context = context
        handle.withLock { $0 = client }
        pollThread = ServiceThread(name: "kafka-consumer-poll") { [client, context] in
            context.pollOnce(client.pointer)
        }
    }

    deinit { close() }

    /// Joins the group for `topics` (replacing any previous subscription).
    public func subscribe(_ topics: [String]) throws {
        let list = PartitionList.make(topics.map { TopicPartition($0, Int32(RD_KAFKA_PARTITION_UA)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_subscribe(try client().pointer, list), "subscribe to \(topics)")
    }

    /// The consumer's events as an async sequence. One task reads it; it ends after
    /// `close()`, or throws the fatal error that stopped the client.
    public var events: Events { Events(buffer: context.buffer) }

    /// The next event, or `nil` if none arrives within `timeout` or the consumer is
    /// closed (see `isClosed`). Shares the buffer with `events`.
    public func nextEvent(timeout: Duration) async throws -> KafkaConsumerEvent? {
        try await context.buffer.next(timeout: timeout)
    }

    /// True once `close()` was called or a fatal error stopped the consumer.
    public var isClosed: Bool { context.buffer.finished }

    public var statistics: ConsumerStatistics {
        var statistics = context.statistics.current
        statistics.transientErrors = context.counters.current.transientErrors
        return statistics
    }

    // MARK: Offsets

    /// Marks offsets (each the *next* offset to read) as processed; `commit()` sends them.
    public func storeOffsets(_ offsets: [TopicPartitionOffset]) throws {
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_offsets_store(try client().pointer, list), "store offsets")
        try PartitionList.checkErrors(list, "store offset for")
    }

    /// Marks every message of `messages` as processed (stores highest offset + 1 per partition).
    public func storeOffsets(for messages: [KafkaMessage]) throws {
        // A batch holds runs from few partitions: a linear scan beats hashing topic names.
        var next: [TopicPartitionOffset] = []
        for message in messages {
            if let index = next.firstIndex(where: { $0.topicPartition.partition == message.partition
                                                    && $0.topicPartition.topic == message.topic }) {
                next[index].offset = max(next[index].offset, message.offset + 1)
            } else {
                next.append(TopicPartitionOffset(message.topicPartition, offset: message.offset + 1))
            }
        }
        try storeOffsets(next)
    }

    /// Commits the stored offsets and waits for the broker's answer.
    /// Committing with nothing new stored is not an error.
    public func commit() throws {
        let error = rd_kafka_commit(try client().pointer, nil, 0)
        if error == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        try KafkaError.check(error, "commit")
    }

    /// Commits exactly these offsets (next offsets to read) and waits for the answer.
    public func commit(_ offsets: [TopicPartitionOffset]) throws {
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_commit(try client().pointer, list, 0), "commit")
        try PartitionList.checkErrors(list, "commit")
    }

    /// The group's committed offsets for `partitions` (`KafkaOffset.invalid` if none).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws -> [TopicPartitionOffset] {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_committed(try client().pointer, list, timeout.milliseconds), "read committed offsets")
        try PartitionList.checkErrors(list, "read committed offset for")
        return PartitionList.offsets(list)
    }

    // MARK: Assignment and position

    /// The partitions currently assigned to this member.
    public func assignment() throws -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(try client().pointer, &list), "read assignment")
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.offsets(list).map(\.topicPartition)
    }

    /// Replaces the assignment with exactly these partitions, each starting at its
    /// offset (or `KafkaOffset.beginning`/`.end`/`.stored`), outside any group
    /// rebalance: for reading a log (a state or output topic) without joining a group.
    /// An empty list stops all fetching. Messages already buffered are still delivered.
    public func assign(_ offsets: [TopicPartitionOffset]) throws {
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_assign(try client().pointer, offsets.isEmpty ? nil : list), "assign \(offsets)")
    }

    /// The partition's low watermark (first retained offset) and high watermark (the
    /// offset the next produced message gets), asked of the broker.
    public func watermarks(_ partition: TopicPartition, timeout: Duration = .seconds(10)) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        try KafkaError.check(rd_kafka_query_watermark_offsets(try client().pointer, partition.topic, partition.partition,
                                                              &low, &high, timeout.milliseconds),
                             "query watermarks of \(partition)")
        return (low, high)
    }

    /// Moves the fetch position of an assigned partition. Messages already in the
    /// event buffer are still delivered.
    public func seek(_ partition: TopicPartition, to offset: Int64, timeout: Duration = .seconds(10)) throws {
        let list = PartitionList.make([TopicPartitionOffset(partition, offset: offset)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_seek_partitions(try client().pointer, list, timeout.milliseconds))
        try PartitionList.checkErrors(list, "seek")
    }

    /// Stops fetching from `partitions` (they stay assigned); buffered messages still arrive.
    public func pause(_ partitions: [TopicPartition]) throws {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_pause_partitions(try client().pointer, list), "pause")
        try PartitionList.checkErrors(list, "pause")
    }

    public func resume(_ partitions: [TopicPartition]) throws {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_resume_partitions(try client().pointer, list), "resume")
        try PartitionList.checkErrors(list, "resume")
    }

    /// Lag of every assigned partition, from the broker's high watermark (queried, so
    /// this blocks for up to `timeout` per partition) and this consumer's position.
    /// Messages already fetched into the event buffer count as consumed.
    public func lag(timeout: Duration = .seconds(5)) throws -> [PartitionLag] {
        let client = try client()
        let assigned = try assignment()
        let positionList = PartitionList.make(assigned)
        defer { rd_kafka_topic_partition_list_destroy(positionList) }
        try KafkaError.check(rd_kafka_position(client.pointer, positionList), "read positions")
        let fetched = PartitionList.offsets(positionList)
        let unknown = fetched.filter { $0.offset < 0 }.map(\.topicPartition)
        var committedOffsets: [TopicPartition: Int64] = [:]
        if !unknown.isEmpty {
            for entry in try committed(unknown, timeout: timeout) where entry.offset >= 0 {
                committedOffsets[entry.topicPartition] = entry.offset
            }
        }
        return try fetched.map { entry in
            var low: Int64 = 0
            var high: Int64 = 0
            let partition = entry.topicPartition
            try KafkaError.check(rd_kafka_query_watermark_offsets(client.pointer, partition.topic, partition.partition,
                                                                  &low, &high, timeout.milliseconds),
                                 "query watermarks of \(partition)")
            let position = entry.offset >= 0 ? entry.offset : committedOffsets[partition]
            return PartitionLag(topicPartition: partition, position: position, logEndOffset: high,
                                lag: max(0, high - (position ?? low)))
        }
    }

    public func metadata(timeout: Duration = .seconds(10)) throws -> ClusterMetadata {
        try client().metadata(timeout: timeout)
    }

    /// Leaves the group and destroys the client; `events` ends after the buffered
    /// events. Blocks while librdkafka leaves the group (commit first: revocations
    /// during close are applied without a `.partitionsRevoked` event). Idempotent.
    public func close() {
        context.buffer.finish()
        pollThread.stop()
        guard let client = handle.withLock({ handle in defer { handle = nil }; return handle }) else { return }
        if context.fatalError.current != nil {
            // librdkafka 2.0.2 spins forever leaving the group after a fatal error: skip it
            // (the group coordinator drops this member after session.timeout.ms).
            client.skipConsumerClose.withLock { $0 = true }
            return
        }
        let error = rd_kafka_consumer_close(client.pointer)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("consumer close: \(KafkaError(code: error))")
        }
    }

    /// For `KafkaProducer.sendOffsetsToTransaction`; the caller destroys the result.
    func groupMetadata() throws -> OpaquePointer {
        guard let metadata = rd_kafka_consumer_group_metadata(try client().pointer) else {
            throw KafkaError(code: .state, message: "the consumer has no group metadata (is group.id set?)")
        }
        return metadata
    }

    /// Test hook: makes librdkafka raise a fatal error on this client.
    func triggerFatalErrorForTesting(_ code: KafkaError.Code = .notLeaderForPartition, reason: String = "test") throws {
        try client().triggerFatalError(code, reason: reason)
    }

    private func client() throws -> ClientHandle {
        guard let client = handle.current else { throw KafkaError(code: .destroyed, message: "the consumer is closed") }
        return client
    }

    /// The consumer's events as an `AsyncSequence`.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = KafkaConsumerEvent
        let buffer: EventBuffer<KafkaConsumerEvent>

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let buffer: EventBuffer<KafkaConsumerEvent>
            public mutating func next() async throws -> KafkaConsumerEvent? { try await buffer.next() }
        }
    }
}

/// Consumer callback state. `pending`, `topicNames` are confined to the thread that
/// polls (the poll thread; during `close()`, the closing thread after the poll thread stopped).
final class ConsumerContext: ClientContext, @unchecked Sendable {
    let buffer: EventBuffer<KafkaConsumerEvent>
    let statistics = Locked(ConsumerStatistics())
    private let maxBatchSize: Int
    private var pending: [KafkaMessage] = []
    /// Topic names by librdkafka topic handle, so each message does not build a new String.
    private var topicNames: [OpaquePointer: String] = [:]
    private static let topicNameCacheLimit = 1024

    init(logger: Logger, maxBatchSize: Int, bufferedBatches: Int) {
        self.maxBatchSize = max(1, maxBatchSize)
        buffer = EventBuffer(capacity: bufferedBatches)
        super.init(logger: logger)
        pending.reserveCapacity(self.maxBatchSize)
    }

    /// One poll-thread iteration: wait up to 100 ms for the first message of a batch,
    /// then take what is ready without waiting. Returns `false` to end the thread.
    func pollOnce(_ client: OpaquePointer) -> Bool {
        if let fatal = fatalError.current {
            buffer.finish(throwing: fatal)
            return false
        }
        guard let message = rd_kafka_consumer_poll(client, pending.isEmpty ? 100 : 0) else {
            return flushPending()
        }
        defer { rd_kafka_message_destroy(message) }
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            pending.append(copy(message))
            if pending.count >= maxBatchSize { return flushPending() }
        } else if message.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            // After the messages before it, so the caller sees them first.
            guard flushPending() else { return false }
            return buffer.push(.partitionEnd(TopicPartition(topicName(message.pointee.rkt), message.pointee.partition)))
        } else {
            // The consumer queue also carries client errors (including fatal ones) as messages.
            handleError(client: client, code: message.pointee.err,
                        reason: rd_kafka_message_errstr(message).map { String(cString: $0) } ?? "")
        }
        return !buffer.finished
    }

    /// Hands the pending batch to the caller (waiting while the buffer is full).
    private func flushPending() -> Bool {
        guard !pending.isEmpty else { return !buffer.finished }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        statistics.withLock { $0.messages += batch.count }
        return buffer.push(.messages(batch))
    }

    /// Applies an eager rebalance. Runs inside `rd_kafka_consumer_poll` (or
    /// `rd_kafka_consumer_close`). Messages already fetched are handed over first,
    /// so the caller sees them before the revocation.
    func handleRebalance(client: OpaquePointer, error: rd_kafka_resp_err_t,
                         partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        _ = flushPending()
        let changed = partitions.map { PartitionList.offsets($0).map(\.topicPartition) } ?? []
        statistics.withLock { $0.rebalances += 1 }
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned: \(changed)")
            assign(client, partitions)
            buffer.push(.partitionsAssigned(changed), waitForAcknowledgement: true)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("partitions revoked: \(changed)")
            buffer.push(.partitionsRevoked(changed), waitForAcknowledgement: true)
            assign(client, nil)
        default:
            logger.error("rebalance failed, dropping the assignment: \(KafkaError(code: error))")
            assign(client, nil)
        }
    }

    private func assign(_ client: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let error = rd_kafka_assign(client, partitions)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.error("assign failed: \(KafkaError(code: error))")
        }
    }

    /// Copies a message out of librdkafka's buffers (they are freed with the message).
    private func copy(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let message = pointer.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        return KafkaMessage(
            topic: topicName(message.rkt),
            partition: message.partition,
            offset: message.offset,
            key: message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
            value: message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? [],
            headers: Self.headers(of: pointer),
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let name = topicNames[topic] { return name }
        if topicNames.count >= Self.topicNameCacheLimit { topicNames.removeAll() }
        let name = String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        return name
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var native: OpaquePointer?
        guard rd_kafka_message_headers(message, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(KafkaHeader(name.map { String(cString: $0) } ?? "",
                                       value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return headers
    }
}
