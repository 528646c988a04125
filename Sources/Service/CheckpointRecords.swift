import DriftCore
import Kafka

/// One shard's checkpoint: the engine's blob (``MonitorEngine/checkpoint()``, itself a
/// versioned, CRC-checked blob) and what it covers.
///
/// - `inputOffsets`: the next offset of each input partition of the shard that the
///   engine state includes (a restore seeks there).
/// - `outputPositions`: the high watermark of every output partition when the
///   checkpoint was taken (all outputs up to then were acknowledged). Whatever the
///   shard emitted after the checkpoint lies at or after these offsets, so a restore
///   reads from there to the end to find the outputs it must not emit again.
struct ShardCheckpoint: Sendable, Equatable {
    var engine: [UInt8]
    var inputOffsets: [TopicPartitionOffset]
    var outputPositions: [TopicPartitionOffset]
}

/// Where a shard's checkpoint goes on the state topic: its generation (increasing per
/// shard) and its slot (0 or 1). Consecutive checkpoints alternate slots, and the keys
/// name the slot, so a compacted topic keeps the last two complete checkpoints of each
/// shard: writing one never overwrites the keys of the newest complete one.
struct CheckpointPlacement: Sendable, Equatable {
    var generation: UInt64
    var slot: UInt8

    /// The first checkpoint of a shard that has none.
    static let first = CheckpointPlacement(generation: 1, slot: 0)

    /// The placement after this one (a checkpoint restored from here, or just written).
    var next: CheckpointPlacement { CheckpointPlacement(generation: generation + 1, slot: 1 - slot) }
}

/// The last record of a checkpoint: what it covers and how to check its chunks.
/// Versioned (``VersionedBlob``, kind `driftwatch.checkpoint-manifest`): a manifest of an
/// unknown version, or damaged, is an error naming it, never a crash.
struct CheckpointManifest: BinaryCodable, Sendable, Equatable {
    static let kind = "driftwatch.checkpoint-manifest"
    static let version: UInt32 = 1

    var group: String
    var shard: Int32
    var placement: CheckpointPlacement
    var chunkCount: Int
    var totalBytes: Int
    /// CRC-32 of the engine blob (the chunks concatenated).
    var crc: UInt32
    var inputOffsets: [TopicPartitionOffset]
    var outputPositions: [TopicPartitionOffset]

    var blob: [UInt8] { VersionedBlob.encode(self, kind: Self.kind, version: Self.version) }

    init(group: String, shard: Int32, placement: CheckpointPlacement, chunkCount: Int, totalBytes: Int, crc: UInt32,
         inputOffsets: [TopicPartitionOffset], outputPositions: [TopicPartitionOffset]) {
        self.group = group
        self.shard = shard
        self.placement = placement
        self.chunkCount = chunkCount
        self.totalBytes = totalBytes
        self.crc = crc
        self.inputOffsets = inputOffsets
        self.outputPositions = outputPositions
    }

    init(blob: [UInt8]) throws {
        self = try VersionedBlob.decode(Self.self, from: blob, kind: Self.kind, newestVersion: Self.version)
    }

    func encode(to writer: inout BinaryWriter) {
        writer.write(group)
        writer.write(Int64(shard))
        writer.write(placement.generation)
        writer.write(placement.slot)
        writer.writeCount(chunkCount)
        writer.writeCount(totalBytes)
        writer.write(crc)
        for offsets in [inputOffsets, outputPositions] {
            writer.writeCount(offsets.count)
            for offset in offsets {
                writer.write(offset.topicPartition.topic)
                writer.write(Int64(offset.topicPartition.partition))
                writer.write(offset.offset)
            }
        }
    }

    init(from reader: inout BinaryReader) throws {
        func int32(_ value: Int64, _ what: String) throws -> Int32 {
            guard let value = Int32(exactly: value) else { throw SerializationError.invalidValue("\(what) \(value)") }
            return value
        }
        group = try reader.readString()
        shard = try int32(try reader.readInt64(), "shard")
        let generation = try reader.readUInt64()
        let slot = try reader.readByte()
        guard slot <= 1 else { throw SerializationError.invalidValue("checkpoint slot \(slot)") }
        placement = CheckpointPlacement(generation: generation, slot: slot)
        chunkCount = try reader.readCount()
        totalBytes = try reader.readCount()
        crc = try reader.readUInt32()
        var lists: [[TopicPartitionOffset]] = []
        for _ in 0..<2 {
            let count = try reader.readCount(maximum: reader.remaining)
            var offsets: [TopicPartitionOffset] = []
            for _ in 0..<count {
                let topic = try reader.readString()
                let partition = try int32(try reader.readInt64(), "partition")
                offsets.append(TopicPartitionOffset(TopicPartition(topic, partition), offset: try reader.readInt64()))
            }
            lists.append(offsets)
        }
        inputOffsets = lists[0]
        outputPositions = lists[1]
    }
}

/// The records of checkpoints on the state topic (format 2).
///
/// A checkpoint is written as chunks of the engine blob, each record at most
/// `maximumRecordBytes` (key, value and headers), then a manifest record. Keys are
/// `<group>/<shard>/<slot>/<chunk index>` and `<group>/<shard>/<slot>/manifest`, so
/// compaction keeps the newest records of both slots: the last two checkpoints. All
/// records of a shard go to state partition `shard % partitions`. Headers: the format,
/// the generation and the part (chunk index or `manifest`).
///
/// Format 1 (one record keyed `<group>/<shard>` holding the whole engine blob) is
/// recognised, to say so, and not read.
enum CheckpointRecord: Equatable {
    case chunk(shard: Int32, generation: UInt64, index: Int, bytes: [UInt8])
    case manifest(CheckpointManifest)
    /// A record of another checkpoint format (`"1"`: an earlier release; anything else: a newer one).
    case otherFormat(shard: Int32, format: String)

    static let formatHeader = "driftwatch-checkpoint-format"
    static let generationHeader = "driftwatch-checkpoint-generation"
    static let partHeader = "driftwatch-checkpoint-part"
    static let format = "2"
    static let manifestPart = "manifest"
    /// Room left in each record for its key, headers and Kafka's per-record framing.
    static let recordOverhead = 256
    /// The smallest `checkpoint.max_record_bytes` accepted.
    static let minimumRecordBytes = 16 << 10

    struct Outgoing: Equatable {
        var key: [UInt8]
        var value: [UInt8]
        var headers: [KafkaHeader]

        /// What the record weighs against a broker's message size limit (framing aside).
        var size: Int { key.count + value.count + headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) } }
    }

    static func key(group: String, shard: Int32, slot: UInt8, part: String) -> [UInt8] {
        Array("\(group)/\(shard)/\(slot)/\(part)".utf8)
    }

    /// The chunks of `checkpoint`, then its manifest, each at most `maximumRecordBytes`.
    static func records(for checkpoint: ShardCheckpoint, group: String, shard: Int32, placement: CheckpointPlacement,
                        maximumRecordBytes: Int) throws(CheckpointError) -> [Outgoing] {
        let chunkBytes = maximumRecordBytes - recordOverhead - group.utf8.count
        guard chunkBytes > 0 else { throw .recordTooLarge(shard: shard, bytes: recordOverhead + group.utf8.count, limit: maximumRecordBytes) }
        let engine = checkpoint.engine
        let starts = Array(stride(from: 0, to: max(engine.count, 1), by: chunkBytes))
        func headers(_ part: String) -> [KafkaHeader] {
            [KafkaHeader(formatHeader, format), KafkaHeader(generationHeader, String(placement.generation)),
             KafkaHeader(partHeader, part)]
        }
        var records = starts.enumerated().map { index, start in
            Outgoing(key: key(group: group, shard: shard, slot: placement.slot, part: String(index)),
                     value: Array(engine[start..<min(start + chunkBytes, engine.count)]), headers: headers(String(index)))
        }
        let manifest = CheckpointManifest(group: group, shard: shard, placement: placement, chunkCount: starts.count,
                                          totalBytes: engine.count, crc: CRC32.checksum(engine),
                                          inputOffsets: checkpoint.inputOffsets, outputPositions: checkpoint.outputPositions)
        records.append(Outgoing(key: key(group: group, shard: shard, slot: placement.slot, part: manifestPart),
                                value: manifest.blob, headers: headers(manifestPart)))
        if let oversize = records.first(where: { $0.size > maximumRecordBytes }) {
            throw .recordTooLarge(shard: shard, bytes: oversize.size, limit: maximumRecordBytes)
        }
        return records
    }

    /// Parses a state-topic record of `group`; `nil` for another group's record.
    /// Throws for a record of this group that is damaged.
    init?(_ message: KafkaMessage, group: String) throws(CheckpointError) {
        func header(_ name: String) -> String? {
            message.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard key.hasPrefix(group + "/") else { return nil }
        let fields = key.dropFirst(group.utf8.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        // Another group whose name extends ours ("a" and "a/b") has other key shapes.
        guard let shard = fields.first.flatMap({ Int32($0) }) else { return nil }
        let where_ = "\(message.topicPartition)@\(message.offset)"
        let format = header(Self.formatHeader) ?? "none"
        guard format == Self.format else {
            // Format 1 keys were `<group>/<shard>`.
            guard fields.count == 1 || format != "1" else { return nil }
            self = .otherFormat(shard: shard, format: format)
            return
        }
        guard fields.count == 3 else { return nil }  // shard, slot, part
        guard let part = header(Self.partHeader), let generation = header(Self.generationHeader).flatMap(UInt64.init) else {
            throw .malformedRecord("key '\(key)' or headers of a format-2 record at \(where_)")
        }
        if part == Self.manifestPart {
            do {
                let manifest = try CheckpointManifest(blob: message.value)
                guard manifest.shard == shard, manifest.group == group, manifest.placement.generation == generation else {
                    throw CheckpointError.malformedRecord("manifest at \(where_) is of \(manifest.group)/\(manifest.shard) generation \(manifest.placement.generation), its key says \(key) generation \(generation)")
                }
                self = .manifest(manifest)
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw .malformedRecord("manifest at \(where_): \(error)")
            }
        } else if let index = Int(part), index >= 0 {
            self = .chunk(shard: shard, generation: generation, index: index, bytes: message.value)
        } else {
            throw .malformedRecord("part '\(part)' of the record at \(where_)")
        }
    }
}

/// A complete checkpoint found on the state topic.
struct StoredCheckpoint: Sendable, Equatable {
    var checkpoint: ShardCheckpoint
    var placement: CheckpointPlacement
    /// The manifest record's position, for messages.
    var location: String
}

/// Reassembles the checkpoints of some shards from state-topic records read in offset
/// order. Keeps, per shard, the newest two complete sets (every chunk of the manifest's
/// generation, total size and CRC as the manifest says), and why newer ones were not
/// usable. Chunks are held only until a manifest of their generation or a later one arrives.
struct CheckpointCollector {
    let group: String
    let shards: Set<Int32>
    /// Complete checkpoints, newest generation first (at most two per shard).
    private(set) var complete: [Int32: [StoredCheckpoint]] = [:]
    /// What was found and could not be used (incomplete sets, damaged records, other formats).
    private(set) var problems: [Int32: [String]] = [:]
    /// The newest generation with a manifest, complete or not.
    private(set) var newestManifest: [Int32: UInt64] = [:]
    /// The highest generation seen in any record (a new checkpoint must go above it).
    private(set) var highestGeneration: [Int32: UInt64] = [:]
    private var chunks: [Int32: [UInt64: [Int: [UInt8]]]] = [:]

    init(group: String, shards: Set<Int32>) {
        self.group = group
        self.shards = shards
    }

    mutating func add(_ message: KafkaMessage) {
        let record: CheckpointRecord?
        do {
            record = try CheckpointRecord(message, group: group)
        } catch {
            // The shard is not known from a damaged key: note it for every shard read here.
            for shard in shards { problems[shard, default: []].append("\(error)") }
            return
        }
        switch record {
        case nil: return
        case let .otherFormat(shard, format)? where shards.contains(shard):
            let release = format == "1" ? "an earlier driftwatch release (one record per checkpoint)" : "another driftwatch release"
            problems[shard, default: []].append(
                "a checkpoint in format \(format) at \(message.topicPartition)@\(message.offset), written by \(release); this release reads format \(CheckpointRecord.format) only")
        case let .chunk(shard, generation, index, bytes)? where shards.contains(shard):
            highestGeneration[shard] = max(highestGeneration[shard] ?? 0, generation)
            chunks[shard, default: [:]][generation, default: [:]][index] = bytes
        case let .manifest(manifest)? where shards.contains(manifest.shard):
            let shard = manifest.shard
            let generation = manifest.placement.generation
            highestGeneration[shard] = max(highestGeneration[shard] ?? 0, generation)
            newestManifest[shard] = max(newestManifest[shard] ?? 0, generation)
            let location = "\(message.topicPartition)@\(message.offset)"
            switch Self.assemble(manifest, chunks: chunks[shard]?[generation] ?? [:]) {
            case let .success(engine):
                let stored = StoredCheckpoint(checkpoint: ShardCheckpoint(engine: engine, inputOffsets: manifest.inputOffsets,
                                                                          outputPositions: manifest.outputPositions),
                                              placement: manifest.placement, location: location)
                var list = complete[shard, default: []].filter { $0.placement.generation != generation }
                list.append(stored)
                complete[shard] = Array(list.sorted { $0.placement.generation > $1.placement.generation }.prefix(2))
            case let .failure(reason):
                problems[shard, default: []].append("checkpoint generation \(generation) (manifest at \(location)): \(reason)")
            }
            // Chunks of this generation and older ones (stale chunks a smaller checkpoint left
            // in its slot) are no longer needed.
            chunks[shard] = chunks[shard]?.filter { $0.key > generation }
        default: return
        }
    }

    /// The engine blob of `manifest`'s chunks, or why they do not make a complete checkpoint.
    static func assemble(_ manifest: CheckpointManifest, chunks: [Int: [UInt8]]) -> Result<[UInt8], AssemblyFailure> {
        var engine: [UInt8] = []
        engine.reserveCapacity(manifest.totalBytes)
        for index in 0..<manifest.chunkCount {
            guard let chunk = chunks[index] else { return .failure(.missingChunk(index, of: manifest.chunkCount)) }
            engine += chunk
        }
        guard engine.count == manifest.totalBytes else { return .failure(.size(engine.count, expected: manifest.totalBytes)) }
        let crc = CRC32.checksum(engine)
        guard crc == manifest.crc else { return .failure(.crc(crc, expected: manifest.crc)) }
        return .success(engine)
    }

    enum AssemblyFailure: Error, CustomStringConvertible {
        case missingChunk(Int, of: Int)
        case size(Int, expected: Int)
        case crc(UInt32, expected: UInt32)

        var description: String {
            switch self {
            case let .missingChunk(index, count): "chunk \(index) of \(count) missing"
            case let .size(bytes, expected): "chunks hold \(bytes) bytes, the manifest says \(expected)"
            case let .crc(actual, expected): "CRC \(actual) of the chunks, the manifest says \(expected)"
            }
        }
    }
}
