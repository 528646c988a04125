import DriftCore
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// Checkpoints as state-topic records (no broker): chunks of at most
/// `checkpoint.max_record_bytes` plus a manifest, reassembled only from complete sets,
/// the newest two kept per shard, and every unusable set or record named.
@Suite struct CheckpointRecordTests {
    static let group = "g"

    static func checkpoint(bytes: Int, seed: UInt8 = 1) -> ShardCheckpoint {
        ShardCheckpoint(engine: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) },
                        inputOffsets: [TopicPartitionOffset(TopicPartition("in.a-b_c", 2), offset: 77)],
                        outputPositions: [TopicPartitionOffset(TopicPartition("alerts", 0), offset: 5),
                                          TopicPartitionOffset(TopicPartition("dead", 3), offset: 0)])
    }

    /// The records of `checkpoint` as a consumer of the state topic reads them, from `offset` on.
    static func messages(_ checkpoint: ShardCheckpoint, shard: Int32 = 2, placement: CheckpointPlacement,
                         maximumRecordBytes: Int = 20_000, from offset: Int64) throws -> [KafkaMessage] {
        try CheckpointRecord.records(for: checkpoint, group: group, shard: shard, placement: placement,
                                     maximumRecordBytes: maximumRecordBytes)
            .enumerated().map { index, record in
                KafkaMessage(topic: "state", partition: 0, offset: offset + Int64(index), key: record.key, value: record.value,
                             headers: record.headers)
            }
    }

    static func collect(_ messages: [KafkaMessage], shards: Set<Int32> = [2]) -> CheckpointCollector {
        var collector = CheckpointCollector(group: group, shards: shards)
        for message in messages { collector.add(message) }
        return collector
    }

    /// The shard's checkpoints that reassemble, newest first (every candidate reassembled).
    static func complete(_ collector: CheckpointCollector, _ shard: Int32 = 2) -> [StoredCheckpoint] {
        collector.checkpoints(of: shard).compactMap { try? $0.get() }
    }

    /// What was found unusable: while reading, then on reassembling every candidate.
    static func unusable(_ collector: CheckpointCollector, _ shard: Int32 = 2) -> [String] {
        (collector.problems[shard] ?? []) + collector.checkpoints(of: shard).compactMap { candidate in
            guard case let .failure(unusable) = candidate else { return nil }
            return unusable.description
        }
    }

    @Test func aCheckpointIsSplitIntoRecordsUnderTheLimitAndReassembled() throws {
        let checkpoint = Self.checkpoint(bytes: 100_000)
        let records = try CheckpointRecord.records(for: checkpoint, group: Self.group, shard: 2, placement: .first,
                                                   maximumRecordBytes: 20_000)
        #expect(records.count == 7, "six chunks of at most 20,000 bytes with their key and headers, then the manifest")
        #expect(records.allSatisfy { $0.size <= 20_000 })
        #expect(records.map { String(decoding: $0.key, as: UTF8.self) } == (0..<6).map { "g/2/0/\($0)" } + ["g/2/0/manifest"])
        let manifest = try CheckpointManifest(blob: records[6].value)
        #expect(manifest.chunkCount == 6 && manifest.totalBytes == 100_000 && manifest.placement == .first)
        #expect(manifest.crc == CRC32.checksum(checkpoint.engine))
        #expect(manifest.inputOffsets == checkpoint.inputOffsets && manifest.outputPositions == checkpoint.outputPositions)

        let collector = Self.collect(try Self.messages(checkpoint, placement: .first, from: 0))
        #expect(Self.complete(collector).map(\.checkpoint) == [checkpoint])
        #expect(collector.problems.isEmpty)
        #expect(collector.newestManifest[2] == 1)
    }

    @Test func anEmptyBlobStillHasOneChunkAndTheLimitIsEnforced() throws {
        let empty = ShardCheckpoint(engine: [], inputOffsets: [], outputPositions: [])
        let collector = Self.collect(try Self.messages(empty, placement: .first, from: 0))
        #expect(Self.complete(collector).first?.checkpoint == empty)
        // Output positions of thousands of partitions do not fit a 16 kB manifest.
        var wide = empty
        wide.outputPositions = (0..<2000).map { TopicPartitionOffset(TopicPartition("output-topic-\($0)", 0), offset: 1) }
        #expect(throws: CheckpointError.self) {
            try CheckpointRecord.records(for: wide, group: Self.group, shard: 2, placement: .first, maximumRecordBytes: 16_384)
        }
    }

    /// Consecutive checkpoints alternate slots; a reader keeps the newest two complete ones,
    /// and a crash while writing one (chunks, no manifest) leaves the one before as the latest.
    @Test func theNewestTwoCompleteCheckpointsAreKept() throws {
        var messages: [KafkaMessage] = []
        var placement = CheckpointPlacement.first
        var written: [ShardCheckpoint] = []
        for generation in 1...3 {
            let checkpoint = Self.checkpoint(bytes: 30_000 + generation, seed: UInt8(generation))
            written.append(checkpoint)
            messages += try Self.messages(checkpoint, placement: placement, from: Int64(messages.count))
            placement = placement.next
        }
        #expect(placement == CheckpointPlacement(generation: 4, slot: 1))
        // Generation 4: its chunks are written, the process dies before the manifest.
        let unfinished = try Self.messages(Self.checkpoint(bytes: 40_000, seed: 9), placement: placement, from: Int64(messages.count))
        messages += unfinished.dropLast()
        let collector = Self.collect(messages)
        #expect(Self.complete(collector).map(\.placement.generation) == [3, 2])
        #expect(Self.complete(collector).map(\.checkpoint) == [written[2], written[1]])
        #expect(collector.newestManifest[2] == 3)
        #expect(collector.highestGeneration[2] == 4, "a new checkpoint must be numbered above the unfinished one")
        #expect(collector.problems.isEmpty, "an unfinished set without a manifest is not a problem: it was never committed to")
    }

    /// A manifest whose chunks are not all there, or whose CRC does not match, is not used:
    /// the older complete checkpoint is, and the reason is kept.
    @Test(arguments: ["missing chunk", "damaged chunk"])
    func anIncompleteSetFallsBackToTheOlderOneWithTheReason(_ damage: String) throws {
        let older = Self.checkpoint(bytes: 50_000, seed: 1)
        var messages = try Self.messages(older, placement: .first, from: 0)
        var newer = try Self.messages(Self.checkpoint(bytes: 50_000, seed: 2), placement: CheckpointPlacement.first.next,
                                      from: Int64(messages.count))
        switch damage {
        case "missing chunk": newer.remove(at: 1)
        default: newer[1].value[10] ^= 0x40
        }
        messages += newer
        let collector = Self.collect(messages)
        #expect(Self.complete(collector).map(\.checkpoint) == [older])
        #expect(collector.newestManifest[2] == 2)
        let problem = try #require(Self.unusable(collector).first)
        #expect(problem.contains("generation 2") && problem.contains(damage == "missing chunk" ? "chunk 1 of 3 missing" : "CRC"), "\(problem)")

        // Restored from the older one, reported as not the latest.
        let decision = ShardRestore.decide(2, stored: collector, committed: []) { _ in MonitorEngine(configuration: MonitorConfiguration(), rules: ServiceTestSupport.defaultRules) }
        guard case let .checkpoint(stored, _, isLatest, skipped) = decision else { Issue.record("\(decision)"); return }
        #expect(stored.checkpoint == older && !isLatest && skipped == [problem])
        #expect(decision.nextSlot == 1, "the next checkpoint replaces the unusable one, not the one restored")
    }

    /// A restore reassembles the older checkpoint only if the newest cannot be restored: a
    /// damaged older one goes unnoticed while the newest restores, and is reported (its CRC)
    /// once the newest's engine state is refused and the older one is tried.
    @Test func theOlderCheckpointIsReassembledOnlyIfTheNewestCannotBeRestored() throws {
        var older = try Self.messages(Self.checkpoint(bytes: 50_000, seed: 1), placement: .first, from: 0)
        older[1].value[10] ^= 0x40
        let newest = Self.checkpoint(bytes: 50_000, seed: 2)
        let collector = Self.collect(older + (try Self.messages(newest, placement: CheckpointPlacement.first.next, from: Int64(older.count))))
        #expect(collector.problems.isEmpty, "both sets are candidates: every chunk there, sizes adding up")
        var tried: [UInt64] = []
        let restorable = ShardRestore.decide(2, stored: collector, committed: []) { checkpoint in
            tried.append(checkpoint == newest ? 2 : 1)
            return MonitorEngine(configuration: MonitorConfiguration(), rules: ServiceTestSupport.defaultRules)
        }
        guard case let .checkpoint(stored, _, isLatest, skipped) = restorable else { Issue.record("\(restorable)"); return }
        #expect(stored.checkpoint == newest && isLatest && skipped.isEmpty && tried == [2])

        guard case let .missing(problems) = ShardRestore.decide(2, stored: collector, committed: [], restore: { _ in throw SerializationError.badMagic })
        else { Issue.record("neither restorable: missing state"); return }
        #expect(problems.count == 2)
        #expect(problems.first?.contains("generation 2") == true && problems.first?.contains("cannot be restored") == true, "\(problems)")
        #expect(problems.last?.contains("generation 1") == true && problems.last?.contains("CRC") == true, "\(problems)")
    }

    /// What a compacted state topic keeps: the last record of each key, in offset order.
    static func compacted(_ messages: [KafkaMessage]) -> [KafkaMessage] {
        var last: [[UInt8]: Int64] = [:]
        for message in messages { last[message.key ?? []] = message.offset }
        return messages.filter { last[$0.key ?? []] == $0.offset }
    }

    /// Keys name the slot, so compaction keeps the newest checkpoint of each slot: the last
    /// two complete ones, whatever their sizes. A crash while writing the next one (into
    /// the older one's slot) still leaves the newest complete.
    @Test func compactionKeepsTheLastTwoCheckpoints() throws {
        var messages: [KafkaMessage] = []
        var placement = CheckpointPlacement.first
        for generation in 1...5 {
            // Shrinking and growing: stale chunks of a bigger older checkpoint stay in the slot.
            let checkpoint = Self.checkpoint(bytes: [90_000, 30_000, 10_000, 50_000, 20_000][generation - 1], seed: UInt8(generation))
            messages += try Self.messages(checkpoint, placement: placement, from: Int64(messages.count))
            placement = placement.next
        }
        let kept = Self.compacted(messages)
        #expect(kept.count < messages.count)
        let collector = Self.collect(kept)
        #expect(Self.complete(collector).map(\.placement.generation) == [5, 4])
        #expect(Self.complete(collector).first?.checkpoint == Self.checkpoint(bytes: 20_000, seed: 5))
        #expect(collector.problems.isEmpty)

        let unfinished = try Self.messages(Self.checkpoint(bytes: 60_000, seed: 6), placement: placement, from: Int64(messages.count))
        let crashed = Self.collect(Self.compacted(messages + unfinished.dropLast()))
        #expect(Self.complete(crashed).map(\.placement.generation) == [5])
        #expect(crashed.newestManifest[2] == 5)
    }

    /// Committed offsets without a usable checkpoint are never a silent empty start, and
    /// a checkpoint whose engine state cannot be restored falls back to the one before.
    @Test func aShardWithCommittedOffsetsAndNoCheckpointIsMissingNotFresh() throws {
        let committed = [TopicPartitionOffset(TopicPartition("in", 2), offset: 5300)]
        let never = [TopicPartitionOffset(TopicPartition("in", 2), offset: KafkaOffset.invalid)]
        let empty = Self.collect([])
        let engine = { (_: ShardCheckpoint) in MonitorEngine(configuration: MonitorConfiguration(), rules: ServiceTestSupport.defaultRules) }
        guard case .fresh = ShardRestore.decide(2, stored: empty, committed: never, restore: engine) else {
            Issue.record("nothing committed, nothing stored: a new shard"); return
        }
        guard case let .missing(problems) = ShardRestore.decide(2, stored: empty, committed: committed, restore: engine) else {
            Issue.record("committed offsets without a checkpoint must be missing state"); return
        }
        #expect(problems.isEmpty)
        let error = CheckpointError.missingState(shard: 2, committed: committed, stateTopic: "state", problems: problems)
        #expect(error.description.contains("shard 2") && error.description.contains("in[2]@5300")
            && error.description.contains("--on-missing-state reset"), "\(error)")

        // Two complete checkpoints; the newest one's engine blob is rejected by the engine.
        var messages = try Self.messages(Self.checkpoint(bytes: 100, seed: 1), placement: .first, from: 0)
        messages += try Self.messages(Self.checkpoint(bytes: 100, seed: 2), placement: CheckpointPlacement.first.next, from: 2)
        let collector = Self.collect(messages)
        let decision = ShardRestore.decide(2, stored: collector, committed: committed) { checkpoint in
            guard checkpoint.engine == Self.checkpoint(bytes: 100, seed: 1).engine else { throw SerializationError.badMagic }
            return engine(checkpoint)
        }
        guard case let .checkpoint(stored, _, isLatest, skipped) = decision else { Issue.record("\(decision)"); return }
        #expect(stored.placement.generation == 1 && !isLatest)
        #expect(skipped.count == 1 && skipped[0].contains("generation 2") && skipped[0].contains("cannot be restored"))
        // Neither restorable: missing, with both reasons.
        guard case let .missing(both) = ShardRestore.decide(2, stored: collector, committed: never, restore: { _ in throw SerializationError.badMagic }) else {
            Issue.record("unrestorable checkpoints must be missing state, even without committed offsets"); return
        }
        #expect(both.count == 2)
    }

    /// A format-1 record (an earlier release: one record keyed `<group>/<shard>`) or a
    /// manifest of a newer version is reported by name, never read as something else.
    @Test func otherFormatsAndVersionsAreClearErrorsNotCrashes() throws {
        let legacy = KafkaMessage(topic: "state", partition: 0, offset: 4, key: Array("g/2".utf8), value: [1, 2, 3],
                                  headers: [KafkaHeader(CheckpointRecord.formatHeader, "1")])
        let collector = Self.collect([legacy])
        #expect(Self.complete(collector).isEmpty)
        let problem = try #require(collector.problems[2]?.first)
        #expect(problem.contains("format 1") && problem.contains("state[0]@4") && problem.contains("earlier driftwatch release"), "\(problem)")
        guard case let .missing(problems) = ShardRestore.decide(2, stored: collector, committed: [], restore: { _ in throw SerializationError.badMagic }) else {
            Issue.record("an old-format checkpoint must not be a silent fresh start"); return
        }
        #expect(problems == [problem])

        // A manifest written by a newer release (version 3 of the manifest blob).
        var messages = try Self.messages(Self.checkpoint(bytes: 100), placement: .first, from: 0)
        var writer = BinaryWriter()
        for byte in Array("DWB1".utf8) { writer.write(byte) }
        writer.write(CheckpointManifest.kind)
        writer.write(UInt32(CheckpointManifest.version + 1))
        writer.writeCount(0)
        writer.write(CRC32.checksum([UInt8]()))
        messages[1].value = writer.bytes
        let newer = Self.collect(messages)
        #expect(Self.complete(newer).isEmpty)
        let message = try #require(newer.problems[2]?.first)
        #expect(message.contains("manifest at state[0]@1") && message.contains("version 3"), "\(message)")

        // Other groups' records and other shards' are ignored.
        let others = try Self.messages(Self.checkpoint(bytes: 100), shard: 3, placement: .first, from: 0)
        #expect(Self.complete(Self.collect(others), 3).isEmpty && Self.collect(others).problems.isEmpty)
        var otherGroup = try Self.messages(Self.checkpoint(bytes: 100), placement: .first, from: 0)
        for index in otherGroup.indices { otherGroup[index].key = Array("g2/".utf8) + otherGroup[index].key!.dropFirst(2) }
        #expect(Self.complete(Self.collect(otherGroup)).isEmpty && Self.collect(otherGroup).problems.isEmpty)
    }

    /// Incremental checkpoints end to end (no broker): a shard's checkpoints go in turn
    /// into the two slots as state records, the label join's full pages once per slot,
    /// then only new pages and the growing last one. The newest complete checkpoint read
    /// back restores exactly the engine's full snapshot of that moment — after several
    /// checkpoints, and when the latest was cut short between its records (the one before
    /// is used); a restored shard goes on writing incrementally from its slot's pages.
    @Test func incrementalCheckpointsRestoreExactlyAsAFullSnapshot() throws {
        let configuration = ServiceTestSupport.monitorConfiguration()
        let rules = ServiceTestSupport.defaultRules
        let messages = try ServiceTestSupport.messages(events: 26_000, scenario: "stable")
        // Pages are written again after 6 MiB of this shard's state records (the default
        // rule would refresh them at every other checkpoint here: the rest of the state is large).
        let refresh = 6 << 20
        var shards = ShardEngines(configuration: configuration, decoder: EventDecoder(), state: ServiceState(), joinPageRefreshBytes: refresh)
        var log: [KafkaMessage] = []
        var snapshots: [UInt64: [UInt8]] = [:]  // generation → the engine's full checkpoint then
        var written: [UInt64: (bytes: Int, pages: Int, livePages: Int)] = [:]  // generation → what its records held
        var manifests: [UInt64: CheckpointManifest] = [:]
        let keys = LabelJoin<JoinedPrediction>.pageKeyCount(configuration.join)
        func append(_ records: [CheckpointRecord.Outgoing]) {
            for record in records {
                log.append(KafkaMessage(topic: "state", partition: 0, offset: Int64(log.count), key: record.key, value: record.value,
                                        headers: record.headers))
            }
        }
        /// Writes the shard's next checkpoint (all of it, or its first `cut` records) and returns its generation.
        func checkpoint(cut: Int? = nil) throws -> UInt64 {
            let engine = shards.engine(for: 0, rules: rules)
            let (checkpoint, placement) = shards.checkpoint(0, rules: rules, outputPositions: [])
            let (records, manifest) = try CheckpointRecord.plan(checkpoint, group: Self.group, shard: 0, placement: placement,
                                                                maximumRecordBytes: 100_000, joinPageKeys: keys)
            #expect(records.allSatisfy { $0.size <= 100_000 })
            append(Array(records.prefix(cut ?? records.count)))
            snapshots[placement.generation] = engine.checkpoint()
            manifests[placement.generation] = manifest
            let pages = checkpoint.joinPages.count { if case .bytes = $0 { true } else { false } }
            written[placement.generation] = (records.reduce(0) { $0 + $1.size }, pages, checkpoint.joinPages.count)
            if cut == nil { shards.markCheckpointed(0, slot: placement.slot, joinPages: manifest.joinPages, bytes: records.reduce(0) { $0 + $1.size }) }
            return placement.generation
        }
        func restoreNewest() throws -> (StoredCheckpoint, MonitorEngine) {
            var collector = CheckpointCollector(group: Self.group, shards: [0])
            for message in log { collector.add(message) }
            let stored = try #require(Self.complete(collector, 0).first)
            let engine = try MonitorEngine(restoring: stored.checkpoint.engine, joinPages: stored.checkpoint.joinPageBytes,
                                           configuration: configuration, rules: rules)
            return (stored, engine)
        }
        var fed = 0
        func feed(_ count: Int) {
            let engine = shards.engine(for: 0, rules: rules)
            for message in messages[fed..<(fed + count)] {
                var bytes = message.value
                bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            }
            _ = engine.drainOutputs()
            fed += count
        }

        feed(34_000)
        for _ in 0..<6 {
            feed(1_000)
            let generation = try checkpoint()
            let (stored, restored) = try restoreNewest()
            #expect(stored.placement.generation == generation)
            #expect(restored.checkpoint() == snapshots[generation], "generation \(generation)")
        }
        let engine = shards.engine(for: 0, rules: rules)
        #expect(engine.pendingLabels > 4 * LabelJoin<JoinedPrediction>.pageEntries, "the join spans several pages")
        // Once each slot holds the full pages, a checkpoint writes the last page or two, not all of them.
        let sixth = try #require(written[6]), full = try #require(snapshots[6]).count
        #expect(try #require(written[1]).pages == written[1]?.livePages)
        #expect(sixth.pages <= 2 && sixth.livePages >= 5 && sixth.bytes * 2 < full, "generation 6 wrote \(sixth) of \(full) bytes")

        // Cut short after its first page record: the previous checkpoint restores, exactly.
        feed(1_000)
        _ = try checkpoint(cut: 2)
        let (fallback, restored) = try restoreNewest()
        #expect(fallback.placement.generation == 6 && restored.checkpoint() == snapshots[6])

        // Taken on again from generation 6: how long ago its pages were written is not known,
        // so both slots get every page once (8, 9), then checkpoints are incremental again.
        shards.keepOnly([])
        shards.restore(0, engine: restored, inputOffsets: [], suppression: Suppression(keys: [], outputPositions: [], until: [:]))
        shards.setPlacement(CheckpointPlacement(generation: 8, slot: 1 - fallback.placement.slot), of: 0)
        fed -= 1_000
        for generation in 8...10 as ClosedRange<UInt64> {
            feed(1_000)
            #expect(try checkpoint() == generation)
            let (stored, again) = try restoreNewest()
            #expect(stored.placement.generation == generation && again.checkpoint() == snapshots[generation])
        }
        #expect(try #require(written[8]).pages == written[8]?.livePages && written[9]?.pages == written[9]?.livePages)
        #expect(try #require(written[10]).pages <= 2, "incremental again after the restore")

        // Refresh: no checkpoint names a page that the shard wrote more than the refresh
        // bound of bytes before it (a broker retaining only the last few MiB still has it),
        // and pages are written again once they reach it.
        var refreshed = 0
        for generation in 11...30 as ClosedRange<UInt64> {
            feed(300)
            #expect(try checkpoint() == generation)
            let before = { (generation: UInt64) in (8..<generation).reduce(0) { $0 + (written[$1]?.bytes ?? 0) } }
            let manifest = try #require(manifests[generation])
            for page in manifest.joinPages {
                #expect(before(generation) - before(page.generation) < refresh, "generation \(generation) names \(page.page) of generation \(page.generation)")
            }
            if (written[generation]?.pages ?? 0) > 2 { refreshed += 1 }
        }
        #expect(refreshed > 0, "pages were written again")
        let (stored, again) = try restoreNewest()
        #expect(stored.placement.generation == 30 && again.checkpoint() == snapshots[30])
    }
}
