import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Simulation
import Testing

/// The issue's crash test, with real processes: `driftwatch broker` runs as its own
/// process, `driftwatch serve` processes are `kill -9`ed at random points of a stream
/// with drift (restarted each time), and a last one finishes it. The alert, retraining
/// and dead-letter topics read in full must then hold exactly what uninterrupted engines
/// emit for the same messages: none lost, none twice.
///
/// Runs the `driftwatch` executable that `swift test` builds next to the test bundle.
/// The seed of the kill points is printed; `DRIFTWATCH_CRASH_SEED` replays one.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct CrashTests {
    typealias Support = ServiceTestSupport
    typealias Topics = MonitorServiceTests.Topics

    static let partitions: Int32 = 2
    static let maximumRecordBytes = 100_000
    /// Two models, one per input partition: drift, a concept change (retraining: labels
    /// follow within minutes, so performance windows close mid-stream) and bias, a
    /// malformed message every 4,000.
    static let messages = try! Support.messages(events: 16_000, scenario: "income_shift@0.3,concept_drift@0.4,gender_bias@0.6",
                                                malformedEvery: 4_000, models: Int(partitions), meanLabelDelayMilliseconds: 120_000)

    @Test func killedServeProcessesLoseAndDuplicateNothing() async throws {
        let executable = try #require(Support.driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let seed = ProcessInfo.processInfo.environment["DRIFTWATCH_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...99_999)
        print("CrashTests: seed \(seed) (DRIFTWATCH_CRASH_SEED=\(seed) replays these kill points)")
        var random = RandomSource(seed: seed)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-crash-\(seed)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["DRIFTWATCH_KEEP"] == nil { try? FileManager.default.removeItem(at: work) } }

        // What uninterrupted engines (one per partition) emit.
        var expectedAlerts: [String] = [], expectedRetrain: [String] = []
        for partition in 0..<Self.partitions {
            let outputs = Support.engineOutputs(Self.messages.filter { ($0.partition ?? 0) == partition }).outputs
            expectedAlerts += outputs.filter { $0.kind == .alert }.map(\.json)
            expectedRetrain += outputs.filter { $0.kind == .retrain }.map(\.json)
        }
        try #require(expectedAlerts.count >= 4 && !expectedRetrain.isEmpty,
                     "the stream must alert and retrain, or the comparison proves nothing (\(expectedAlerts.count), \(expectedRetrain.count))")

        let topics = Topics()
        // Outputs on one partition each: one order to compare (alerts are keyed by fingerprint).
        let broker = try ChildProcess(executable, ["broker", "--brokers", "1", "--topic=\(topics.input):\(Self.partitions)"]
            + [topics.alerts, topics.retrain, topics.deadLetters].map { "--topic=\($0):1" } + ["--topic=\(topics.state):4"],
            log: work.appendingPathComponent("broker.log"))
        defer { broker.terminate() }
        let bootstrap = try #require(await broker.waitForLine(startingWith: "bootstrap=", timeout: .seconds(15)))
        let group = "crash-\(topics.suffix)"
        let progress = try GroupProgress(bootstrap: bootstrap, group: group, topic: topics.input, partitions: Self.partitions)
        defer { progress.close() }

        // Fed at the pace the group commits (the broker keeps only ~5 MiB per partition), so
        // the kills land while the stream is being processed.
        let feeding = Task {
            let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap), logger: Support.quietLogger)
            defer { producer.close() }
            try await StreamFeeder(topic: topics.input, partition: 0, maximumAhead: 8000)
                .feed(Self.messages, producer: producer, consumed: { progress.committed() }, message: { $0 })
        }

        let serveArguments = ["serve", "--brokers", bootstrap, "--group", group, "--input-topic", topics.input,
                              "--alerts-topic", topics.alerts, "--retrain-topic", topics.retrain,
                              "--dead-letter-topic", topics.deadLetters, "--state-topic", topics.state,
                              "--rules", Support.repositoryRoot + "/rules/default.yaml", "--http", "127.0.0.1:0",
                              "--window", "2m", "--slide", "1m", "--lateness", "1m",
                              "--checkpoint-messages", "3000", "--checkpoint-interval", "2s",
                              // A default broker's message limit, which the embedded one does not enforce, and
                              // checkpoints split into several records below it (they are ~0.3-0.6 MB here).
                              "--checkpoint-max-record-bytes", String(Self.maximumRecordBytes),
                              "-X", "message.max.bytes=\(Support.defaultBrokerMessageLimit)",
                              "-X", "session.timeout.ms=6000", "-X", "fetch.wait.max.ms=10"]
        var logs: [URL] = []
        func startServe() throws -> ChildProcess {
            logs.append(work.appendingPathComponent("serve-\(logs.count).log"))
            return try ChildProcess(executable, serveArguments, log: logs.last!)
        }
        let kills = 3
        for run in 1...kills {
            let serve = try startServe()
            let assigned = await serve.waitForLine(containing: "partitions assigned", timeout: .seconds(60)) != nil
            // Killed 0.5-4.5 s after its assignment: before, during or after its first checkpoints.
            try await Task.sleep(for: .milliseconds(500 + Int(random.next() % 4000)))
            serve.kill()
            print("CrashTests: run \(run) killed (assigned: \(assigned), committed: \(progress.committed()) of \(Self.messages.count))")
            // The mock broker (unlike a real one) hands a dead member partitions until its session
            // expires: wait for that, so that the next run is assigned at once.
            try await Task.sleep(for: .seconds(8))
        }

        let last = try startServe()
        // SIGTERM before the service group traps signals would kill it like any process:
        // wait for the assignment (as for the kills) before the final SIGTERM.
        let lastAssigned = await last.waitForLine(containing: "partitions assigned", timeout: .seconds(60)) != nil
        #expect(lastAssigned, "the last run must get the partitions")
        try await feeding.value
        let caughtUp = await Support.eventually(.seconds(180), every: .milliseconds(500)) {
            progress.committed() >= Self.messages.count
        }
        let lastLog = ((try? String(contentsOf: logs.last!, encoding: .utf8)) ?? "").split(separator: "\n").suffix(15)
        #expect(caughtUp, "the last run committed \(progress.committed()) of \(Self.messages.count) messages; its log ends:\n\(lastLog.joined(separator: "\n"))")
        last.terminate()
        #expect(await last.waitForExit(timeout: .seconds(15)) == 0, "SIGTERM must stop serve cleanly")

        let logText = logs.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined()
        let restores = logText.components(separatedBy: "shard restored from checkpoint").count - 1
        print("CrashTests: \(restores) shard restore(s) from checkpoints over \(kills + 1) runs")
        #expect(restores >= kills, "the runs after a kill must restore from checkpoints (restores: \(restores))")
        #expect(!logText.contains("starts EMPTY") && !logText.contains("no complete checkpoint"),
                "no shard may start empty or stop for missing state")
        let state = try await Support.stateRecords(topics.state, bootstrap: bootstrap, limit: Self.maximumRecordBytes)
        print("CrashTests: \(state.checkpoints) checkpoints, \(state.chunked) in several records, largest record \(state.largestRecord) bytes, largest checkpoint \(state.largestCheckpoint) bytes")
        #expect(state.chunked > 0, "checkpoints must have been split, or the chunked restores prove nothing")

        try await Self.expectPerModel(topics.alerts, bootstrap: bootstrap, equal: expectedAlerts)
        try await Self.expectPerModel(topics.retrain, bootstrap: bootstrap, equal: expectedRetrain)
        let malformed = Self.messages.indices.filter { Self.messages[$0].key != nil }
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: bootstrap, count: malformed.count)
        // Source partition/offset of each: a malformed message's offset is its position within its partition.
        let expectedSources = malformed.map { index in
            let partition = Self.messages[index].partition ?? 0
            return "\(partition)/\(Self.messages[..<index].filter { ($0.partition ?? 0) == partition }.count)"
        }
        #expect(deadLetters.map { "\(Support.header(DeadLetter.partitionHeader, of: $0) ?? "")/\(Support.header(DeadLetter.offsetHeader, of: $0) ?? "")" }
            .sorted() == expectedSources.sorted(), "each malformed message is dead-lettered once")
    }

    /// `topic` read in full holds `expected`, in order per model (the two models' outputs
    /// interleave as their shards are processed).
    static func expectPerModel(_ topic: String, bootstrap: String, equal expected: [String]) async throws {
        let published = try await Support.read(topic, bootstrap: bootstrap, count: expected.count)
            .map { String(decoding: $0.value, as: UTF8.self) }
        #expect(published.count == expected.count, "\(topic): \(published.count) published, \(expected.count) expected")
        for model in ["credit-risk", "credit-risk-2"] {
            let ofModel = { (json: String) in json.contains("\"model\":\"\(model)\"") }
            #expect(published.filter(ofModel) == expected.filter(ofModel), "\(topic), model \(model)")
        }
    }
}

/// A child process whose standard output and error go to a log file the test reads.
final class ChildProcess {
    private let process: Process
    private let log: URL

    init(_ executable: URL, _ arguments: [String], log: URL) throws {
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// The first log line containing `text` (or starting with `prefix`), once it appears.
    func waitForLine(containing text: String, timeout: Duration) async -> String? {
        await waitForLine(timeout: timeout) { $0.contains(text) }
    }

    func waitForLine(startingWith prefix: String, timeout: Duration) async -> String? {
        await waitForLine(timeout: timeout) { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    private func waitForLine(timeout: Duration, _ matches: (Substring) -> Bool) async -> String? {
        var found: String?
        _ = await ServiceTestSupport.eventually(timeout, every: .milliseconds(100)) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").first(where: matches).map(String.init)
            return found != nil
        }
        return found
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// The exit status, or nil if it did not exit within `timeout` (or was killed by a signal).
    func waitForExit(timeout: Duration) async -> Int32? {
        guard await ServiceTestSupport.eventually(timeout, { !process.isRunning }) else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}

/// How many input messages a consumer group has committed, over all partitions of a topic.
final class GroupProgress: Sendable {
    private let consumer: KafkaConsumer
    private let partitions: [TopicPartition]

    init(bootstrap: String, group: String, topic: String, partitions: Int32) throws {
        // Never subscribes: it only asks the group coordinator for committed offsets.
        consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: bootstrap, ["group.id": group]),
                                     logger: ServiceTestSupport.quietLogger)
        self.partitions = (0..<partitions).map { TopicPartition(topic, $0) }
    }

    func committed() -> Int {
        let offsets = (try? consumer.committed(partitions, timeout: .seconds(5))) ?? []
        return offsets.reduce(0) { $0 + Int(max($1.offset, 0)) }
    }

    func close() { consumer.close() }
}
