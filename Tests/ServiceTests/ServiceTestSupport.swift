import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import Logging
@testable import Monitor
import Service
import Simulation

/// Shared helpers of the service tests: a simulated stream, the engine run directly over
/// it (the reference), HTTP requests, topic readers and deadlines.
enum ServiceTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let defaultRules: RuleSet = try! RuleLoader.load(paths: [repositoryRoot + "/rules/default.yaml"]).get()

    static var quietLogger: Logger {
        var logger = Logger(label: "driftwatch.tests")
        logger.logLevel = .warning
        return logger
    }

    /// 5-minute windows sliding by one minute: ~3,000 predictions per window at 100 ms.
    static func monitorConfiguration(caps: MonitorConfiguration.Caps = MonitorConfiguration.Caps()) -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 300_000, slide: 60_000, allowedLateness: 60_000)
        configuration.caps = caps
        return configuration
    }

    /// The simulated stream's messages, with malformed messages (carrying a key and a
    /// header of their own) inserted every `malformedEvery` messages.
    static func messages(events: Int, scenario: String, malformedEvery: Int = .max, models: Int = 1) throws -> [StreamFeeder.Message] {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.seed = 11
        simulation.models = models
        simulation.scenario = try Scenario(parsing: scenario)
        var messages: [StreamFeeder.Message] = []
        for (index, line) in StreamSimulator(simulation).enumerated() {
            if index > 0, index % malformedEvery == 0 {
                let value = index % (2 * malformedEvery) == 0 ? Array(#"{"event":"prediction","model":"#.utf8) : Array(#"{"event":"prediction","model":"m","ts":1}"#.utf8)
                messages.append(StreamFeeder.Message(key: Array("bad-\(index)".utf8), value: value,
                                                     headers: [KafkaHeader("origin", "test-\(index)")]))
            }
            messages.append(StreamFeeder.Message(value: Array(line.json.utf8), partition: Int32(predictionIndex(of: line.json) % models)))
        }
        return messages
    }

    /// The simulator's prediction index, from the id (`p-<seed>-<index>`) that a
    /// prediction and its label share: predictions go round-robin over the models, so
    /// `index % models` sends a prediction and its label to its model's partition.
    static func predictionIndex(of json: String) -> Int {
        let id = json.split(separator: "\"").drop { $0 != "id" }.dropFirst(2).first ?? ""
        return Int(id.split(separator: "-").last ?? "") ?? 0
    }

    /// The engine over the same messages in the same order: what serve must publish.
    static func engineOutputs(_ messages: some Sequence<StreamFeeder.Message>,
                              configuration: MonitorConfiguration = monitorConfiguration()) -> (outputs: [MonitorOutput], counters: MonitorEngine.Counters) {
        let run = engineRun(messages, configuration: configuration)
        return (run.outputs, run.engine.counters)
    }

    /// ``engineOutputs(_:configuration:)`` with the engine itself, for its state.
    static func engineRun(_ messages: some Sequence<StreamFeeder.Message>,
                          configuration: MonitorConfiguration) -> (outputs: [MonitorOutput], engine: MonitorEngine) {
        let engine = MonitorEngine(configuration: configuration, rules: defaultRules)
        var outputs: [MonitorOutput] = []
        for message in messages {
            message.value.withUnsafeBufferPointer { _ = engine.process(message: $0) }
            outputs += engine.drainOutputs()
        }
        return (outputs, engine)
    }

    /// The process's resident set size (Linux `/proc/self/status`), in bytes; 0 elsewhere.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    static func get(port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    static func eventually(_ timeout: Duration, every interval: Duration = .milliseconds(50),
                           _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: interval)
        }
        return try await condition()
    }

    /// Reads `topic` from the beginning in a fresh group until `count` messages arrived
    /// (then a short extra wait for unexpected ones) or `timeout` passed.
    static func read(_ topic: String, bootstrap: String, count: Int, timeout: Duration = .seconds(20)) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: bootstrap, [
            "group.id": "reader-\(UInt32.random(in: 0...UInt32.max))", "auto.offset.reset": "earliest",
            "session.timeout.ms": "6000",
        ]), logger: quietLogger)
        defer { consumer.close() }
        try consumer.subscribe([topic])
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        var extraUntil: ContinuousClock.Instant?
        while ContinuousClock.now < (extraUntil ?? deadline) {
            if case let .messages(batch)? = try await consumer.nextEvent(timeout: .milliseconds(100)) { messages += batch }
            if messages.count >= count, extraUntil == nil { extraUntil = .now + .milliseconds(500) }
        }
        return messages
    }

    static func header(_ name: String, of message: KafkaMessage) -> String? {
        message.headers.first { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}
