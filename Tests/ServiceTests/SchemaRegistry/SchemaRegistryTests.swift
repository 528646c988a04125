import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// `serve --schema-registry` against a real Karapace (`scripts/deps/karapace.sh`) whose
/// schemas live on the test's embedded broker, with messages serialized by the
/// confluent-kafka Python client's own AvroSerializer and JSONSerializer
/// (`serialize_events.py`): an independent producer and a real registry.
@Suite(.serialized) struct SchemaRegistryTests {
    typealias Support = ServiceTestSupport
    typealias Topics = MonitorServiceTests.Topics

    /// The Python that scripts/deps/karapace.sh installed confluent-kafka and fastavro into.
    static let python = "/opt/karapace/venv/bin/python"
    static let serializer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("serialize_events.py").path

    static func startKarapace(bootstrap: String) async throws -> RealComponents.Server {
        let server = try RealComponents.Server("karapace-registry") { directory, port in
            let config = """
            {"bootstrap_uri": "\(bootstrap)", "host": "127.0.0.1", "port": \(port), "advertised_hostname": "127.0.0.1",
             "karapace_registry": true, "karapace_rest": false, "topic_name": "_schemas", "replication_factor": 1,
             "log_level": "WARNING", "session_timeout_ms": 6000}
            """
            try? config.write(to: directory.appendingPathComponent("karapace.json"), atomically: true, encoding: .utf8)
            return [directory.appendingPathComponent("karapace.json").path]
        }
        try server.start()
        guard await server.waitUntilAnswering("/subjects", timeout: .seconds(60)) else {
            kill(server.process.processIdentifier, SIGKILL)
            server.stop()
            throw RealComponents.ComponentError("karapace did not start: \(server.output)")
        }
        return server
    }

    /// The messages' JSON serialized by confluent-kafka (registering the schemas), framed.
    static func serialize(_ messages: [StreamFeeder.Message], registry: String) throws -> [[UInt8]] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-events-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: input) }
        try (messages.map { String(decoding: $0.value, as: UTF8.self) }.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let (status, output) = try RealComponents.run(python, ["-W", "ignore", serializer, registry, input.path])
        try #require(status == 0, "serialize_events.py failed: \(output)")
        // Output and error are one stream: the framed messages are the lines of hex digits.
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("00") && $0.allSatisfy(\.isHexDigit) }
        try #require(lines.count == messages.count, "serialize_events.py: \(output.prefix(500))")
        return lines.map { line in
            stride(from: 0, to: line.count, by: 2).map { offset in
                let start = line.index(line.startIndex, offsetBy: offset)
                return UInt8(line[start..<line.index(start, offsetBy: 2)], radix: 16)!
            }
        }
    }

    /// Starts serve, waits until it is ready, feeds it `messages` and waits until it consumed them.
    static func serve(_ settings: ServeSettings, feeding messages: [StreamFeeder.Message], to topic: String,
                      bootstrap: String) async throws -> (MonitorService, Task<Void, any Error>, Int) {
        let service = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        let port = await Support.httpPort(of: service)
        #expect(try await Support.eventually(.seconds(60)) { try await Support.get(port: port, "/readyz").status == 200 })
        try await Support.feed(messages, to: topic, bootstrap: bootstrap, state: service.state)
        return (service, running, port)
    }

    @Test func avroAndJSONSchemaMessagesAreMonitoredLikeJSONAndFailuresDeadLettered() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all + ["_schemas"] { try broker.createTopic(topic, partitions: 1) }
        let karapace = try await Self.startKarapace(bootstrap: broker.bootstrapServers)
        defer {
            // Karapace 3.15 does not exit on SIGTERM while its schema reader runs.
            kill(karapace.process.processIdentifier, SIGKILL)
            karapace.stop()
        }
        let registry = "http://127.0.0.1:\(karapace.port)"

        let json = try Support.messages(events: 16_000, scenario: "income_shift@0.4,gender_bias@0.6")
        let framed = try Self.serialize(json, registry: registry)
        #expect(framed.allSatisfy { $0.first == 0 })
        #expect(Set(framed.compactMap(SchemaRegistryFraming.framedSchemaID)).count == 2, "one Avro and one JSON schema")
        // Three failures, keyed: an id the registry does not have, a cut Avro datum, a frame too short.
        let avroMessage = framed[0]
        let bad: [(index: Int, value: [UInt8], reason: String)] = [
            (1000, [0, 0, 0x0F, 0x42, 0x3F] + avroMessage.dropFirst(5), "schema_not_found"),
            (2000, Array(avroMessage.dropLast(3)), "invalid_avro"),
            (3000, [0, 0, 1], "invalid_framing"),
        ]
        func inserting(_ stream: [StreamFeeder.Message]) -> [StreamFeeder.Message] {
            var stream = stream
            for failure in bad.reversed() {
                stream.insert(StreamFeeder.Message(key: Array("bad-\(failure.index)".utf8), value: failure.value, partition: 0), at: failure.index)
            }
            return stream
        }
        let expectedAlerts = Support.engineOutputs(inserting(json)).outputs.filter { $0.kind == .alert }
        #expect(!expectedAlerts.isEmpty, "the stream must make the engine alert, or the comparison proves nothing")
        let messages = inserting(framed.map { StreamFeeder.Message(value: $0, partition: 0) })

        var settings = MonitorServiceTests.settings(broker, topics, group: "registry-\(topics.suffix)")
        settings.schemaRegistry = SchemaRegistrySettings(url: registry)
        let (service, running, port) = try await Self.serve(settings, feeding: messages, to: topics.input, bootstrap: broker.bootstrapServers)
        defer { running.cancel() }

        // The alerts of the JSON stream, exactly.
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expectedAlerts.count)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expectedAlerts.map(\.json))
        // The failures, and nothing else, dead-lettered with their reasons.
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: bad.count)
        #expect(deadLetters.map { Support.header(DeadLetter.reasonHeader, of: $0) } == bad.map(\.reason))
        #expect(deadLetters.map(\.value) == bad.map(\.value))
        #expect(Support.header(DeadLetter.descriptionHeader, of: deadLetters[0]) == "schema id 999999: the schema registry has no schema with this id")
        #expect(service.state.status.counters.deadLetters == bad.count)
        let metrics = try await Support.get(port: port, "/metrics").body
        #expect(metrics.contains(#"driftwatch_schema_registry_requests_total{result="ok"} 2"#), "one fetch per schema id")
        #expect(metrics.contains("driftwatch_schema_registry_schemas_cached 3"), "two schemas and one not-found")
    }

    @Test func anUnreachableRegistryDeadLettersFramedMessagesAndNothingElse() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let json = try Support.messages(events: 200, scenario: "stable")
        // Every tenth message framed (JSON Schema framing of the same event, schema id 7).
        let messages = json.enumerated().map { index, message in
            index % 10 == 5 ? StreamFeeder.Message(key: Array("framed-\(index)".utf8), value: [0, 0, 0, 0, 7] + message.value, partition: 0) : message
        }
        var settings = MonitorServiceTests.settings(broker, topics, group: "unreachable-\(topics.suffix)")
        var registry = SchemaRegistrySettings(url: "http://127.0.0.1:\(try RealComponents.freePort())")
        registry.attempts = 2
        registry.initialBackoff = .milliseconds(10)
        settings.schemaRegistry = registry
        let (service, running, _) = try await Self.serve(settings, feeding: messages, to: topics.input, bootstrap: broker.bootstrapServers)
        defer { running.cancel() }

        let framed = messages.filter { $0.key != nil }
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: framed.count)
        #expect(deadLetters.map(\.key) == framed.map(\.key))
        #expect(deadLetters.allSatisfy { Support.header(DeadLetter.reasonHeader, of: $0) == "schema_registry_unreachable" })
        #expect(service.state.status.counters.deadLetters == framed.count)
    }
}
