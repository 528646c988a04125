import CRdKafka
import Testing
@testable import Kafka

@Suite struct KafkaErrorTests {
    @Test func carriesLibrdkafkasNameAndMessage() {
        let error = KafkaError(code: RD_KAFKA_RESP_ERR__TRANSPORT)
        #expect(error.name == "_TRANSPORT")
        #expect(error.description.contains("_TRANSPORT"))
        #expect(!error.message.isEmpty)
    }
}
