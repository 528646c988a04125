import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import Logging
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Simulation
import Testing

/// Shared helpers of the service tests: a simulated stream, the engine run directly over
/// it (the reference), HTTP requests, topic readers and deadlines.
enum ServiceTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `driftwatch` executable that `swift test` builds next to the test bundle, if present.
    static let driftwatchExecutable: URL? = {
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("driftwatch")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }()

    static let defaultRules: RuleSet = try! RuleLoader.load(paths: [repositoryRoot + "/rules/default.yaml"]).get()

    static var quietLogger: Logger {
        var logger = Logger(label: "driftwatch.tests")
        logger.logLevel = .warning
        return logger
    }

    /// 2-minute windows sliding by one minute: ~1,200 predictions per window at 100 ms, so
    /// that the default rules' `for: 2` and `keep_firing_for: 3` (counted in disjoint
    /// windows) fire and resolve within the 27 minutes of a 16,000-event stream.
    static func monitorConfiguration(caps: MonitorConfiguration.Caps = MonitorConfiguration.Caps()) -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 120_000, slide: 60_000, allowedLateness: 60_000)
        configuration.caps = caps
        return configuration
    }

    /// The simulated stream's messages, with malformed messages (carrying a key and a
    /// header of their own) inserted every `malformedEvery` messages, spread round-robin
    /// over the models' partitions; from `versionChangeAt` (a share of the stream) on,
    /// version v2 replaces v1.
    static func messages(events: Int, scenario: String, malformedEvery: Int = .max, models: Int = 1,
                         meanLabelDelayMilliseconds: Double? = nil, versionChangeAt: Double? = nil) throws -> [StreamFeeder.Message] {
        var simulation = StreamSimulator.Configuration()
        simulation.versionChangeFraction = versionChangeAt
        if let meanLabelDelayMilliseconds { simulation.meanLabelDelayMilliseconds = meanLabelDelayMilliseconds }
        simulation.events = events
        simulation.seed = 11
        simulation.models = models
        simulation.scenario = try Scenario(parsing: scenario)
        var messages: [StreamFeeder.Message] = []
        for (index, line) in StreamSimulator(simulation).enumerated() {
            if index > 0, index % malformedEvery == 0 {
                let value = index % (2 * malformedEvery) == 0 ? Array(#"{"event":"prediction","model":"#.utf8) : Array(#"{"event":"prediction","model":"m","ts":1}"#.utf8)
                messages.append(StreamFeeder.Message(key: Array("bad-\(index)".utf8), value: value,
                                                     headers: [KafkaHeader("origin", "test-\(index)")],
                                                     partition: Int32(index / malformedEvery % models)))
            }
            messages.append(StreamFeeder.Message(value: Array(line.json.utf8), partition: Int32(line.index % models)))
        }
        return messages
    }

    /// A stream that drifts (`scenario`) and then returns to normal: the scenario's messages
    /// up to `recoverAt` (a share of the messages), `then`'s from there on (the stable
    /// stream by default; same seed, so the same ids and times). Alerts fire and then resolve.
    static func driftingThenRecovering(events: Int, scenario: String, recoverAt: Double, then: String = "stable") throws -> [StreamFeeder.Message] {
        let drifting = try messages(events: events, scenario: scenario)
        let stable = try messages(events: events, scenario: then)
        let cut = Int(Double(drifting.count) * recoverAt)
        return Array(drifting.prefix(cut) + stable.dropFirst(cut))
    }

    /// The HTTP port `service` listens on, once it does (0 if it does not within 10 s).
    static func httpPort(of service: MonitorService) async -> Int {
        var port = 0
        #expect(await eventually(.seconds(10)) { port = service.httpPort ?? 0; return port > 0 })
        return port
    }

    /// Produces `messages` to partition 0 of `topic` and waits until `state` consumed them all.
    static func feed(_ messages: [StreamFeeder.Message], to topic: String, bootstrap: String, state: ServiceState) async throws {
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap), logger: quietLogger)
        defer { producer.close() }
        try await StreamFeeder(topic: topic, partition: 0, maximumAhead: 4000)
            .feed(messages, producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(await eventually(.seconds(60)) { state.consumed == messages.count })
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
        return (outputs(of: engine, over: messages), engine)
    }

    /// Runs `engine` over `messages`; returns its outputs in order.
    static func outputs(of engine: MonitorEngine, over messages: some Sequence<StreamFeeder.Message>) -> [MonitorOutput] {
        var outputs: [MonitorOutput] = []
        for message in messages {
            message.value.withUnsafeBufferPointer { _ = engine.process(message: $0) }
            outputs += engine.drainOutputs()
        }
        return outputs
    }

    /// The partition and offset each message gets when produced in order (a message
    /// without a partition goes to partition 0, as the feeders here send them).
    static func offsets(of messages: some Sequence<StreamFeeder.Message>) -> [(partition: Int32, offset: Int)] {
        var next: [Int32: Int] = [:]
        return messages.map { message in
            let partition = message.partition ?? 0
            defer { next[partition, default: 0] += 1 }
            return (partition, next[partition, default: 0])
        }
    }

    /// A service running in the background, and whether its `run()` has returned.
    struct RunningService {
        let service: MonitorService
        let task: Task<Void, any Error>
        private let ended: Protected<Bool>

        init(_ settings: ServeSettings) throws {
            let service = try MonitorService(settings: settings, rules: defaultRules, handleSignals: false, logger: quietLogger)
            let ended = Protected(false)
            self.service = service
            self.ended = ended
            task = Task {
                defer { ended.withLock { $0 = true } }
                try await service.run()
            }
        }

        var hasEnded: Bool { ended.current }
        var state: ServiceState { service.state }
        var consumed: Int { service.state.consumed }
    }

    /// Waits until the services consumed nothing new for a while and have no lag (after a
    /// restore a service re-reads messages it cannot know about in advance); returns whether they did.
    static func caughtUp(_ states: [ServiceState], timeout: Duration = .seconds(60)) async -> Bool {
        var consumed = -1
        return await eventually(timeout, every: .milliseconds(1500)) {
            let now = states.map(\.status.counters.consumed).reduce(0, +)
            defer { consumed = now }
            return consumed == now && states.allSatisfy { $0.status.lag.values.allSatisfy { $0 == 0 } }
        }
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

    /// Writes `rules/default.yaml` with its first rule renamed to `directory`/rules.yaml: a
    /// valid rule set with another digest. Returns the file and the rules loaded from it.
    static func writeRenamedDefaultRules(to directory: URL) throws -> (file: URL, rules: RuleSet) {
        var text = try String(contentsOfFile: repositoryRoot + "/rules/default.yaml", encoding: .utf8)
        let firstRuleName = try #require(defaultRules.rules.first?.name)
        text = text.replacingOccurrences(of: "name: \(firstRuleName)\n", with: "name: \(firstRuleName)Renamed\n")
        let file = directory.appendingPathComponent("rules.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return (file, try RuleLoader.load(paths: [file.path]).get())
    }

    /// How many messages `topic` holds over all its partitions (without reading them).
    static func messageCount(_ topic: String, bootstrap: String) throws -> Int {
        let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: bootstrap, [
            "group.id": "counter-\(UInt32.random(in: 0...UInt32.max))",
        ]), logger: quietLogger)
        defer { consumer.close() }
        let partitions = try consumer.metadata().topic(topic)?.partitions.count ?? 0
        return try (0..<partitions).map { partition in
            let (low, high) = try consumer.watermarks(TopicPartition(topic, Int32(partition)))
            return Int(high - low)
        }.reduce(0, +)
    }

    /// A dead letter carries the original's key and headers, why the decoder rejected it,
    /// and where it came from (its value is checked by the caller: oversize ones are cut).
    static func expectDeadLetter(_ letter: KafkaMessage, of original: StreamFeeder.Message, from topic: String,
                                 partition: Int32, offset: Int) throws {
        let rejection = try #require(EventDecoder().decode(original.value).failureValue)
        #expect(letter.key == original.key)
        #expect(letter.headers.first == original.headers.first)
        #expect(header(DeadLetter.reasonHeader, of: letter) == rejection.code)
        #expect(header(DeadLetter.descriptionHeader, of: letter) == rejection.description)
        #expect(header(DeadLetter.topicHeader, of: letter) == topic)
        #expect(header(DeadLetter.partitionHeader, of: letter) == String(partition))
        #expect(header(DeadLetter.offsetHeader, of: letter) == String(offset))
    }

    /// A default Kafka broker's message size limit (`message.max.bytes`, ~1 MB), which the
    /// embedded broker does not enforce: the tests set it on serve's clients and check it here.
    static let defaultBrokerMessageLimit = 1_000_000

    /// The state topic read in full: every record (key, value and headers) within `limit`,
    /// and how many checkpoints were written, how many of them in several chunks, the
    /// largest record and the largest checkpoint (what one record held before chunking).
    static func stateRecords(_ topic: String, bootstrap: String, limit: Int = defaultBrokerMessageLimit) async throws
        -> (checkpoints: Int, chunked: Int, largestRecord: Int, largestCheckpoint: Int) {
        let records = try await read(topic, bootstrap: bootstrap, count: try messageCount(topic, bootstrap: bootstrap))
        let sizes = records.map { record in
            (record.key?.count ?? 0) + record.value.count + record.headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
        }
        let manifests = records.filter { header(CheckpointRecord.partHeader, of: $0) == CheckpointRecord.manifestPart }
        let decoded = try manifests.map { try CheckpointManifest(blob: $0.value) }
        let chunked = decoded.filter { $0.chunkCount > 1 }.count
        #expect(sizes.allSatisfy { $0 <= limit }, "\(topic): a record of \(sizes.max() ?? 0) bytes exceeds \(limit)")
        #expect(records.allSatisfy { header(CheckpointRecord.formatHeader, of: $0) == CheckpointRecord.format })
        return (manifests.count, chunked, sizes.max() ?? 0, decoded.map(\.totalBytes).max() ?? 0)
    }

    static func header(_ name: String, of message: KafkaMessage) -> String? {
        message.headers.first { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}
