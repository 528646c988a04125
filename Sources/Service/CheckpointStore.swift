import Foundation
import Kafka
import Logging

package enum CheckpointError: Error, CustomStringConvertible {
    case malformedRecord(String)
    case topicMissing(String)
    /// Serve found no state topic and the brokers refused or timed out creating it.
    case topicNotCreated(topic: String, partitions: Int, recordLimit: Int, reason: String)
    case readTimedOut(TopicPartition, next: Int64, end: Int64)
    case recordTooLarge(shard: Int32, bytes: Int, limit: Int)
    /// The group committed offsets for a shard whose state is nowhere to be found.
    case missingState(shard: Int32, committed: [TopicPartitionOffset], stateTopic: String, problems: [String])

    package var description: String {
        switch self {
        case let .malformedRecord(reason): "malformed checkpoint record: \(reason)"
        case let .topicMissing(topic): "topic \(topic) does not exist (create the state topic, compacted, before serving)"
        case let .topicNotCreated(topic, partitions, recordLimit, reason):
            "the state topic '\(topic)' does not exist and creating it failed (\(reason)). Create it beforehand, "
                + "compacted, e.g. kafka-topics.sh --create --topic \(topic) --partitions \(partitions) "
                + "--config cleanup.policy=compact --config max.message.bytes=\(recordLimit); or serve without "
                + "checkpoints (--state-topic none: a restart then starts every shard empty)"
        case let .readTimedOut(partition, next, end): "reading \(partition) stalled at offset \(next) before its end \(end)"
        case let .recordTooLarge(shard, bytes, limit):
            "shard \(shard): a checkpoint record of \(bytes) bytes would exceed checkpoint.max_record_bytes (\(limit)); raise it"
        case let .missingState(shard, committed, stateTopic, problems):
            "shard \(shard): the group committed offsets \(committed.map(\.description).joined(separator: ", ")) but the state topic "
                + "'\(stateTopic)' holds no complete checkpoint of the shard"
                + (problems.isEmpty ? "" : " (found: \(problems.joined(separator: "; ")))")
                + ". Starting an empty engine at those offsets would lose its windows, label join and alert states "
                + "and publish again what was already published. Restore the state topic, or start with "
                + "--on-missing-state reset to start this shard empty at the committed offsets (counted as "
                + "driftwatch_checkpoint_restores_total{result=\"missing_reset\"}), or reset the group's offsets "
                + "(kafka-consumer-groups --reset-offsets) to process the input again from the start"
        }
    }
}

/// Saves and loads shard checkpoints on the (compacted) state topic, and reads output
/// partitions back for de-duplication.
///
/// A checkpoint is a set of records (``CheckpointRecord``): chunks of at most
/// `maximumRecordBytes` and a manifest, all on state partition `shard % partitions`
/// (chosen explicitly, so a restore knows which partition to read without reproducing
/// the client's key hash). Loading reads that partition from the beginning to its high
/// watermark and keeps the newest two complete checkpoints of each shard.
package final class CheckpointStore: Sendable {
    package let topic: String
    package let group: String
    /// The largest state record written (key, value and headers).
    package let maximumRecordBytes: Int
    private let producer: KafkaProducer
    /// Watermark and metadata queries only (it never joins a group or fetches).
    private let metadataClient: KafkaConsumer
    private let readerConfig: KafkaConfig
    private let logger: Logger
    private let partitionCounts = Protected<[String: Int]>([:])

    /// - Parameter config: the connection settings; readers get their own `group.id` and never commit.
    package init(topic: String, group: String, maximumRecordBytes: Int, config: KafkaConfig, producer: KafkaProducer,
                logger: Logger) throws {
        self.topic = topic
        self.group = group
        self.maximumRecordBytes = maximumRecordBytes
        self.producer = producer
        self.logger = logger
        var readerConfig = config
        readerConfig["group.id"] = "\(group)-state-reader"
        readerConfig["auto.offset.reset"] = "earliest"
        self.readerConfig = readerConfig
        metadataClient = try KafkaConsumer(config: readerConfig, logger: logger)
    }

    func close() { metadataClient.close() }

    /// The sizes of the state-topic records (chunks, then the manifest) an engine blob is
    /// written as under `maximumRecordBytes` (`bench checkpoint` reports them).
    package static func recordSizes(ofEngineBlob engine: [UInt8], maximumRecordBytes: Int,
                                   group: String = ServeSettings().group) throws -> [Int] {
        try CheckpointRecord.records(for: ShardCheckpoint(engine: engine, inputOffsets: [], outputPositions: []), group: group,
                                     shard: 0, placement: .first, maximumRecordBytes: maximumRecordBytes).map(\.size)
    }

    /// Writes the checkpoint's chunks and join pages, waits until the broker acknowledged
    /// all of them, then writes its manifest and waits for that: a manifest is only ever
    /// found after its records. Returns the records' sizes and the manifest.
    @discardableResult
    func save(_ checkpoint: ShardCheckpoint, shard: Int32, placement: CheckpointPlacement,
              joinPageKeys: Int = 1) async throws -> (sizes: [Int], manifest: CheckpointManifest) {
        let partition = try await BlockingCalls.run { try self.statePartition(of: shard) }
        let (records, manifest) = try CheckpointRecord.plan(checkpoint, group: group, shard: shard, placement: placement,
                                                            maximumRecordBytes: maximumRecordBytes, joinPageKeys: joinPageKeys)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for record in records.dropLast() {
                tasks.addTask { [producer, topic] in
                    _ = try await producer.send(topic: topic, key: record.key, value: record.value, headers: record.headers,
                                                partition: partition)
                }
            }
            try await tasks.waitForAll()
        }
        let last = records[records.count - 1]
        _ = try await producer.send(topic: topic, key: last.key, value: last.value, headers: last.headers, partition: partition)
        return (records.map(\.size), manifest)
    }

    /// The complete checkpoints of `shards` (and what was found unusable), read from their state partitions.
    func load(_ shards: Set<Int32>, using reader: LogReader) async throws -> CheckpointCollector {
        var collector = CheckpointCollector(group: group, shards: shards)
        var partitions = Set<Int32>()
        for shard in shards { partitions.insert(try await BlockingCalls.run { try self.statePartition(of: shard) }) }
        for partition in partitions.sorted() {
            try await reader.read(TopicPartition(topic, partition), from: KafkaOffset.beginning) { collector.add($0) }
        }
        return collector
    }

    /// The high watermark of every partition of `topics` (blocking: call through `BlockingCalls.run`).
    func highWatermarks(of topics: [String]) throws -> [TopicPartitionOffset] {
        var positions: [TopicPartitionOffset] = []
        for topic in topics {
            for partition in 0..<Int32(try partitionCount(of: topic)) {
                let partition = TopicPartition(topic, partition)
                positions.append(TopicPartitionOffset(partition, offset: try metadataClient.watermarks(partition).high))
            }
        }
        return positions
    }

    /// Blocking: call through `BlockingCalls.run`.
    func highWatermark(of partition: TopicPartition) throws -> Int64 { try metadataClient.watermarks(partition).high }

    /// A reader for one restore: fresh, so no message buffered for an earlier read can mix in.
    func makeReader() throws -> LogReader { LogReader(consumer: try KafkaConsumer(config: readerConfig, logger: logger)) }

    private func statePartition(of shard: Int32) throws -> Int32 {
        Int32(Int(shard) % (try partitionCount(of: topic)))
    }

    private func partitionCount(of topic: String) throws -> Int {
        if let count = partitionCounts.current[topic] { return count }
        guard let count = try metadataClient.metadata().topic(topic)?.partitions.count, count > 0 else {
            throw CheckpointError.topicMissing(topic)
        }
        partitionCounts.withLock { $0[topic] = count }
        return count
    }
}

/// Reads partitions from an offset up to their high watermark, without a group.
final class LogReader {
    private let consumer: KafkaConsumer
    private let stallTimeout: Duration

    init(consumer: KafkaConsumer, stallTimeout: Duration = .seconds(30)) {
        self.consumer = consumer
        self.stallTimeout = stallTimeout
    }

    deinit { consumer.close() }

    /// The messages of `partition` from `offset` (or its first retained one) up to the
    /// high watermark at the time of the call.
    func read(_ partition: TopicPartition, from offset: Int64) async throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        try await read(partition, from: offset) { messages.append($0) }
        return messages
    }

    /// Hands each message of `partition` from `offset` up to the high watermark at the
    /// time of the call to `body`, in offset order, without keeping them.
    func read(_ partition: TopicPartition, from offset: Int64, _ body: (KafkaMessage) -> Void) async throws {
        let (low, high) = try await BlockingCalls.run { [consumer] in try consumer.watermarks(partition) }
        var next = max(offset, low)
        guard next < high else { return }
        try consumer.assign([TopicPartitionOffset(partition, offset: next)])
        defer { try? consumer.assign([]) }
        var lastProgress = ContinuousClock.now
        while next < high {
            guard ContinuousClock.now - lastProgress < stallTimeout else {
                throw CheckpointError.readTimedOut(partition, next: next, end: high)
            }
            guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
            for message in batch where message.topicPartition == partition && message.offset >= next && message.offset < high {
                body(message)
                next = message.offset + 1
                lastProgress = .now
            }
        }
    }
}
