import Testing
@testable import Kafka

@Suite struct KafkaConfigTests {
    @Test func unknownPropertyIsRejectedWithLibrdkafkasMessage() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(config: ["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"], logger: TestKafka.logger)
        }
        #expect(error?.errorCode == .invalidArgument)
        #expect(error?.message.contains("No such configuration property") == true, "\(String(describing: error))")
        #expect(error?.message.contains("no.such.property") == true)
    }

    @Test func invalidValueIsRejectedWithLibrdkafkasMessage() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(config: ["group.id": "g", "session.timeout.ms": "soon"], logger: TestKafka.logger)
        }
        #expect(error?.message.contains("session.timeout.ms") == true, "\(String(describing: error))")
    }

    /// Conflicts between valid properties are caught by `rd_kafka_new`, also at start.
    @Test func conflictingPropertiesAreRejectedAtStart() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(config: ["transactional.id": "t", "enable.idempotence": "false"], logger: TestKafka.logger)
        }
        #expect(error?.message.isEmpty == false)
    }

    @Test func propertiesKeepOrderAndCanBeReplacedOrRemoved() {
        var config: KafkaConfig = ["b": "1", "a": "2"]
        config["b"] = "3"
        config["c"] = "4"
        config["a"] = nil
        #expect(config.properties.map(\.key) == ["b", "c"])
        #expect(config["b"] == "3")
        #expect(config.withDefault("b", "9")["b"] == "3")
        #expect(config.withDefault("d", "9")["d"] == "9")
    }
}
