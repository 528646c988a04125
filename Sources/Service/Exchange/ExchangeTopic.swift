import Kafka
import MonitorCore

/// The exchange topic between the join and the merge stage (issue 11, plan step 3), on
/// Kafka: a join task sends each ``ExchangeMessage`` to the partitions it names (its
/// version's, or every one for a watermark), and a merge task gives each record it reads,
/// key and value as they came, to its ``VersionMerges`` (`receive(key:value:)`), which
/// counts a record it cannot read and goes on.
///
/// What the merge relies on — a version's hand-overs up to a boundary before the source's
/// watermark at it — holds because a join task sends through one producer of its own, in
/// order, with idempotence on (``producerSettings``: librdkafka's retries then keep each
/// partition's order), and a version's records all go to one partition.
///
/// Sizes: a hand-over is split into records under the broker's limit by
/// ``PaneSource/handOverRecords(maximumBytes:panes:)``; the key adds the model's and the
/// version's names, the watermark is 10 bytes.
package struct ExchangeTopic: Sendable {
    package var name: String
    package var partitions: Int

    package init(name: String, partitions: Int) {
        precondition(partitions > 0, "an exchange topic has partitions")
        self.name = name
        self.partitions = partitions
    }

    /// What a join task's producer must set: idempotence, which keeps each partition's
    /// order through retries.
    package static let producerSettings = ["enable.idempotence": "true"]

    /// Sends `message` to its partitions, without waiting for acknowledgements (flush the
    /// producer to wait). Blocks while librdkafka's queue is full: call it off the
    /// cooperative pool.
    package func send(_ message: ExchangeMessage, with producer: KafkaProducer) throws {
        let key = message.key, value = message.value
        for partition in message.partitions(of: partitions) {
            try producer.produce(topic: name, key: key, value: value, partition: Int32(partition))
        }
    }
}
