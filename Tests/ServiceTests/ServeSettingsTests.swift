import Kafka
import Testing
@testable import Service

/// `-X` properties reach the clients they apply to (librdkafka's own C/P table decides),
/// and `consumer.` / `producer.` prefixes pick one client.
@Suite struct ServeSettingsTests {
    @Test func sharedPropertiesGoOnlyWhereTheyApplyAndPrefixesPickOneClient() {
        var settings = ServeSettings()
        for (key, value) in [("security.protocol", "SASL_SSL"), ("session.timeout.ms", "9000"), ("linger.ms", "7"),
                             ("consumer.fetch.wait.max.ms", "20"), ("producer.message.max.bytes", "2000000"),
                             ("consumer.client.id", "reader")] {
            settings.setKafkaProperty(key, value)
        }
        let consumer = settings.kafkaConfig(.consumer, bootstrap: "b:9092", ["client.id": "default"])
        let producer = settings.kafkaConfig(.producer, bootstrap: "b:9092", ["client.id": "default"])
        #expect(consumer["security.protocol"] == "SASL_SSL" && producer["security.protocol"] == "SASL_SSL")
        #expect(consumer["session.timeout.ms"] == "9000" && producer["session.timeout.ms"] == nil)
        #expect(producer["linger.ms"] == "7" && consumer["linger.ms"] == nil)
        #expect(consumer["fetch.wait.max.ms"] == "20" && producer["fetch.wait.max.ms"] == nil)
        #expect(producer["message.max.bytes"] == "2000000" && consumer["message.max.bytes"] == nil)
        #expect(consumer["client.id"] == "reader" && producer["client.id"] == "default")
        #expect(consumer["bootstrap.servers"] == "b:9092")
    }

    /// A state topic serve creates has the input's partition count (its largest topic's), so
    /// each shard gets a state partition of its own; `statePartitions` while no input exists.
    @Test func aCreatedStateTopicHasTheInputsPartitionCount() {
        var settings = ServeSettings()
        #expect(settings.statePartitionCount(inputPartitionCounts: [12, 12]) == 12)
        #expect(settings.statePartitionCount(inputPartitionCounts: [3, 6]) == 6)
        #expect(settings.statePartitionCount(inputPartitionCounts: [1]) == 1)
        #expect(settings.statePartitionCount(inputPartitionCounts: []) == 8)
        settings.statePartitions = 4
        #expect(settings.statePartitionCount(inputPartitionCounts: []) == 4)
        #expect(settings.statePartitionCount(inputPartitionCounts: [24]) == 24)
    }
}
