import Kafka

/// Produces a stream of lines to a topic no further than `maximumAhead` messages in
/// front of a consumer, so that the embedded broker's small per-partition retention
/// (~5 MiB, older data dropped silently) never drops a message before it is read.
/// Used by `driftwatch demo` and the service tests.
package struct StreamFeeder: Sendable {
    package var topic: String
    /// `nil`: the partitioner chooses from the key.
    package var partition: Int32?
    package var maximumAhead: Int
    /// Produce no faster than this (`nil`: as fast as the consumer allows).
    package var messagesPerSecond: Int?

    package init(topic: String, partition: Int32? = 0, maximumAhead: Int = 4000, messagesPerSecond: Int? = nil) {
        self.topic = topic
        self.partition = partition
        self.maximumAhead = maximumAhead
        self.messagesPerSecond = messagesPerSecond
    }

    package struct Message: Sendable {
        package var key: [UInt8]?
        package var value: [UInt8]
        package var headers: [KafkaHeader]
        /// Overrides the feeder's partition for this message.
        package var partition: Int32?

        package init(key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil) {
            self.key = key
            self.value = value
            self.headers = headers
            self.partition = partition
        }
    }

    /// Produces every line (waiting while `consumed()` lags `maximumAhead` behind, and
    /// pacing to `messagesPerSecond` in steps of 256 messages),
    /// then flushes. Returns how many were produced; throws if any was not acknowledged.
    @discardableResult
    package func feed<Lines: Sequence>(_ lines: Lines, producer: KafkaProducer, consumed: @Sendable () -> Int,
                                      message: (Lines.Element) -> Message) async throws -> Int {
        var produced = 0
        let failedBefore = producer.statistics.failed
        let start = ContinuousClock.now
        for line in lines {
            if produced % 256 == 0 {
                while produced - consumed() > maximumAhead {
                    try await Task.sleep(for: .milliseconds(2))
                }
                if let messagesPerSecond {
                    try await Task.sleep(until: start + .seconds(Double(produced) / Double(messagesPerSecond)))
                }
            }
            let record = message(line)
            try producer.produce(topic: topic, key: record.key, value: record.value, headers: record.headers,
                                 partition: record.partition ?? partition)
            produced += 1
        }
        try producer.flush(timeout: .seconds(60))
        let statistics = producer.statistics
        if statistics.failed > failedBefore {
            throw FeedError(failed: statistics.failed - failedBefore, produced: produced, lastError: statistics.lastDeliveryError)
        }
        return produced
    }
}

package struct FeedError: Error, CustomStringConvertible {
    package var failed: Int
    package var produced: Int
    package var lastError: KafkaError?

    package var description: String {
        "\(failed) of \(produced) input messages were not delivered" + (lastError.map { " (last error: \($0))" } ?? "")
    }
}
