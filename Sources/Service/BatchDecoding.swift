import Foundation
import Kafka
import MonitorCore
import Synchronization

/// Decodes a batch's messages on another thread while the pipeline monitors those
/// already decoded. Decoding is about a third of the per-event work, so overlapping it
/// leaves the engines' thread only the monitoring; results come back in message order,
/// and the batch stays the unit of processing (nothing of the next batch is touched).
final class BatchDecoding: @unchecked Sendable {
    let batch: [KafkaMessage]
    private let results: UnsafeMutableBufferPointer<Result<MonitorEvent, EventRejection>>
    /// How many leading results are written (release/acquire: a reader sees them whole).
    private let decoded = Atomic<Int>(0)

    /// Starts decoding `batch` with `decoder` (and the schemas of framed messages) on a global dispatch queue.
    init(_ batch: [KafkaMessage], decoder: EventDecoder, schemas: SchemaTable) {
        self.batch = batch
        results = .allocate(capacity: batch.count)
        // The block keeps `self` alive until every result is written.
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var session = EventDecoder.Session(decoder)
            for (index, message) in batch.enumerated() {
                (results.baseAddress! + index).initialize(to: message.value.withUnsafeBufferPointer {
                    session.decode($0, messageTimestamp: message.timestamp, schemas: schemas)
                })
                decoded.store(index + 1, ordering: .releasing)
            }
        }
    }

    /// The decoded message at `index`, once it is ready (the decoder is ahead almost always:
    /// a wait yields the thread).
    func result(at index: Int) -> Result<MonitorEvent, EventRejection> {
        waitUntilDecoded(index + 1)
        return results[index]
    }

    private func waitUntilDecoded(_ count: Int) {
        while decoded.load(ordering: .acquiring) < count { sched_yield() }
    }

    deinit {
        results.baseAddress?.deinitialize(count: results.count)
        results.deallocate()
    }
}

/// One fetched message and its decoding (shared with its batch), as the event-time
/// alignment buffers it.
struct FetchedMessage: AlignableRecord {
    let decoding: BatchDecoding
    let index: Int

    var message: KafkaMessage { decoding.batch[index] }
    var topicPartition: TopicPartition { message.topicPartition }
    var decoded: Result<MonitorEvent, EventRejection> { decoding.result(at: index) }

    var alignmentTime: Int64? {
        if case let .success(event) = decoded { event.timestamp } else { nil }
    }
}
