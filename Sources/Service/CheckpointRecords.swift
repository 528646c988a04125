import DriftCore
import Kafka
import MonitorCore

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
    /// The label join's pages the engine blob leaves out (``MonitorEngine/checkpointWithoutJoinPages()``).
    var joinPages: [JoinPageSource] = []
    var inputOffsets: [TopicPartitionOffset]
    var outputPositions: [TopicPartitionOffset]

    /// The pages' bytes by page number, for ``MonitorEngine/init(restoring:joinPages:configuration:rules:decoder:)``
    /// (a checkpoint read back has them all).
    var joinPageBytes: [Int: [UInt8]] {
        Dictionary(joinPages.compactMap { source in
            guard case let .bytes(page, bytes) = source else { return nil }
            return (page.number, bytes)
        }) { _, last in last }
    }
}

/// A label-join page of a checkpoint: its bytes (written with the checkpoint), or the
/// record of an earlier checkpoint of the same slot that already holds them (a full page
/// never changes: it is written once per slot, see ``JoinPage``).
enum JoinPageSource: Sendable, Equatable {
    case bytes(JoinPage, [UInt8])
    case stored(JoinPageRecord)
}

/// The label-join pages each slot of a shard holds (its last complete checkpoint's), so the
/// next checkpoint of the slot writes only pages it lacks: new ones and the growing last
/// one (a full page never changes, see ``JoinPage``) — and pages written too long ago.
///
/// *Refresh.* A stored page is reused only while the shard has written less than
/// `refreshBytes` (by default `max(2 MiB, 8 × the slot's page bytes)`) of state records
/// since that page was written; then it is written again (a periodic full snapshot). Each
/// slot rewrites its pages (P bytes) at most once per 8P bytes written, so refreshes are
/// at most 2P of every 8P: they add at most a third to the incremental writes. On a compacted topic nothing requires it, but it
/// bounds how far back in the partition a restore reaches, so a broker that retains only
/// the last few MiB of a partition and does not compact (the embedded one) still holds
/// every page a checkpoint names. Nothing known of a slot (a shard just taken on, after a
/// restore): every page is written there.
struct JoinPageLedger {
    private var slots: [UInt8: [Int: JoinPageRecord]] = [:]
    /// Bytes of all the shard's checkpoint records so far, and that count when each generation still referred to began.
    private var bytesWritten = 0
    private var bytesBefore: [UInt64: Int] = [:]
    /// A fixed refresh bound; `nil`: the default rule.
    private let refreshBytes: Int?
    static let minimumRefreshBytes = 2 << 20

    init(refreshBytes: Int? = nil) {
        self.refreshBytes = refreshBytes
    }

    /// The engine's state and label-join pages for a checkpoint at `placement`: pages its
    /// slot holds (and not due for a refresh) are referred to, the others encoded. Writing
    /// the slot overwrites what it held, so nothing is known there until ``written(_:slot:bytes:)``.
    mutating func checkpoint(_ engine: MonitorEngine, at placement: CheckpointPlacement) -> (state: [UInt8], joinPages: [JoinPageSource]) {
        let held = slots.removeValue(forKey: placement.slot) ?? [:]
        let refresh = refreshBytes ?? max(Self.minimumRefreshBytes, 8 * held.values.reduce(0) { $0 + $1.bytes })
        bytesBefore[placement.generation] = bytesWritten
        let (state, pages) = engine.checkpointWithoutJoinPages()
        return (state, pages.map { live in
            if let record = held[live.number], record.page.covers(live),
               let before = bytesBefore[record.generation], bytesWritten - before < refresh {
                return .stored(record)
            }
            return .bytes(live, engine.joinPage(live.number))
        })
    }

    /// The checkpoint into `slot` was acknowledged with these pages (its manifest's) in records of `bytes` in all.
    mutating func written(_ pages: [JoinPageRecord], slot: UInt8, bytes: Int) {
        bytesWritten += bytes
        slots[slot] = Dictionary(pages.map { ($0.page.number, $0) }) { _, last in last }
        let referenced = Set(slots.values.flatMap { $0.values.map(\.generation) })
        bytesBefore = bytesBefore.filter { referenced.contains($0.key) }
    }
}

/// Where a manifest finds a label-join page: under key index `key` of the checkpoint's
/// slot (page number modulo ``MonitorEngine/joinPageKeyCount``: a bounded key space),
/// written by checkpoint `generation` in `parts` records, with its size and CRC.
struct JoinPageRecord: Sendable, Equatable {
    var page: JoinPage
    var key: Int
    var generation: UInt64
    var parts: Int
    var bytes: Int
    var crc: UInt32
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
    /// Version 2 added the label-join pages.
    static let version: UInt32 = 2

    var group: String
    var shard: Int32
    var placement: CheckpointPlacement
    var chunkCount: Int
    var totalBytes: Int
    /// CRC-32 of the engine blob (the chunks concatenated).
    var crc: UInt32
    var inputOffsets: [TopicPartitionOffset]
    var outputPositions: [TopicPartitionOffset]
    /// The label join's pages, in page order (written by this checkpoint or an earlier one of its slot).
    var joinPages: [JoinPageRecord]

    var blob: [UInt8] { VersionedBlob.encode(self, kind: Self.kind, version: Self.version) }

    init(group: String, shard: Int32, placement: CheckpointPlacement, chunkCount: Int, totalBytes: Int, crc: UInt32,
         inputOffsets: [TopicPartitionOffset], outputPositions: [TopicPartitionOffset], joinPages: [JoinPageRecord] = []) {
        self.group = group
        self.shard = shard
        self.placement = placement
        self.chunkCount = chunkCount
        self.totalBytes = totalBytes
        self.crc = crc
        self.inputOffsets = inputOffsets
        self.outputPositions = outputPositions
        self.joinPages = joinPages
    }

    init(blob: [UInt8]) throws {
        self = try VersionedBlob.decode(blob, kind: Self.kind, newestVersion: Self.version) { reader, version in
            guard version == Self.version else {
                throw SerializationError.invalidValue(
                    "checkpoint manifest version \(version) (an earlier release, whose engine state this release cannot restore)")
            }
            return try Self(from: &reader)
        }
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
        writer.writeCount(joinPages.count)
        for record in joinPages {
            for count in [record.page.number, record.page.start, record.page.end, record.key, record.parts, record.bytes] {
                writer.writeCount(count)
            }
            writer.write(record.generation)
            writer.write(record.crc)
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
        joinPages = []
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) {
            let page = JoinPage(number: try reader.readCount(), start: try reader.readCount(), end: try reader.readCount())
            let key = try reader.readCount(), parts = try reader.readCount(), bytes = try reader.readCount()
            joinPages.append(JoinPageRecord(page: page, key: key, generation: try reader.readUInt64(), parts: parts, bytes: bytes,
                                            crc: try reader.readUInt32()))
        }
    }
}

/// The records of checkpoints on the state topic (format 2).
///
/// A checkpoint is written as chunks of the engine blob, each record at most
/// `maximumRecordBytes` (key, value and headers), the parts of the label-join pages the
/// slot does not hold yet, then a manifest record. Keys are
/// `<group>/<shard>/<slot>/<chunk index>`, `<group>/<shard>/<slot>/join-<key index>-<part>`
/// and `<group>/<shard>/<slot>/manifest`, so compaction keeps the newest records of both
/// slots: the last two checkpoints, each with the join pages its manifest names (a page
/// is overwritten only by page number + key count, never live at the same time). All
/// records of a shard go to state partition `shard % partitions`. Headers: the format,
/// the generation and the part (chunk index, `join-<page number>-<part>` or `manifest`).
///
/// Format 1 (one record keyed `<group>/<shard>` holding the whole engine blob) is
/// recognised, to say so, and not read.
enum CheckpointRecord: Equatable {
    case chunk(shard: Int32, generation: UInt64, index: Int, bytes: [UInt8])
    /// Part `part` of label-join page `page`, stored under key index `key` of `slot`.
    case joinPagePart(shard: Int32, slot: UInt8, key: Int, page: Int, generation: UInt64, part: Int, bytes: [UInt8])
    case manifest(CheckpointManifest)
    /// A record of another checkpoint format (`"1"`: an earlier release; anything else: a newer one).
    case otherFormat(shard: Int32, format: String)

    static let formatHeader = "driftwatch-checkpoint-format"
    static let generationHeader = "driftwatch-checkpoint-generation"
    static let partHeader = "driftwatch-checkpoint-part"
    static let format = "2"
    static let manifestPart = "manifest"
    /// Parts of label-join pages: keys `.../join-<key index>-<part>`, part headers `join-<page number>-<part>`.
    static let joinPart = "join"
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
                        maximumRecordBytes: Int, joinPageKeys: Int = 1) throws(CheckpointError) -> [Outgoing] {
        try plan(checkpoint, group: group, shard: shard, placement: placement, maximumRecordBytes: maximumRecordBytes,
                 joinPageKeys: joinPageKeys).records
    }

    /// The records of `checkpoint` — the engine blob's chunks, the parts of the label-join
    /// pages it writes (`.bytes`; key index page number % `joinPageKeys`), then its
    /// manifest — each at most `maximumRecordBytes`, and the manifest.
    static func plan(_ checkpoint: ShardCheckpoint, group: String, shard: Int32, placement: CheckpointPlacement,
                     maximumRecordBytes: Int, joinPageKeys: Int) throws(CheckpointError) -> (records: [Outgoing], manifest: CheckpointManifest) {
        let chunkBytes = maximumRecordBytes - recordOverhead - group.utf8.count
        guard chunkBytes > 0 else { throw .recordTooLarge(shard: shard, bytes: recordOverhead + group.utf8.count, limit: maximumRecordBytes) }
        func headers(_ part: String) -> [KafkaHeader] {
            [KafkaHeader(formatHeader, format), KafkaHeader(generationHeader, String(placement.generation)),
             KafkaHeader(partHeader, part)]
        }
        /// `bytes` in chunks (at least one), each a record named by `names(index)` (key part, header part).
        func chunks(of bytes: [UInt8], _ names: (Int) -> (key: String, header: String)) -> [Outgoing] {
            stride(from: 0, to: max(bytes.count, 1), by: chunkBytes).enumerated().map { index, start in
                let name = names(index)
                return Outgoing(key: key(group: group, shard: shard, slot: placement.slot, part: name.key),
                                value: Array(bytes[start..<min(start + chunkBytes, bytes.count)]), headers: headers(name.header))
            }
        }
        let engine = checkpoint.engine
        var records = chunks(of: engine) { (String($0), String($0)) }
        let chunkCount = records.count
        var pages: [JoinPageRecord] = []
        for source in checkpoint.joinPages {
            switch source {
            case let .stored(record):
                pages.append(record)
            case let .bytes(page, bytes):
                let key = page.number % max(joinPageKeys, 1)
                let parts = chunks(of: bytes) { ("\(joinPart)-\(key)-\($0)", "\(joinPart)-\(page.number)-\($0)") }
                records += parts
                pages.append(JoinPageRecord(page: page, key: key, generation: placement.generation, parts: parts.count,
                                            bytes: bytes.count, crc: CRC32.checksum(bytes)))
            }
        }
        let manifest = CheckpointManifest(group: group, shard: shard, placement: placement, chunkCount: chunkCount,
                                          totalBytes: engine.count, crc: CRC32.checksum(engine),
                                          inputOffsets: checkpoint.inputOffsets, outputPositions: checkpoint.outputPositions,
                                          joinPages: pages)
        records.append(Outgoing(key: key(group: group, shard: shard, slot: placement.slot, part: manifestPart),
                                value: manifest.blob, headers: headers(manifestPart)))
        if let oversize = records.first(where: { $0.size > maximumRecordBytes }) {
            throw .recordTooLarge(shard: shard, bytes: oversize.size, limit: maximumRecordBytes)
        }
        return (records, manifest)
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
        } else if part.hasPrefix(Self.joinPart + "-") {
            // join-<page>-<part> in the header, join-<key index>-<part> in the key.
            func numbers(_ text: Substring) -> [Int]? {
                let fields = text.split(separator: "-").dropFirst().compactMap { Int($0) }
                return fields.count == 2 && fields.allSatisfy { $0 >= 0 } ? fields : nil
            }
            guard let named = numbers(part[...]), let keyed = numbers(fields[2]), named[1] == keyed[1],
                  let slot = UInt8(fields[1]), slot <= 1 else {
                throw .malformedRecord("label-join part '\(part)' of the record keyed '\(key)' at \(where_)")
            }
            self = .joinPagePart(shard: shard, slot: slot, key: keyed[0], page: named[0], generation: generation, part: named[1],
                                 bytes: message.value)
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

/// Gathers the checkpoints of some shards from state-topic records read in offset order.
/// Keeps, per shard, the newest two *candidates* — manifests whose chunks all arrived and
/// add up to the size the manifest names — with their chunks, and why newer sets were not
/// usable. Chunks are held only until a manifest of their generation or a later one arrives;
/// label-join page parts, the newest of each key (as compaction keeps them), as long as
/// they are read: a manifest uses pages written by earlier checkpoints of its slot.
///
/// A candidate is reassembled (chunks joined, CRC and label-join pages checked) only when
/// ``checkpoints(of:)`` reaches it: a restore that can use the newest never reassembles the
/// one before (half the work: both are the shard's whole state, 64 MB with a million
/// predictions waiting for labels).
struct CheckpointCollector {
    let group: String
    let shards: Set<Int32>
    /// Candidates, newest generation first (at most two per shard).
    private var candidates: [Int32: [Candidate]] = [:]
    /// What was found and could not be used (incomplete sets, damaged records, other formats).
    private(set) var problems: [Int32: [String]] = [:]
    /// The newest generation with a manifest, complete or not.
    private(set) var newestManifest: [Int32: UInt64] = [:]
    /// The highest generation seen in any record (a new checkpoint must go above it).
    private(set) var highestGeneration: [Int32: UInt64] = [:]
    private var chunks: [Int32: [UInt64: [Int: [UInt8]]]] = [:]
    private var joinPageParts: [Int32: [JoinPartKey: JoinPart]] = [:]

    struct JoinPartKey: Hashable {
        var slot: UInt8
        var key: Int
        var part: Int
    }

    struct JoinPart {
        var page: Int
        var generation: UInt64
        var bytes: [UInt8]
    }

    /// A manifest whose chunks are all there: a checkpoint unless its CRC or pages say otherwise.
    struct Candidate {
        var manifest: CheckpointManifest
        var chunks: [Int: [UInt8]]
        /// The manifest record's position, for messages.
        var location: String
    }

    /// Why a candidate cannot be used, in the words of ``problems``.
    struct Unusable: Error, CustomStringConvertible {
        var generation: UInt64
        var location: String
        var reason: AssemblyFailure

        var description: String { "checkpoint generation \(generation) (manifest at \(location)): \(reason)" }
    }

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
        case let .joinPagePart(shard, slot, key, page, generation, part, bytes)? where shards.contains(shard):
            highestGeneration[shard] = max(highestGeneration[shard] ?? 0, generation)
            joinPageParts[shard, default: [:]][JoinPartKey(slot: slot, key: key, part: part)] =
                JoinPart(page: page, generation: generation, bytes: bytes)
        case let .manifest(manifest)? where shards.contains(manifest.shard):
            let shard = manifest.shard
            let generation = manifest.placement.generation
            highestGeneration[shard] = max(highestGeneration[shard] ?? 0, generation)
            newestManifest[shard] = max(newestManifest[shard] ?? 0, generation)
            let location = "\(message.topicPartition)@\(message.offset)"
            let found = chunks[shard]?[generation] ?? [:]
            if let reason = Self.missingPart(manifest, chunks: found) {
                problems[shard, default: []].append(Unusable(generation: generation, location: location, reason: reason).description)
            } else {
                var list = candidates[shard, default: []].filter { $0.manifest.placement.generation != generation }
                list.append(Candidate(manifest: manifest, chunks: found, location: location))
                candidates[shard] = Array(list.sorted { $0.manifest.placement.generation > $1.manifest.placement.generation }.prefix(2))
            }
            // Chunks of this generation and older ones (stale chunks a smaller checkpoint left
            // in its slot) are no longer needed.
            chunks[shard] = chunks[shard]?.filter { $0.key > generation }
        default: return
        }
    }

    /// The shard's candidates, newest first, each reassembled only when the sequence reaches
    /// it (see the type's discussion): a stored checkpoint, or why that one is unusable.
    func checkpoints(of shard: Int32) -> LazyMapSequence<[Candidate], Result<StoredCheckpoint, Unusable>> {
        let parts = joinPageParts[shard] ?? [:]
        return (candidates[shard] ?? []).lazy.map { candidate in
            let manifest = candidate.manifest
            return Self.assemble(manifest, chunks: candidate.chunks)
                .flatMap { engine in Self.assembleJoinPages(manifest, parts: parts).map { (engine, $0) } }
                .map { engine, pages in
                    StoredCheckpoint(checkpoint: ShardCheckpoint(engine: engine, joinPages: pages, inputOffsets: manifest.inputOffsets,
                                                                 outputPositions: manifest.outputPositions),
                                     placement: manifest.placement, location: candidate.location)
                }
                .mapError { Unusable(generation: manifest.placement.generation, location: candidate.location, reason: $0) }
        }
    }

    /// Why `manifest`'s chunks cannot make its checkpoint, whatever their bytes: one missing,
    /// or their sizes not adding up to its total (nil: a candidate). O(chunks).
    static func missingPart(_ manifest: CheckpointManifest, chunks: [Int: [UInt8]]) -> AssemblyFailure? {
        var bytes = 0
        for index in 0..<manifest.chunkCount {
            guard let chunk = chunks[index] else { return .missingChunk(index, of: manifest.chunkCount) }
            bytes += chunk.count
        }
        return bytes == manifest.totalBytes ? nil : .size(bytes, expected: manifest.totalBytes)
    }

    /// The engine blob of `manifest`'s chunks, or why they do not make a complete checkpoint. O(state).
    static func assemble(_ manifest: CheckpointManifest, chunks: [Int: [UInt8]]) -> Result<[UInt8], AssemblyFailure> {
        if let missing = missingPart(manifest, chunks: chunks) { return .failure(missing) }
        var engine: [UInt8] = []
        engine.reserveCapacity(manifest.totalBytes)
        for index in 0..<manifest.chunkCount { engine += chunks[index]! }
        let crc = CRC32.checksum(engine)
        guard crc == manifest.crc else { return .failure(.crc(crc, expected: manifest.crc)) }
        return .success(engine)
    }

    /// The label-join pages `manifest` names, from the newest parts of their keys, or why
    /// one is missing (overwritten or never written: a later checkpoint of the slot was cut
    /// short) or damaged.
    static func assembleJoinPages(_ manifest: CheckpointManifest, parts: [JoinPartKey: JoinPart]) -> Result<[JoinPageSource], AssemblyFailure> {
        var pages: [JoinPageSource] = []
        for record in manifest.joinPages {
            var bytes: [UInt8] = []
            for index in 0..<record.parts {
                guard let part = parts[JoinPartKey(slot: manifest.placement.slot, key: record.key, part: index)],
                      part.page == record.page.number, part.generation == record.generation else {
                    return .failure(.joinPage(record.page, .missingChunk(index, of: record.parts)))
                }
                if record.parts == 1 { bytes = part.bytes } else { bytes += part.bytes }  // one part: share its buffer
            }
            guard bytes.count == record.bytes else { return .failure(.joinPage(record.page, .size(bytes.count, expected: record.bytes))) }
            let crc = CRC32.checksum(bytes)
            guard crc == record.crc else { return .failure(.joinPage(record.page, .crc(crc, expected: record.crc))) }
            pages.append(.bytes(record.page, bytes))
        }
        return .success(pages)
    }

    indirect enum AssemblyFailure: Error, CustomStringConvertible {
        case missingChunk(Int, of: Int)
        case size(Int, expected: Int)
        case crc(UInt32, expected: UInt32)
        case joinPage(JoinPage, AssemblyFailure)

        var description: String {
            switch self {
            case let .missingChunk(index, count): "chunk \(index) of \(count) missing"
            case let .size(bytes, expected): "chunks hold \(bytes) bytes, the manifest says \(expected)"
            case let .crc(actual, expected): "CRC \(actual) of the chunks, the manifest says \(expected)"
            case let .joinPage(page, failure): "label-join \(page): \(failure)"
            }
        }
    }
}

/// A shard's checkpoints written as state-topic records as serve writes them (slots in
/// turn, label-join pages incrementally, ``JoinPageLedger``) into an in-memory compacted
/// partition (the newest record of each key), and read back as a restore reads them:
/// what `driftwatch bench checkpoint` measures, without a broker.
package struct CompactedCheckpointLog {
    private var records: [[UInt8]: KafkaMessage] = [:]
    private var nextOffset: Int64 = 0
    private var ledger = JoinPageLedger()
    private var placement = CheckpointPlacement.first
    private let maximumRecordBytes: Int
    private let configuration: MonitorConfiguration
    private static let group = "bench"

    package init(maximumRecordBytes: Int, configuration: MonitorConfiguration) {
        self.maximumRecordBytes = maximumRecordBytes
        self.configuration = configuration
    }

    /// Bytes of the records kept (what a compacted state partition holds for the shard).
    package var retainedBytes: Int { records.values.reduce(0) { $0 + ($1.key?.count ?? 0) + $1.value.count } }

    /// Writes the engine's next checkpoint; returns the sizes of its records.
    package mutating func write(_ engine: MonitorEngine) throws -> [Int] {
        let (state, pages) = ledger.checkpoint(engine, at: placement)
        let (outgoing, manifest) = try CheckpointRecord.plan(
            ShardCheckpoint(engine: state, joinPages: pages, inputOffsets: [], outputPositions: []), group: Self.group, shard: 0,
            placement: placement, maximumRecordBytes: maximumRecordBytes, joinPageKeys: LabelJoin<JoinedPrediction>.pageKeyCount(configuration.join))
        for record in outgoing {
            records[record.key] = KafkaMessage(topic: "state", partition: 0, offset: nextOffset, key: record.key, value: record.value,
                                               headers: record.headers)
            nextOffset += 1
        }
        ledger.written(manifest.joinPages, slot: placement.slot, bytes: outgoing.reduce(0) { $0 + $1.size })
        placement = placement.next
        return outgoing.map(\.size)
    }

    /// The engine of the newest complete checkpoint, read back in offset order and restored
    /// (the one before is reassembled only if the newest is unusable).
    package func restore(rules: RuleSet) throws -> MonitorEngine {
        var collector = CheckpointCollector(group: Self.group, shards: [0])
        for message in records.values.sorted(by: { $0.offset < $1.offset }) { collector.add(message) }
        var problems = collector.problems[0] ?? []
        for candidate in collector.checkpoints(of: 0) {
            switch candidate {
            case let .success(newest):
                return try MonitorEngine(restoring: newest.checkpoint.engine, joinPages: newest.checkpoint.joinPageBytes,
                                         configuration: configuration, rules: rules)
            case let .failure(unusable):
                problems.append(unusable.description)
            }
        }
        throw CheckpointError.missingState(shard: 0, committed: [], stateTopic: "state", problems: problems)
    }
}
