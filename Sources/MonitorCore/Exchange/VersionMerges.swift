import DriftCore

/// What a merge task holds (issue 11, plan step 3): a ``PaneMerge`` for each model version
/// whose hand-overs reach it, and every source partition's latest watermark as each
/// exchange partition it reads brought it. A join task sends its partition's watermark to
/// every exchange partition, as it cannot know the versions it never saw or which of them
/// had nothing to hand over; here it moves on the merges of the versions of the exchange
/// partition it came on (see ``PaneMerge/receivePartitionWatermark(source:before:)``), and
/// a version whose first hand-over comes later starts from that exchange partition's
/// watermarks, so that no source that never had the version, or has nothing new of it,
/// holds it back.
///
/// The order a join task sends in makes this safe: it hands over a version up to its
/// partition's boundary (those with something to hand over) before it sends that
/// boundary as its partition's watermark, and both reach the version's merge task in that
/// order on the version's exchange partition (one producer, one partition). Only on that
/// partition: a task reading several partitions may read another's copy of the watermark
/// before the version's records, which is why the watermarks are kept per exchange
/// partition (taking the first copy to arrive would close panes whose parts are still on
/// their way, and count them late; `ExchangeTopicTests` caught that over Kafka).
///
/// A message that cannot be taken — a damaged hand-over record, one of a version the task
/// does not monitor, a watermark of an unknown source — is dropped and counted
/// (``counters``), never a trap; the rest go on.
///
/// Complexity: a record O(1) to find its version's merge, plus reading it (O(its bytes));
/// a watermark O(versions); ``judge()`` visits every version in key order. Memory: one
/// ``PaneMerge`` per version that `makeVersion` admits (the engine's version cap bounds
/// them), and a watermark per source for each exchange partition read.
package struct VersionMerges<Pane: WindowPane> {
    package typealias Key = VersionKey

    /// What a version's merge needs: the merge (its windows, sources and tracker), its
    /// change detectors, and how its hand-over records read (its panes' layout and its
    /// outcome shape).
    package struct Version {
        package var merge: PaneMerge<Pane>
        package var detectors: VersionDetectors
        package var panes: PaneCoding<Pane>
        package var outcomes: OutcomeShape

        package init(merge: PaneMerge<Pane>, detectors: VersionDetectors, panes: PaneCoding<Pane>, outcomes: OutcomeShape) {
            self.merge = merge
            self.detectors = detectors
            self.panes = panes
            self.outcomes = outcomes
        }
    }

    /// What became of an exchange message given to ``receive(_:from:)``.
    package enum Delivery: Equatable {
        /// A hand-over record, taken by its version's merge as the reception says.
        case handOver(PaneMerge<Pane>.Reception)
        /// A source partition's watermark (moved on, or not past what it had).
        case watermark(moved: Bool)
        /// A record that does not read (as a message, or as a hand-over under its version's
        /// layout and outcome shape): dropped, counted in ``Counters/damagedRecords`` (the
        /// source's next record shows it missing).
        case damaged(SerializationError)
        /// A hand-over record of a version this task does not monitor (``init(sources:makeVersion:)``
        /// made none: another configuration, or over the version cap): dropped, counted in
        /// ``Counters/unmonitoredRecords``.
        case unmonitored
        /// A watermark of a source outside the task's set: dropped, counted in
        /// ``Counters/unknownSources``.
        case unknownSource
    }

    /// What the task dropped, beyond what each version's merge counts.
    package struct Counters: Equatable, Sendable {
        package var damagedRecords = 0
        package var unmonitoredRecords = 0
        package var unknownSources = 0
        /// Versions whose state a restore dropped because `makeVersion` no longer admits
        /// them (another configuration; their later records count as unmonitored).
        package var versionsNotRestored = 0
    }

    private var versions: [Key: Version] = [:]
    /// The exchange partition each version's records come on.
    private var versionPartitions: [Key: Int] = [:]
    /// Per exchange partition read, each source partition's latest watermark that came on it
    /// (`.min` before any).
    private var partitionWatermarks: [Int: [Int64]] = [:]
    private let sources: Int
    private let makeVersion: (Key) -> Version?
    package private(set) var counters = Counters()

    /// Merges of `sources` source partitions; `makeVersion` makes a version's merge when
    /// its first record comes (nil: the version is not monitored here).
    package init(sources: Int, makeVersion: @escaping (Key) -> Version?) {
        self.sources = sources
        self.makeVersion = makeVersion
    }

    package var keys: [Key] { versions.keys.sorted() }

    /// The version's merge (nil before its first record).
    package func merge(of key: Key) -> PaneMerge<Pane>? { versions[key]?.merge }

    /// Takes a message that came on exchange partition `partition`: a hand-over record read
    /// with its version's coding, or a source partition's watermark. Never traps on a
    /// damaged record.
    package mutating func receive(_ message: ExchangeMessage, from partition: Int) -> Delivery {
        switch message {
        case let .watermark(source, boundary):
            guard (0..<sources).contains(source) else {
                counters.unknownSources += 1
                return .unknownSource
            }
            return .watermark(moved: receiveWatermark(source: source, before: boundary, from: partition))
        case let .handOver(key, bytes):
            guard let coding = coding(of: key, from: partition) else {
                counters.unmonitoredRecords += 1
                return .unmonitored
            }
            do {
                let record = try HandOver(decoding: bytes, panes: coding.panes, outcomes: coding.outcomes)
                return .handOver(versions[key]!.merge.receive(record))
            } catch {
                return damaged(error)
            }
        }
    }

    /// Takes an exchange record as Kafka gave it (see ``ExchangeMessage/init(key:value:)``
    /// and ``receive(_:from:)``);
    /// one that does not read is dropped and counted in ``Counters/damagedRecords``.
    package mutating func receive(key: [UInt8]?, value: [UInt8]?, from partition: Int) -> Delivery {
        do {
            return receive(try ExchangeMessage(key: key, value: value), from: partition)
        } catch {
            return damaged(error)
        }
    }

    private mutating func damaged(_ error: any Error) -> Delivery {
        counters.damagedRecords += 1
        return .damaged(error as? SerializationError ?? .invalidValue("\(error)"))
    }

    /// How the version's records read (nil: not monitored). Makes its merge when it is the
    /// first record's, started from the source partitions' watermarks that came on its
    /// exchange partition. Returns the coding alone: a copy of the version held while its
    /// merge is modified in place would make that copy its arrays at every record.
    private mutating func coding(of key: Key, from partition: Int) -> (panes: PaneCoding<Pane>, outcomes: OutcomeShape)? {
        if let version = versions[key] { return (version.panes, version.outcomes) }
        guard var made = makeVersion(key) else { return nil }
        for (source, boundary) in (partitionWatermarks[partition] ?? []).enumerated() where boundary != .min {
            made.merge.receivePartitionWatermark(source: source, before: boundary)
        }
        versions[key] = made
        versionPartitions[key] = partition
        return (made.panes, made.outcomes)
    }

    /// Takes a source partition's watermark: panes before `boundary` are closed there.
    /// Returns whether it moved on.
    private mutating func receiveWatermark(source: Int, before boundary: Int64, from partition: Int) -> Bool {
        var watermarks = partitionWatermarks[partition] ?? Array(repeating: .min, count: sources)
        guard boundary > watermarks[source] else { return false }
        watermarks[source] = boundary
        partitionWatermarks[partition] = watermarks
        for (key, versionPartition) in versionPartitions where versionPartition == partition {
            versions[key]!.merge.receivePartitionWatermark(source: source, before: boundary)
        }
        return true
    }

    /// Judges every version (see ``PaneMerge/judge(detectors:)``), in key order; versions
    /// with nothing new are left out.
    package mutating func judge() -> [(key: Key, judged: PaneMerge<Pane>.Judged)] {
        keys.compactMap { key in
            var version = versions.removeValue(forKey: key)!
            let judged = version.merge.judge(detectors: &version.detectors)
            versions[key] = version
            return judged.steps.isEmpty ? nil : (key, judged)
        }
    }
}

// MARK: Checkpoint

extension VersionMerges {
    /// Writes the task's state: its counters, each exchange partition's source watermarks,
    /// and each version's key, exchange partition, merge (see
    /// ``PaneMerge/encodeState(to:panes:)``) and change detectors (by their rules'
    /// identities, `identity` of a rule's index). With the exchange records read since
    /// (the consumer's offsets stored with it), a task restored from it makes the windows
    /// of one that never stopped.
    package func encodeState(to writer: inout BinaryWriter, identity: (Int) -> RuleIdentity) {
        for count in [counters.damagedRecords, counters.unmonitoredRecords, counters.unknownSources, counters.versionsNotRestored] {
            writer.writeCounter(count)
        }
        writer.writeCount(partitionWatermarks.count)
        for (partition, watermarks) in partitionWatermarks.sorted(by: { $0.key < $1.key }) {
            writer.writeCount(partition)
            for watermark in watermarks { writer.write(watermark) }
        }
        writer.writeCount(versions.count)
        for key in keys {
            let version = versions[key]!
            writer.write(key.model)
            writer.write(key.version)
            writer.writeCount(versionPartitions[key]!)
            // Length-prefixed, so that a restore can drop a version it no longer monitors.
            var state = BinaryWriter()
            version.merge.encodeState(to: &state, panes: version.panes)
            version.detectors.encode(to: &state, identity: identity)
            state.bytes.withUnsafeBytes { writer.writeBytes($0) }
        }
    }

    /// Replaces the state with one written by ``encodeState(to:identity:)`` for as many
    /// sources. Versions are made again by `makeVersion`; the state of one it no longer
    /// admits is dropped (counted, ``Counters/versionsNotRestored``), and detectors attach
    /// to their rules by identity (see ``VersionDetectors/restoring(_:identity:)``).
    package mutating func restoreState(from reader: inout BinaryReader, identity: (Int) -> RuleIdentity) throws {
        counters = Counters(damagedRecords: try reader.readCounter(), unmonitoredRecords: try reader.readCounter(),
                            unknownSources: try reader.readCounter(), versionsNotRestored: try reader.readCounter())
        partitionWatermarks = [:]
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) {
            let partition = try reader.readCount(maximum: Int(Int32.max))
            partitionWatermarks[partition] = try (0..<sources).map { _ in try reader.readInt64() }
        }
        versions = [:]
        versionPartitions = [:]
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) {
            let key = VersionKey(model: try reader.readString(), version: try reader.readString())
            let partition = try reader.readCount(maximum: Int(Int32.max))
            var state = BinaryReader(Array(try reader.readBytes()))
            guard var version = makeVersion(key) else {
                counters.versionsNotRestored += 1
                continue
            }
            try version.merge.restoreState(from: &state, panes: version.panes)
            version.detectors = version.detectors.restoring(try VersionDetectors.readSaved(from: &state), identity: identity)
            guard state.remaining == 0 else { throw SerializationError.trailingBytes(state.remaining) }
            versions[key] = version
            versionPartitions[key] = partition
        }
    }
}

