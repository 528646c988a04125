import Foundation
import Testing
@testable import Kafka

/// `driftwatch broker` as a separate process, as later crash tests use it: it prints one
/// machine-readable bootstrap line, serves real clients, survives a client killed with
/// SIGKILL, and exits 0 on SIGTERM. Runs when the `driftwatch` executable was built next
/// to the test bundle (`swift build --build-tests` / `swift test` build it).
@Suite(.timeLimit(.minutes(1)), .enabled(if: driftwatchExecutable != nil, "driftwatch executable not built"))
struct BrokerProcessTests {

    @Test func standaloneBrokerServesClientsSurvivesAKilledClientAndStopsCleanly() async throws {
        let executable = try #require(driftwatchExecutable)
        let broker = Process()
        broker.executableURL = executable
        broker.arguments = ["broker", "--brokers", "2", "--topic", "crash:3"]
        let output = Pipe()
        broker.standardOutput = output
        broker.standardError = FileHandle.nullDevice
        try broker.run()
        defer { if broker.isRunning { broker.terminate() } }

        let line = try #require(Self.firstLine(of: output.fileHandleForReading, timeout: 10))
        #expect(line.wholeMatch(of: /bootstrap=127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/) != nil, "\(line)")
        let bootstrap = String(line.dropFirst("bootstrap=".count))

        let admin = try KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap), logger: TestKafka.logger)
        let metadata = try admin.metadata()
        #expect(metadata.brokers.count == 2)
        #expect(metadata.topic("crash")?.partitions.count == 3)

        // A client process killed mid-run must not take the broker down.
        let client = Process()
        client.executableURL = executable
        client.arguments = ["smoke", "--brokers", bootstrap, "--topic", "crash", "--messages", "50000"]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        try await Task.sleep(for: .seconds(2))
        kill(client.processIdentifier, SIGKILL)
        client.waitUntilExit()
        #expect(broker.isRunning)

        // ... and it still serves a full produce/consume round trip.
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: bootstrap, ["linger.ms": "1"]), logger: TestKafka.logger)
        for index in 0..<50 {
            _ = try await producer.send(topic: "crash", key: TestKafka.key(index), value: TestKafka.value(index))
        }
        producer.close()
        let consumer = try KafkaConsumer(
            config: KafkaConfig(bootstrapServers: bootstrap, ["group.id": TestKafka.uniqueName("group"),
                                                              "auto.offset.reset": "earliest", "session.timeout.ms": "6000"]),
            logger: TestKafka.logger)
        try consumer.subscribe(["crash"])
        var ours = Set<Int>()
        _ = try await TestKafka.readEvents(consumer, timeout: .seconds(30)) { event in
            if case .messages(let batch) = event {
                // The killed smoke run's messages have other keys; keep this test's.
                for message in batch where message.value == TestKafka.value(TestKafka.index(of: message) ?? -1) {
                    ours.insert(TestKafka.index(of: message)!)
                }
            }
            return ours.count == 50
        }
        consumer.close()
        admin.close()
        #expect(ours == Set(0..<50))

        broker.terminate()  // SIGTERM
        let deadline = ContinuousClock.now + .seconds(10)
        while broker.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!broker.isRunning)
        #expect(broker.terminationReason == .exit && broker.terminationStatus == 0)
    }

    /// Reads the first line a child writes, giving up after `timeout` seconds.
    private static func firstLine(of handle: FileHandle, timeout: Double) -> String? {
        let result = Locked<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            var bytes: [UInt8] = []
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }  // end of file
                bytes += chunk
            }
            let line = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).first ?? []
            result.withLock { $0 = String(decoding: line, as: UTF8.self) }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return result.current
    }
}

/// The `driftwatch` executable in the build products directory, next to the test bundle.
private let driftwatchExecutable: URL? = {
    let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("driftwatch")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
}()
