import Kafka
import Logging

/// One shard's checkpoint as one record on the state topic: the engine blob as the
/// value, and in headers what it covers.
///
/// - `inputOffsets`: the next offset of each input partition of the shard that the
///   engine state includes (a restore seeks there).
/// - `outputPositions`: the high watermark of every output partition when the
///   checkpoint was taken (all outputs up to then were acknowledged). Whatever the
///   shard emitted after the checkpoint lies at or after these offsets, so a restore
///   reads from there to the end to find the outputs it must not emit again.
struct ShardCheckpoint: Sendable, Equatable {
    static let formatHeader = "driftwatch-checkpoint-format"
    static let inputOffsetsHeader = "driftwatch-input-offsets"
    static let outputPositionsHeader = "driftwatch-output-positions"
    static let format = "1"

    var engine: [UInt8]
    var inputOffsets: [TopicPartitionOffset]
    var outputPositions: [TopicPartitionOffset]

    var headers: [KafkaHeader] {
        [KafkaHeader(Self.formatHeader, Self.format),
         KafkaHeader(Self.inputOffsetsHeader, Self.encode(inputOffsets)),
         KafkaHeader(Self.outputPositionsHeader, Self.encode(outputPositions))]
    }

    /// Parses a state-topic record; throws for a record of another format or damaged headers.
    init(record: KafkaMessage) throws(CheckpointError) {
        func header(_ name: String) -> String? {
            record.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        guard header(Self.formatHeader) == Self.format else {
            throw CheckpointError.malformedRecord("unknown checkpoint format \(header(Self.formatHeader) ?? "none") at \(record.topicPartition)@\(record.offset)")
        }
        engine = record.value
        inputOffsets = try Self.decode(header(Self.inputOffsetsHeader) ?? "")
        outputPositions = try Self.decode(header(Self.outputPositionsHeader) ?? "")
    }

    init(engine: [UInt8], inputOffsets: [TopicPartitionOffset], outputPositions: [TopicPartitionOffset]) {
        self.engine = engine
        self.inputOffsets = inputOffsets
        self.outputPositions = outputPositions
    }

    /// `topic:partition:offset,...` (Kafka topic names cannot contain `:` or `,`).
    static func encode(_ offsets: [TopicPartitionOffset]) -> String {
        offsets.map { "\($0.topicPartition.topic):\($0.topicPartition.partition):\($0.offset)" }.joined(separator: ",")
    }

    static func decode(_ text: String) throws(CheckpointError) -> [TopicPartitionOffset] {
        var offsets: [TopicPartitionOffset] = []
        for entry in text.split(separator: ",") {
            let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty, let partition = Int32(fields[1]), let offset = Int64(fields[2]) else {
                throw CheckpointError.malformedRecord("bad offset entry '\(entry)'")
            }
            offsets.append(TopicPartitionOffset(TopicPartition(String(fields[0]), partition), offset: offset))
        }
        return offsets
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case malformedRecord(String)
    case topicMissing(String)
    case readTimedOut(TopicPartition, next: Int64, end: Int64)

    public var description: String {
        switch self {
        case let .malformedRecord(reason): "malformed checkpoint record: \(reason)"
        case let .topicMissing(topic): "topic \(topic) does not exist (create the state topic, compacted, before serving)"
        case let .readTimedOut(partition, next, end): "reading \(partition) stalled at offset \(next) before its end \(end)"
        }
    }
}

/// Saves and loads shard checkpoints on the (compacted) state topic, and reads output
/// partitions back for de-duplication.
///
/// A shard's record has the key `<group>/<shard>` and goes to state partition
/// `shard % partitions` (chosen explicitly, so a restore knows which partition to
/// read without reproducing the client's key hash). Loading reads that partition from
/// the beginning to its high watermark and keeps the last record of the key.
public final class CheckpointStore: Sendable {
    public let topic: String
    public let group: String
    private let producer: KafkaProducer
    /// Watermark and metadata queries only (it never joins a group or fetches).
    private let metadataClient: KafkaConsumer
    private let readerConfig: KafkaConfig
    private let logger: Logger
    private let partitionCounts = Protected<[String: Int]>([:])

    /// - Parameter config: the connection settings; readers get their own `group.id` and never commit.
    public init(topic: String, group: String, config: KafkaConfig, producer: KafkaProducer, logger: Logger) throws {
        self.topic = topic
        self.group = group
        self.producer = producer
        self.logger = logger
        var readerConfig = config
        readerConfig["group.id"] = "\(group)-state-reader"
        readerConfig["auto.offset.reset"] = "earliest"
        self.readerConfig = readerConfig
        metadataClient = try KafkaConsumer(config: readerConfig, logger: logger)
    }

    func close() { metadataClient.close() }

    func key(shard: Int32) -> [UInt8] { Array("\(group)/\(shard)".utf8) }

    /// Writes the checkpoint and waits until the broker acknowledged it.
    func save(_ checkpoint: ShardCheckpoint, shard: Int32) async throws {
        let partition = try statePartition(of: shard)
        _ = try await producer.send(topic: topic, key: key(shard: shard), value: checkpoint.engine,
                                    headers: checkpoint.headers, partition: partition)
    }

    /// The latest checkpoint of each of `shards` that has one.
    func load(_ shards: some Sequence<Int32>, using reader: LogReader) async throws -> [Int32: ShardCheckpoint] {
        var byPartition: [Int32: [Int32]] = [:]
        for shard in shards { byPartition[try statePartition(of: shard), default: []].append(shard) }
        var checkpoints: [Int32: ShardCheckpoint] = [:]
        for (partition, partitionShards) in byPartition {
            var latest: [[UInt8]: KafkaMessage] = [:]
            for record in try await reader.read(TopicPartition(topic, partition), from: KafkaOffset.beginning) {
                if let key = record.key { latest[key] = record }
            }
            for shard in partitionShards {
                if let record = latest[key(shard: shard)] { checkpoints[shard] = try ShardCheckpoint(record: record) }
            }
        }
        return checkpoints
    }

    /// The high watermark of every partition of `topics`.
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
        let (low, high) = try consumer.watermarks(partition)
        var next = max(offset, low)
        guard next < high else { return [] }
        try consumer.assign([TopicPartitionOffset(partition, offset: next)])
        defer { try? consumer.assign([]) }
        var messages: [KafkaMessage] = []
        var lastProgress = ContinuousClock.now
        while next < high {
            guard ContinuousClock.now - lastProgress < stallTimeout else {
                throw CheckpointError.readTimedOut(partition, next: next, end: high)
            }
            guard case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(200)) else { continue }
            for message in batch where message.topicPartition == partition && message.offset >= next && message.offset < high {
                messages.append(message)
                next = message.offset + 1
                lastProgress = .now
            }
        }
        return messages
    }
}
