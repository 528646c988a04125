import Testing
@testable import Kafka

/// The C/P column of the linked librdkafka's own property table.
@Suite struct KafkaClientRoleTests {
    @Test func librdkafkasOwnTableNamesConsumerAndProducerProperties() {
        #expect(KafkaClientRole.roleOnlyProperties["session.timeout.ms"] == .consumer)
        #expect(KafkaClientRole.roleOnlyProperties["auto.offset.reset"] == .consumer)
        #expect(KafkaClientRole.roleOnlyProperties["linger.ms"] == .producer)
        #expect(KafkaClientRole.roleOnlyProperties["security.protocol"] == nil)
        #expect(KafkaClientRole.roleOnlyProperties.count > 30)
    }

    @Test func parsesTableRows() {
        let table = """
        Property                                 | C/P | Range           |       Default | Importance | Description
        -----------------------------------------|-----|-----------------|--------------:|------------| ----------
        client.id                                |  *  |                 |       rdkafka | low        | Client identifier.
        group.id                                 |  C  |                 |               | high       | Client group id string.
        acks                                     |  P  | -1 .. 1000      |            -1 | high       | Alias for `request.required.acks`.
        """
        #expect(KafkaClientRole.parse(table) == ["group.id": .consumer, "acks": .producer])
        #expect(KafkaConfig(["client.id": "a", "group.id": "g", "acks": "1"]).applicable(to: .producer).properties.map(\.key) == ["acks", "client.id"])
    }
}
