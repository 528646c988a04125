import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
import Simulation
@testable import Service
import Testing

/// The alignment's choices alone (no Kafka): which buffered record a task takes next,
/// when it waits for an empty partition, when it stops waiting, and what it pauses.
struct TaskAlignmentTests {
    struct Record: AlignableRecord, Equatable {
        var topicPartition: TopicPartition
        var alignmentTime: Int64?
        var name: String
    }

    static func record(_ topic: String, _ partition: Int32, _ time: Int64?, _ name: String) -> Record {
        Record(topicPartition: TopicPartition(topic, partition), alignmentTime: time, name: name)
    }

    static let start = ContinuousClock.now

    static func alignment(idle: Duration = .seconds(5), pauseAbove: Int = 100) -> TaskAlignment<Record> {
        var alignment = TaskAlignment<Record>(inputTopics: ["predictions", "labels"], maxTaskIdle: idle, pauseAbove: pauseAbove)
        alignment.assign([TopicPartition("predictions", 0), TopicPartition("labels", 0),
                          TopicPartition("predictions", 1), TopicPartition("labels", 1)])
        return alignment
    }

    @Test func theLowestEventTimeAmongTheHeadsGoesFirstTiesToTheTopicListedFirst() {
        var alignment = Self.alignment()
        alignment.append([Self.record("labels", 0, 10, "l10"), Self.record("labels", 0, 30, "l30"),
                          Self.record("predictions", 0, 5, "p5"), Self.record("predictions", 0, 10, "p10"),
                          Self.record("predictions", 0, 40, "p40")])
        alignment.reachedEnd(TopicPartition("labels", 0))
        alignment.reachedEnd(TopicPartition("predictions", 0))
        // Both at their end after these: everything goes, merged by time; p10 before l10 (tie).
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["p5", "p10", "l10", "l30", "p40"])
        #expect(alignment.enforcedProcessing == 0)
        #expect(alignment.buffered == 0)
    }

    @Test func anEmptyPartitionNotAtItsEndIsWaitedForUpToTheLimitThenEnforced() {
        var alignment = Self.alignment(idle: .seconds(5))
        alignment.append([Self.record("predictions", 0, 1, "p1")])
        alignment.append([Self.record("predictions", 0, 2, "p2")])
        alignment.append([Self.record("labels", 0, 1_000, "l1000")])
        // The labels head is far ahead: the predictions go first, until their partition is empty.
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["p1", "p2"])
        // Predictions empty and not at their end: the label waits.
        #expect(alignment.takeReady(now: Self.start + .seconds(1)).isEmpty)
        #expect(alignment.nextDeadline == Self.start + .seconds(5))
        // A prediction arrives in time: still in order, and the wait starts again after it.
        alignment.append([Self.record("predictions", 0, 3, "p3")])
        #expect(alignment.takeReady(now: Self.start + .seconds(2)).map(\.name) == ["p3"])
        #expect(alignment.nextDeadline == Self.start + .seconds(7))
        #expect(alignment.takeReady(now: Self.start + .seconds(6)).isEmpty)
        #expect(alignment.takeReady(now: Self.start + .seconds(7)).map(\.name) == ["l1000"])
        #expect(alignment.enforcedProcessing == 1)
        #expect(alignment.nextDeadline == nil)
    }

    @Test func aPartitionAtItsEndIsNotWaitedForUntilItGetsDataAgain() {
        var alignment = Self.alignment()
        alignment.reachedEnd(TopicPartition("predictions", 1))
        alignment.append([Self.record("labels", 1, 50, "l50")])
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["l50"])
        alignment.append([Self.record("predictions", 1, 60, "p60")])
        #expect(alignment.takeReady(now: Self.start).isEmpty, "labels 1 was never at its end: wait")
        alignment.reachedEnd(TopicPartition("labels", 1))
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["p60"])
        alignment.append([Self.record("labels", 1, 70, "l70")])
        #expect(alignment.takeReady(now: Self.start).isEmpty, "predictions 1 got data after its end: it may have more")
        #expect(alignment.enforcedProcessing == 0)
    }

    @Test func tasksAreIndependentAndUndecodableRecordsDoNotWait() {
        var alignment = Self.alignment()
        alignment.append([Self.record("labels", 1, 5, "task1-l5")])
        alignment.append([Self.record("predictions", 0, nil, "task0-bad")])
        alignment.append([Self.record("predictions", 0, 7, "task0-p7")])
        alignment.append([Self.record("labels", 0, 3, "task0-l3")])
        // Task 0: the bad record first (at its partition's head, no time), then by time;
        // p7 waits for labels 0 (empty, not at its end). Task 1 waits for predictions 1.
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["task0-bad", "task0-l3"])
        alignment.reachedEnd(TopicPartition("labels", 0))
        alignment.reachedEnd(TopicPartition("predictions", 1))
        #expect(alignment.takeReady(now: Self.start).map(\.name) == ["task0-p7", "task1-l5"])
    }

    @Test func aFullPartitionIsPausedAndResumedBelowHalfAndRevocationReleasesItsRecords() {
        var alignment = Self.alignment(pauseAbove: 4)
        alignment.append((0..<6).map { Self.record("labels", 0, Int64(100 + $0), "l\($0)") })
        var changes = alignment.pauseChanges()
        #expect(changes.pause == [TopicPartition("labels", 0)] && changes.resume.isEmpty)
        #expect(alignment.pausedCount == 1)
        alignment.append([Self.record("predictions", 0, 200, "p200")])
        // Labels go until the predictions head is earlier: all six.
        #expect(alignment.takeReady(now: Self.start).count == 6)
        changes = alignment.pauseChanges()
        #expect(changes.resume == [TopicPartition("labels", 0)] && changes.pause.isEmpty)
        alignment.append((0..<6).map { Self.record("labels", 0, Int64(300 + $0), "l\($0)") })
        #expect(alignment.pauseChanges().pause == [TopicPartition("labels", 0)])
        let revoked = alignment.revoke([TopicPartition("predictions", 0), TopicPartition("labels", 0)])
        #expect(revoked.released == 7 && revoked.paused == [TopicPartition("labels", 0)])
        #expect(alignment.buffered == 0)
    }
}

/// The issue's backlog case, with real processes (`driftwatch broker`, `driftwatch
/// serve`): predictions and labels on separate topics, keyed by model (one model per
/// partition), all produced before serve starts. Labels are small, so a fetch brings
/// hours of them ahead of the predictions; without alignment they push event time on,
/// expire as early labels and make the predictions late. With it, serve publishes what
/// `replay` of the same events computes (merged by event time, before its end-of-input flush).
@Suite(.serialized, .timeLimit(.minutes(4)))
struct BacklogAlignmentTests {
    typealias Support = ServiceTestSupport
    static let partitions: Int32 = 2
    static let models = ["credit-risk", "credit-risk-2"]

    /// 100 minutes of event time (two predictions a second, split over two models), a concept change.
    static let lines: [StreamSimulator.Line] = {
        var simulation = StreamSimulator.Configuration()
        simulation.events = 12_000
        simulation.seed = 7
        simulation.models = models.count
        simulation.intervalMilliseconds = 500
        simulation.meanLabelDelayMilliseconds = 120_000
        simulation.scenario = try! Scenario(parsing: "concept_drift@0.4")
        return Array(StreamSimulator(simulation))
    }()

    static func configuration() -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 600_000, slide: 300_000, allowedLateness: 300_000)
        return configuration
    }

    static func message(_ line: StreamSimulator.Line) -> StreamFeeder.Message {
        StreamFeeder.Message(value: Array(line.json.utf8), partition: Int32(line.index % models.count))
    }

    @Test func aBacklogWithLabelsAheadOnTheirOwnTopicEqualsReplay() async throws {
        let executable = try #require(Support.driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-align-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["DRIFTWATCH_KEEP"] == nil { try? FileManager.default.removeItem(at: work) } }

        // Replay per partition: the partition's predictions and labels merged by event time,
        // ties to predictions (the topic listed first), without the end-of-input flush.
        var expected: [MonitorOutput] = []
        for partition in 0..<Self.partitions {
            let ofPartition = Self.lines.filter { $0.index % Self.models.count == Int(partition) }
            let merged = ofPartition.filter { $0.kind == .prediction }.map { ($0, 0) } + ofPartition.filter { $0.kind == .label }.map { ($0, 1) }
            let ordered = merged.enumerated().sorted { ($0.element.0.timestamp, $0.element.1, $0.offset) < ($1.element.0.timestamp, $1.element.1, $1.offset) }
            expected += Support.engineRun(ordered.map { Self.message($0.element.0) }, configuration: Self.configuration()).outputs
        }
        /// What goes to the topic of `kind` (notices go with the metric events).
        let expectedOf = { (kind: MonitorOutput.Kind) in
            expected.filter { $0.kind == kind || (kind == .metric && $0.kind == .notice) }.map(\.json)
        }
        let performance = expectedOf(.metric).filter { $0.contains(#""evaluation":"performance""#) }.count
        print("BacklogAlignmentTests: replay emits \(expected.count) outputs, \(performance) performance metric events, \(expectedOf(.alert).count) alert events, \(expectedOf(.retrain).count) retraining triggers")
        try #require(!expectedOf(.retrain).isEmpty && expectedOf(.alert).contains { $0.contains("AccuracyDrop") } && performance > 0,
                     "replay must evaluate performance, alert on accuracy and retrain, or the comparison proves nothing")

        let suffix = UInt32.random(in: 0...UInt32.max)
        let (predictions, labels) = ("predictions-\(suffix)", "labels-\(suffix)")
        let (alerts, retrain, metrics, deadLetters, state) = ("alerts-\(suffix)", "retrain-\(suffix)", "metrics-\(suffix)", "dead-\(suffix)", "state-\(suffix)")
        let broker = try ChildProcess(executable, ["broker", "--brokers", "1", "--topic=\(predictions):\(Self.partitions)", "--topic=\(labels):\(Self.partitions)",
                                                   "--topic=\(state):2"] + [alerts, retrain, metrics, deadLetters].map { "--topic=\($0):1" },
                                      log: work.appendingPathComponent("broker.log"))
        defer { broker.terminate() }
        let bootstrap = try #require(await broker.waitForLine(startingWith: "bootstrap=", timeout: .seconds(15)))

        // The backlog: everything produced before serve starts (well under the broker's ~5 MiB per partition).
        // Labels first and in large batches (the mock hands out one produced batch per partition
        // and fetch): a fetch then brings far more labels than the predictions fetched with them
        // can release, whatever the producer's timing, so the label partitions must pause.
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap, ["linger.ms": "500", "batch.num.messages": "10000"]),
                                         logger: Support.quietLogger)
        for line in Self.lines.filter({ $0.kind == .label }) + Self.lines.filter({ $0.kind == .prediction }) {
            let message = Self.message(line)
            try producer.produce(topic: line.kind == .prediction ? predictions : labels, key: Array(Self.models[Int(message.partition!)].utf8),
                                 value: message.value, headers: [], partition: message.partition)
        }
        try producer.flush(timeout: .seconds(30))
        producer.close()

        let port = try Self.freePort()
        let group = "align-\(suffix)"
        let serve = try ChildProcess(executable, [
            "serve", "--brokers", bootstrap, "--group", group, "--input-topic", predictions, "--input-topic", labels,
            "--alerts-topic", alerts, "--retrain-topic", retrain, "--metrics-topic", metrics, "--dead-letter-topic", deadLetters,
            "--state-topic", state, "--rules", Support.repositoryRoot + "/rules/default.yaml", "--http", "127.0.0.1:\(port)",
            "--window", "10m", "--slide", "5m", "--lateness", "5m",
            // Small alignment buffers: partitions are paused and resumed along the way.
            "--alignment-buffer", "500",
            "-X", "session.timeout.ms=6000", "-X", "fetch.wait.max.ms=10",
        ], log: work.appendingPathComponent("serve.log"))
        defer { serve.terminate() }
        let progress = try [predictions, labels].map { try GroupProgress(bootstrap: bootstrap, group: group, topic: $0, partitions: Self.partitions) }
        defer { progress.forEach { $0.close() } }
        let caughtUp = await Support.eventually(.seconds(120), every: .milliseconds(500)) {
            progress.map { $0.committed() }.reduce(0, +) >= Self.lines.count
        }
        #expect(caughtUp, "serve committed \(progress.map { $0.committed() }) of \(Self.lines.count) messages")

        let status = try await Support.get(port: port, "/v1/status").body
        let exposition = try await Support.get(port: port, "/metrics").body
        serve.terminate()
        #expect(await serve.waitForExit(timeout: .seconds(15)) == 0, "SIGTERM must stop serve cleanly")

        for (topic, kind) in [(alerts, MonitorOutput.Kind.alert), (retrain, .retrain), (metrics, .metric)] {
            try await CrashTests.expectPerModel(topic, bootstrap: bootstrap, equal: expectedOf(kind))
        }
        // Nothing was taken out of order: the partition heads were always there in time.
        #expect(status.contains(#""enforcedProcessing":0"#), "\(status)")
        #expect(exposition.contains("driftwatch_enforced_processing_total 0"), "the metric is exported")
        let pauses = try #require(status.split(separator: #""pauses":"#).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(pauses > 0, "the small alignment buffers must have paused partitions, or pausing is not exercised")
        print("BacklogAlignmentTests: \(pauses) partition pauses")
    }

    /// A port nobody listens on now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
