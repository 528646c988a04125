import Foundation
import Kafka
import MonitorCore
import Synchronization

/// Decodes a batch's messages on another thread while the pipeline monitors those
/// already decoded. Decoding is about a third of the per-event work, so overlapping it
/// leaves the engines' threads only the monitoring; results are read by message index,
/// and the batch stays the unit of processing (nothing of the next batch is touched).
///
/// Messages are claimed one at a time from a shared counter, by the decoding thread and
/// by any thread that asks for a message not decoded yet: instead of waiting for the
/// decoder to get there, that thread decodes the next unclaimed messages itself (with a
/// session of its own) until its message is ready. So a pipeline that catches up with
/// the decoder shares the decoding rather than spinning; it waits only while another
/// thread finishes the one message it asked for. Every claimed message is decoded, so
/// the whole batch is, whoever asks.
///
/// Results do not depend on which thread decoded a message: a session reuses strings
/// from its previous message only as storage (see ``RecentStrings``).
final class BatchDecoding: @unchecked Sendable {
    let batch: [KafkaMessage]
    private let decoder: EventDecoder
    private let schemas: SchemaTable
    private let results: UnsafeMutableBufferPointer<Result<MonitorEvent, EventRejection>>
    /// Per message, whether its result is written (release/acquire: a reader that sees
    /// the flag sees the result whole).
    private let written: UnsafeMutablePointer<Atomic<Bool>>
    /// The first message no thread has claimed (past the end once all are).
    private let nextUnclaimed = Atomic<Int>(0)
    /// Counts the messages decoded by threads that asked for them before the decoder got there.
    private let counts: DecodingCounts

    /// Starts decoding `batch` with `decoder` (and the schemas of framed messages) on a
    /// global dispatch queue; with `inBackground` false, only readers decode (tests).
    /// `counts` adds up the messages readers decoded, across batches.
    init(_ batch: [KafkaMessage], decoder: EventDecoder, schemas: SchemaTable, counts: DecodingCounts,
         inBackground: Bool = true) {
        self.batch = batch
        self.decoder = decoder
        self.schemas = schemas
        self.counts = counts
        results = .allocate(capacity: batch.count)
        written = .allocate(capacity: batch.count)
        for index in batch.indices { (written + index).initialize(to: Atomic(false)) }
        guard inBackground else { return }
        // The block keeps `self` alive until every message it claims is written.
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var session = EventDecoder.Session(decoder)
            while decodeNextUnclaimed(with: &session) {}
        }
    }

    /// The decoded message at `index`; if it is not decoded yet, the calling thread
    /// decodes unclaimed messages until it is.
    func result(at index: Int) -> Result<MonitorEvent, EventRejection> {
        withResult(at: index) { $0 }
    }

    /// `body` of the decoded message at `index` (what the engine and the alignment read,
    /// once each per message). The optimizer still copies the event for `body` (a profile
    /// shows its retains): only the whole-message copies were saved, not this one.
    func withResult<Value>(at index: Int, _ body: (Result<MonitorEvent, EventRejection>) -> Value) -> Value {
        if !written[index].load(ordering: .acquiring) { decodeUntilWritten(index) }
        return body(results[index])
    }

    private func decodeUntilWritten(_ index: Int) {
        var session: EventDecoder.Session?
        while !written[index].load(ordering: .acquiring) {
            guard nextUnclaimed.load(ordering: .relaxed) < batch.count else {
                // Claimed by another thread, which is decoding it now: one message's time.
                sched_yield()
                continue
            }
            var helping = session ?? EventDecoder.Session(decoder)
            if decodeNextUnclaimed(with: &helping) { counts.decodedByReader() }
            session = helping
        }
    }

    /// Claims the next message nobody has claimed and decodes it; false when all are claimed.
    private func decodeNextUnclaimed(with session: inout EventDecoder.Session) -> Bool {
        let index = nextUnclaimed.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < batch.count else { return false }
        let message = batch[index]
        (results.baseAddress! + index).initialize(to: message.value.withUnsafeBufferPointer {
            session.decode($0, messageTimestamp: message.timestamp, schemas: schemas)
        })
        written[index].store(true, ordering: .releasing)
        return true
    }

    deinit {
        // A thread that claims a message holds `self` until it has written it.
        let claimed = min(nextUnclaimed.load(ordering: .acquiring), batch.count)
        results.baseAddress?.deinitialize(count: claimed)
        results.deallocate()
        written.deinitialize(count: batch.count)
        written.deallocate()
    }
}

/// Messages that the threads reading decoded messages decoded themselves because the
/// decoding thread had not reached them: many mean the engines wait on decoding, none that
/// the decoding thread keeps ahead. Shared by a pipeline's batches; the pipeline takes
/// the count after each step (`driftwatch_messages_decoded_by_pipeline_total`).
final class DecodingCounts: Sendable {
    private let byReaders = Atomic<Int>(0)

    init() {}

    func decodedByReader() { byReaders.add(1, ordering: .relaxed) }

    /// The messages readers decoded since the last call.
    func take() -> Int { byReaders.exchange(0, ordering: .relaxed) }
}

/// One fetched message and its decoding (shared with its batch), as the event-time
/// alignment buffers it. Its fields are read in the batch: ``message`` copies the whole
/// message (its topic, key, value and headers retained), which only dead letters need.
struct FetchedMessage: AlignableRecord {
    let decoding: BatchDecoding
    let index: Int

    var message: KafkaMessage { decoding.batch[index] }
    var topicPartition: TopicPartition { TopicPartition(decoding.batch[index].topic, decoding.batch[index].partition) }
    var partition: Int32 { decoding.batch[index].partition }
    var offset: Int64 { decoding.batch[index].offset }
    /// The Kafka timestamp.
    var timestamp: Int64? { decoding.batch[index].timestamp }
    /// `body` of the decoded message (see ``BatchDecoding/withResult(at:_:)``).
    func withDecoded<Value>(_ body: (Result<MonitorEvent, EventRejection>) -> Value) -> Value {
        decoding.withResult(at: index, body)
    }

    var alignmentTime: Int64? {
        withDecoded { if case let .success(event) = $0 { event.timestamp } else { nil } }
    }
}

extension [FetchedMessage] {
    /// The offset after the last message of each topic partition, in order of first
    /// appearance (a batch holds runs of a few partitions: a linear scan, no hashing).
    var nextOffsets: [TopicPartitionOffset] {
        var next: [TopicPartitionOffset] = []
        for fetched in self {
            let topicPartition = fetched.topicPartition, offset = fetched.offset + 1
            if let known = next.firstIndex(where: { $0.topicPartition == topicPartition }) {
                next[known].offset = Swift.max(next[known].offset, offset)
            } else {
                next.append(TopicPartitionOffset(topicPartition, offset: offset))
            }
        }
        return next
    }
}
