import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// The output event schema, checked by independent tools: every event a replay writes
/// validates against `schemas/` (Python's `jsonschema`, draft 2020-12), and every message
/// serve publishes is a CloudEvent to the CloudEvents Python SDK reading the topics with
/// confluent-kafka. Both scripts live under `scripts/`; their packages are installed by
/// `scripts/deps/jsonschema.sh` and `scripts/deps/cloudevents.sh`.
@Suite(.serialized) struct OutputEventSchemaTests {
    typealias Support = ServiceTestSupport

    static let scenario = "income_shift@0.3,concept_drift@0.3,gender_bias@0.4"

    struct Script {
        var status: Int32
        var lines: [[String: Any]]
        var output: String
    }

    /// Runs `python3 scripts/<name> arguments…`; stdout parsed as JSON lines.
    static func python(_ name: String, _ arguments: [String]) throws -> Script {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Support.repositoryRoot + "/scripts/" + name] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return Script(status: process.terminationStatus, lines: lines, output: text)
    }

    @Test func everyEventAReplayWritesMatchesItsJSONSchema() throws {
        let executable = try #require(Support.driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var messages = try Support.messages(events: 40_000, scenario: Self.scenario, malformedEvery: 7_000)
        // From the middle on, predictions name a feature the version's reference (its first window) does not have.
        for index in messages.indices.dropFirst(messages.count / 2) {
            let text = String(decoding: messages[index].value, as: UTF8.self)
            guard text.hasPrefix(#"{"event":"prediction""#) else { continue }
            messages[index].value = Array(text.replacingOccurrences(of: #""features":{"#, with: #""features":{"f_promo":"spring","#).utf8)
        }
        let input = directory.appendingPathComponent("events.jsonl")
        try Data(messages.flatMap { $0.value + [UInt8(ascii: "\n")] }).write(to: input)
        let alerts = directory.appendingPathComponent("alerts.jsonl").path
        let metrics = directory.appendingPathComponent("metrics.jsonl").path
        let dead = directory.appendingPathComponent("dead.jsonl").path

        let replay = Process()
        replay.executableURL = executable
        replay.arguments = ["replay", "--input", input.path, "--rules", Support.repositoryRoot + "/rules",
                            "--window", "10m", "--slide", "5m", "--alerts-out", alerts, "--metrics-out", metrics, "--dead-letter-out", dead]
        replay.standardOutput = FileHandle.nullDevice
        try replay.run()
        replay.waitUntilExit()
        #expect(replay.terminationStatus == 0)

        // Serve's dead letters of the same malformed messages: their headers.
        let engine = MonitorEngine(configuration: Support.monitorConfiguration(), rules: Support.defaultRules)
        var headerLines: [String] = []
        for (offset, message) in messages.enumerated() where message.key != nil {
            var bytes = message.value
            let rejection = try #require(bytes.withUnsafeMutableBufferPointer { engine.process(message: UnsafeBufferPointer($0)) })
            let record = DeadLetter.record(
                for: KafkaMessage(topic: "events", partition: 0, offset: Int64(offset), key: message.key, value: message.value,
                                  headers: message.headers),
                rejection: rejection, topic: "dead")
            let object = Dictionary(record.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) }) { $1 }
            headerLines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self))
        }
        let headers = directory.appendingPathComponent("dead-letter-headers.jsonl")
        try (headerLines.joined(separator: "\n") + "\n").write(to: headers, atomically: true, encoding: .utf8)

        let result = try Self.python("validate-events.py", [Support.repositoryRoot + "/schemas", alerts, metrics, dead, "--headers", headers.path])
        let summary = try #require(result.lines.last, "validate-events.py printed nothing: \(result.output)")
        #expect(result.status == 0, "\(summary["errors"] ?? result.output)")
        #expect((summary["errors"] as? [String])?.isEmpty == true)
        let validated = summary["validated"] as? [String: Int] ?? [:]
        for schema in ["alert", "retrain", "metric", "notice", "dead-letter", "dead-letter-headers"] {
            #expect((validated[schema] ?? 0) > 0, "no \(schema) event was validated: \(validated)")
        }
        let notices = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n").filter { $0.contains(#""type":"feature_not_in_reference""#) }
        #expect(notices.count == 1 && notices.allSatisfy { $0.contains(#""feature":"f_promo""#) }, "\(notices)")
    }

    @Test func everyMessageServePublishesIsACloudEventToTheCloudEventsSDK() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = MonitorServiceTests.Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let group = "cloudevents-\(topics.suffix)"
        let messages = try Support.messages(events: 16_000, scenario: "income_shift@0.4,gender_bias@0.6")
        let expected = Support.engineOutputs(messages).outputs
        #expect(expected.contains { $0.kind == .alert }, "the stream must make the engine alert")

        var settings = MonitorServiceTests.settings(broker, topics, group: group)
        settings.metricsTopic = topics.metrics
        let service = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        _ = try await StreamFeeder(topic: topics.input, partition: 0, maximumAhead: 4000)
            .feed(messages, producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(await Support.eventually(.seconds(60)) { state.consumed == messages.count })

        let result = try Self.python("read-cloudevents.py", [broker.bootstrapServers, String(expected.count), topics.alerts, topics.retrain, topics.metrics])
        await service.shutdown()
        try await running.value
        #expect(result.status == 0, "\(result.lines.last ?? [:])")
        let events = result.lines.filter { $0["error"] == nil && $0["id"] != nil }
        #expect(result.lines.filter { $0["error"] != nil }.isEmpty, "\(result.lines.filter { $0["error"] != nil }.prefix(3))")
        #expect(events.count == expected.count)
        #expect(events.map { $0["id"] as? String ?? "" }.sorted() == expected.map(\.id).sorted())
        for event in events {
            let dataType = event["data_type"] as? String ?? ""
            let kind = ["version_seen": "notice", "rule_not_evaluated": "notice", "rule_evaluated_again": "notice",
                        "feature_not_in_reference": "notice"][dataType] ?? dataType
            #expect(event["specversion"] as? String == "1.0")
            #expect(event["source"] as? String == "driftwatch/\(group)")
            #expect(event["type"] as? String == "io.driftwatch.\(kind).v2")
            #expect(event["datacontenttype"] as? String == "application/json")
            #expect(event["id"] as? String == event["driftwatch_id"] as? String)
            if kind == "alert" || kind == "retrain" { #expect(event["id"] as? String == event["data_id"] as? String) }
        }
        let alertTimes = Dictionary(expected.map { ($0.id, ISO8601Time.string(milliseconds: $0.time)) }) { first, _ in first }
        #expect(events.allSatisfy { alertTimes[$0["id"] as? String ?? ""] == $0["time"] as? String }, "ce_time is the event time")
    }
}
