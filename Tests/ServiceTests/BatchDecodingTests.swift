import Foundation
import Kafka
import Synchronization
@testable import MonitorCore
@testable import Service
import Testing

/// A batch's results are the same whichever thread decodes each message: the decoding
/// thread, or readers that ask for a message before it gets there and decode
/// unclaimed messages themselves.
@Suite struct BatchDecodingTests {
    typealias Support = ServiceTestSupport

    private static func batch() throws -> (messages: [KafkaMessage], expected: [Result<MonitorEvent, EventRejection>]) {
        let simulated = try Support.messages(events: 4_000, scenario: "mixed", malformedEvery: 53, models: 2)
        let messages = simulated.enumerated().map { index, message in
            KafkaMessage(topic: "events", partition: 0, offset: Int64(index), key: message.key, value: message.value, headers: message.headers)
        }
        var session = EventDecoder.Session(EventDecoder())
        let expected = messages.map { message in
            message.value.withUnsafeBufferPointer { session.decode($0, messageTimestamp: message.timestamp) }
        }
        #expect(expected.contains { $0.failureValue != nil } && expected.contains { $0.failureValue == nil })
        return (messages, expected)
    }

    @Test func readersAloneDecodeEveryMessageTheyAskFor() throws {
        let (messages, expected) = try Self.batch()
        let counts = DecodingCounts()
        let decoding = BatchDecoding(messages, decoder: EventDecoder(), schemas: .none, counts: counts, inBackground: false)
        // The last message first: the reader decodes the whole batch, in claim order, to reach it.
        #expect(decoding.result(at: messages.count - 1) == expected[messages.count - 1])
        #expect(counts.take() == messages.count)
        for index in messages.indices.reversed() {
            #expect(decoding.result(at: index) == expected[index], "message \(index)")
        }
        #expect(counts.take() == 0, "a message is decoded once")
    }

    @Test func aReaderStopsAtItsMessage() throws {
        let (messages, expected) = try Self.batch()
        let counts = DecodingCounts()
        let decoding = BatchDecoding(messages, decoder: EventDecoder(), schemas: .none, counts: counts, inBackground: false)
        #expect(decoding.result(at: 9) == expected[9])
        #expect(counts.take() == 10)
        // Released with most of the batch never claimed: only the claimed results are deinitialised.
    }

    @Test func concurrentReadersAndTheDecoderAgreeWithOneSession() throws {
        let (messages, expected) = try Self.batch()
        let counts = DecodingCounts()
        for _ in 0..<5 {
            let decoding = BatchDecoding(messages, decoder: EventDecoder(), schemas: .none, counts: counts)
            let readers = 4
            let mismatches = Atomic(0)
            // Each reader in its own order, from its own end of the batch.
            DispatchQueue.concurrentPerform(iterations: readers) { reader in
                let order = reader % 2 == 0 ? Array(messages.indices.reversed()) : Array(messages.indices)
                let wrong = order.filter { decoding.result(at: $0) != expected[$0] }.count
                mismatches.add(wrong, ordering: .relaxed)
            }
            #expect(mismatches.load(ordering: .relaxed) == 0)
            #expect(counts.take() <= messages.count)
        }
    }

    /// The pipeline reads a fetched message's fields in place and stores, per topic
    /// partition, the offset after its last message.
    @Test func fetchedMessagesReadTheirFieldsInPlaceAndGiveTheNextOffsets() throws {
        let (simulated, expected) = try Self.batch()
        let places: [(topic: String, partition: Int32, offset: Int64)] = [
            ("events", 0, 10), ("events", 0, 11), ("labels", 0, 3), ("events", 0, 12), ("events", 1, 7), ("labels", 0, 4),
        ]
        let messages = places.enumerated().map { index, place in
            KafkaMessage(topic: place.topic, partition: place.partition, offset: place.offset, key: nil, value: simulated[index].value,
                         timestamp: 1_700_000_000_000 + Int64(index))
        }
        let decoding = BatchDecoding(messages, decoder: EventDecoder(), schemas: .none, counts: DecodingCounts(), inBackground: false)
        let fetched = messages.indices.map { FetchedMessage(decoding: decoding, index: $0) }
        for (index, message) in fetched.enumerated() {
            #expect(message.topicPartition == messages[index].topicPartition)
            #expect(message.partition == places[index].partition && message.offset == places[index].offset)
            #expect(message.timestamp == messages[index].timestamp)
            #expect(message.withDecoded { $0 } == expected[index])
            #expect(message.alignmentTime == expected[index].successValue?.timestamp)
        }
        #expect(fetched.nextOffsets == [
            TopicPartitionOffset(TopicPartition("events", 0), offset: 13),
            TopicPartitionOffset(TopicPartition("labels", 0), offset: 5),
            TopicPartitionOffset(TopicPartition("events", 1), offset: 8),
        ])
        #expect([FetchedMessage]().nextOffsets.isEmpty)
    }
}
