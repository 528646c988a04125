import DriftCore
import Foundation
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport
import TestConcurrency

/// `MonitorEngine.checkpoint()` / `init(restoring:)`: an engine restored from a
/// checkpoint continues exactly as the one that wrote it would have.
///
/// The reference is an uninterrupted run of the same input; the interrupted run
/// checkpoints at several points, throws its engine away and continues on one restored
/// from the bytes. Outputs drained before each checkpoint plus those after the restore
/// must equal the uninterrupted outputs line for line, and so must every counter.
@Suite struct EngineCheckpointTests {
    static let rules = ScenarioTests.defaultRules

    /// The simulator's lines with a malformed line and a redelivered prediction mixed in
    /// now and then (so rejections and duplicates are part of the state).
    static func lines(events: Int, scenario: String) -> [[UInt8]] {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.seed = 11
        simulation.models = 2
        simulation.versionChangeFraction = 0.85
        simulation.scenario = try! Scenario(parsing: scenario)
        var lines: [[UInt8]] = []
        var lastPrediction: [UInt8]?
        for (position, line) in StreamSimulator(simulation).enumerated() {
            lines.append(Array(line.json.utf8))
            if line.kind == .prediction { lastPrediction = Array(line.json.utf8) }
            if position % 7_919 == 7_918 { lines.append(Array("{\"model\": oops".utf8)) }
            if position % 10_007 == 10_006, let lastPrediction { lines.append(lastPrediction) }
        }
        return lines
    }

    static func feed(_ line: [UInt8], to engine: MonitorEngine) {
        var bytes = line
        bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
    }

    /// What an engine reports besides its outputs, to compare runs.
    /// Everything counted, in a stable order (the rules' evaluations as their ordered
    /// activity, not the dictionary `counters.ruleEvaluations` prints in hash order).
    /// `uncounted`: counters the engine's checkpoint format did not have, left out.
    static func snapshot(_ engine: MonitorEngine, uncounted: [WritableKeyPath<MonitorEngine.Counters, Int>] = []) -> String {
        var counters = engine.counters
        counters.ruleEvaluations = [:]
        for counter in uncounted { counters[keyPath: counter] = 0 }
        return "\(counters) \(engine.ruleActivity) \(engine.joinCounters) \(engine.pendingLabels) \(engine.firings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
    }

    struct Interrupted {
        var outputs: [MonitorOutput] = []
        /// What held at each checkpoint.
        var collectingReference: [Bool] = []
        var pendingLabels: [Int] = []
        var firingAlerts: [Int] = []
        var sizes: [Int] = []
    }

    /// Runs `lines`, checkpointing before each line in `points` (and before `finish()`
    /// when `atEnd`), each time continuing on an engine restored from the bytes.
    static func interruptedRun(_ lines: [[UInt8]], configuration: MonitorConfiguration, rules: RuleSet = rules, points: (Int, MonitorEngine, [MonitorOutput]) -> Bool) throws -> (Interrupted, MonitorEngine) {
        var run = Interrupted()
        var engine = MonitorEngine(configuration: configuration, rules: rules)
        var firing: Set<String> = []
        for (position, line) in lines.enumerated() {
            if points(position, engine, run.outputs) {
                let bytes = engine.checkpoint()
                run.sizes.append(bytes.count)
                // No drift evaluation yet: every version is still gathering its stream reference.
                run.collectingReference.append(engine.counters.predictions > 0 && !run.outputs.contains { $0.kind == .metric })
                run.pendingLabels.append(engine.pendingLabels)
                run.firingAlerts.append(firing.count)
                let before = snapshot(engine)
                engine = try MonitorEngine(restoring: bytes, configuration: configuration, rules: rules)
                #expect(snapshot(engine) == before)
                let sameBytes = engine.checkpoint() == bytes
                #expect(sameBytes, "checkpoint → restore → checkpoint changed the bytes")
            }
            feed(line, to: engine)
            for output in engine.drainOutputs() {
                run.outputs.append(output)
                if output.kind == .alert {
                    if output.firing != nil { firing.insert(output.id) } else { firing.remove(output.id) }
                }
            }
        }
        return (run, engine)
    }

    static func uninterrupted(_ lines: [[UInt8]], configuration: MonitorConfiguration, rules: RuleSet = rules) -> ([MonitorOutput], MonitorEngine) {
        let engine = MonitorEngine(configuration: configuration, rules: rules)
        var outputs: [MonitorOutput] = []
        for line in lines {
            feed(line, to: engine)
            outputs += engine.drainOutputs()
        }
        return (outputs, engine)
    }

    /// What an uninterrupted run ends with: its outputs through `finish()` and its ``snapshot(_:)``.
    struct Expected: Sendable {
        var outputs: [MonitorOutput]
        var snapshot: String
    }

    /// ``interruptedRun(_:configuration:rules:points:)`` on this thread while the
    /// uninterrupted run it is compared with runs on another (both cores at once).
    static func runs(_ lines: [[UInt8]], configuration: MonitorConfiguration, rules: RuleSet = rules,
                     points: (Int, MonitorEngine, [MonitorOutput]) -> Bool) throws -> (expected: Expected, run: Interrupted, engine: MonitorEngine) {
        let (expected, (run, engine)) = try whileRunning(inBackground: {
            let (outputs, engine) = uninterrupted(lines, configuration: configuration, rules: rules)
            return Expected(outputs: finished(outputs, engine), snapshot: snapshot(engine))
        }) {
            try interruptedRun(lines, configuration: configuration, rules: rules, points: points)
        }
        return (expected, run, engine)
    }

    /// Fails with the first differing line rather than two whole output lists.
    static func expectSame(_ outputs: [MonitorOutput], _ expected: [MonitorOutput], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(outputs.count == expected.count, sourceLocation: sourceLocation)
        if let difference = zip(outputs, expected).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("output \(difference.offset) differs:\n\(difference.element.0.json)\n\(difference.element.1.json)", sourceLocation: sourceLocation)
        }
    }

    static func finished(_ outputs: [MonitorOutput], _ engine: MonitorEngine) -> [MonitorOutput] {
        engine.finish()
        return outputs + engine.drainOutputs()
    }

    @Test func restoredEnginesContinueExactlyAsTheOriginal() throws {
        let configuration = ScenarioTests.configuration()
        let lines = Self.lines(events: 60_000, scenario: "income_shift@0.3,concept_drift@0.3,gender_bias@0.4")
        // Fixed points (mid reference, just after it, mid window, a new version building its
        // reference while the old one is monitored) plus the line after the first alert
        // starts firing, then the end of input.
        var checkpointedWhileFiring = false
        let (expectedRun, run, engine) = try Self.runs(lines, configuration: configuration) { position, _, outputs in
            if [3_000, 13_000, 25_001, 41_234, 60_000, 82_600].contains(position) || position == lines.count - 1 { return true }
            if !checkpointedWhileFiring, outputs.contains(where: { $0.kind == .alert && $0.firing != nil }) {
                checkpointedWhileFiring = true
                return true
            }
            return false
        }
        let bytes = engine.checkpoint()
        let restored = try MonitorEngine(restoring: bytes, configuration: configuration, rules: Self.rules)
        let outputs = run.outputs + Self.finished([], restored)
        let expected = expectedRun.outputs
        Self.expectSame(outputs, expected)
        #expect(Self.snapshot(restored) == expectedRun.snapshot)
        // The points covered what the test is about.
        #expect(run.collectingReference.first == true, "the first checkpoint was not taken mid reference")
        #expect(run.pendingLabels.allSatisfy { $0 > 0 })
        #expect(run.firingAlerts.contains { $0 > 0 }, "no checkpoint was taken with an alert firing")
        #expect(expected.contains { $0.kind == .retrain || $0.kind == .alert })
        #expect(run.sizes.count == 8)
    }

    @Test func countWindowsRestoreExactly() throws {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.count(window: 2_000, slide: 500)
        let lines = Self.lines(events: 12_000, scenario: "score_drift@0.5")
        let (expected, run, engine) = try Self.runs(lines, configuration: configuration) { position, _, _ in
            position % 3_001 == 1_500
        }
        let outputs = run.outputs + Self.finished([], engine)
        Self.expectSame(outputs, expected.outputs)
        #expect(run.sizes.count >= 7)
    }

    static let detectorRules: RuleSet = try! RuleLoader.load(sources: [
        RuleSource(path: "default.yaml", text: String(decoding: FileManager.default.contents(atPath: RuleFixtures.path("rules/default.yaml"))!, as: UTF8.self)),
        RuleSource(path: "detectors.yaml", text: """
            rules:
              - {name: ErrorRateDDM, metric: ddm, condition: "> 0"}
              - {name: ErrorRateADWIN, metric: adwin, condition: "> 0"}
            """),
    ]).get()

    /// A checkpoint of the previous release (format 9, before labels too late for the change
    /// detectors were counted: `fixtures/checkpoints/engine-format-9.bin`, the engine of
    /// `IdleProgressTests.events(v2End: 40_000)` before 20 s under the fixtures'
    /// configuration and the detector rules, outputs drained, written at commit f82f835)
    /// restores, and the engine goes on exactly as one that never stopped: the same outputs
    /// after it and the same counters but the new one, which starts at 0. (The program that
    /// wrote it: the engine above fed `events[..<split]`, `engine.checkpoint()` to the file.)
    @Test func aFormatNineCheckpointGoesOnExactly() throws {
        let events = IdleProgressTests.events(v2End: 40_000)
        let split = try #require(events.firstIndex { $0.timestamp >= 20_000 })
        let formatNine = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/checkpoints/engine-format-9.bin"))))
        let restored = try MonitorEngine(restoring: formatNine, configuration: StreamFixtures.configuration(), rules: Self.detectorRules)
        #expect(restored.counters.labelsAfterDetectors == 0 && restored.counters.predictions == 2_900)
        let whole = MonitorEngine(configuration: StreamFixtures.configuration(), rules: Self.detectorRules)
        var expected: [MonitorOutput] = []
        for (position, event) in events.enumerated() {
            whole.process(event)
            let drained = whole.drainOutputs()
            if position >= split { expected += drained }
        }
        var outputs: [MonitorOutput] = []
        for event in events[split...] {
            restored.process(event)
            outputs += restored.drainOutputs()
        }
        expected = Self.finished(expected, whole)
        // Alerts firing at the checkpoint resolve after it (v1 retires): their state came through.
        #expect(expected.count { $0.kind == .alert && $0.firing == nil } == 3)
        Self.expectSame(Self.finished(outputs, restored), expected)
        #expect(Self.snapshot(restored, uncounted: [\.labelsAfterDetectors]) == Self.snapshot(whole, uncounted: [\.labelsAfterDetectors]))
    }

    /// Change detectors (fed each performance pane's outcomes) continue from their checkpointed state.
    @Test func changeDetectorsRestoreExactly() throws {
        let configuration = ScenarioTests.configuration()
        let lines = Self.lines(events: 40_000, scenario: "concept_drift@0.3")
        let (expectedRun, run, engine) = try Self.runs(lines, configuration: configuration, rules: Self.detectorRules) { position, _, _ in
            position % 9_000 == 8_999
        }
        let expected = expectedRun.outputs
        Self.expectSame(run.outputs + Self.finished([], engine), expected)
        let detectorAlerts = expected.filter { $0.kind == .alert && ($0.json.contains("ErrorRateDDM") || $0.json.contains("ErrorRateADWIN")) }
        #expect(!detectorAlerts.isEmpty, "the detectors never fired, so their state was not exercised")
    }

    /// Rule state attaches by rule identity: unchanged rules keep their alert instances,
    /// removed ones are dropped and counted.
    @Test func alertStateOfRemovedRulesIsDropped() throws {
        let configuration = ScenarioTests.configuration()
        let lines = Self.lines(events: 60_000, scenario: "income_shift@0.3,concept_drift@0.3,gender_bias@0.4")
        let engine = MonitorEngine(configuration: configuration, rules: Self.detectorRules)
        for line in lines.prefix(60_000) { Self.feed(line, to: engine) }
        let bytes = engine.checkpoint()
        #expect(try MonitorEngine(restoring: bytes, configuration: configuration, rules: Self.detectorRules).alertInstancesDroppedOnRestore == 0)
        let withoutDrift = try RuleLoader.load(sources: [RuleSource(path: "r.yaml", text: """
            rules:
              - {name: ErrorRateDDM, metric: ddm, condition: "> 0"}
            """)]).get()
        let restored = try MonitorEngine(restoring: bytes, configuration: configuration, rules: withoutDrift)
        #expect(restored.alertInstancesDroppedOnRestore > 0)
        #expect(restored.rulesDigest == withoutDrift.rulesDigest)
        // It carries on: windows, references and the join as they were.
        for line in lines.dropFirst(60_000) { Self.feed(line, to: restored) }
        restored.finish()
        #expect(restored.drainOutputs().contains { $0.kind == .metric })
        #expect(restored.counters.predictions > engine.counters.predictions)
    }

    /// A small mid-stream checkpoint (reference being built, labels pending).
    static let smallCheckpoint: [UInt8] = {
        let engine = MonitorEngine(configuration: ScenarioTests.configuration(), rules: rules)
        for line in lines(events: 400, scenario: "stable") { feed(line, to: engine) }
        return engine.checkpoint()
    }()

    @Test func truncatedCheckpointsAreRejected() {
        let bytes = Self.smallCheckpoint
        var random = RandomSource(seed: 3)
        let lengths = Array(0..<64) + (0..<300).map { _ in Int(random.next() % UInt64(bytes.count)) }
        for length in lengths {
            #expect(throws: SerializationError.self) {
                try MonitorEngine(restoring: Array(bytes[..<length]), configuration: ScenarioTests.configuration(), rules: Self.rules)
            }
        }
    }

    @Test func flippedBitsAreRejected() {
        let bytes = Self.smallCheckpoint
        var random = RandomSource(seed: 4)
        for _ in 0..<300 {
            var corrupted = bytes
            corrupted[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 << (random.next() % 8))
            #expect(throws: SerializationError.self) {
                try MonitorEngine(restoring: corrupted, configuration: ScenarioTests.configuration(), rules: Self.rules)
            }
        }
    }

    /// Payload bytes past the CRC (as if a bug or a forger wrote them): decoding throws or
    /// succeeds, and never traps.
    @Test func corruptedPayloadsBehindAValidChecksumNeverCrash() throws {
        let payload = try VersionedBlob.decode(Self.smallCheckpoint, kind: MonitorEngine.checkpointKind, newestVersion: MonitorEngine.checkpointFormatVersion) { reader, _ in
            try (0..<reader.remaining).map { _ in try reader.readByte() }
        }
        var random = RandomSource(seed: 5)
        var rejected = 0
        for _ in 0..<400 {
            var corrupted = payload
            for _ in 0..<3 { corrupted[Int(random.next() % UInt64(payload.count))] ^= UInt8(1 << (random.next() % 8)) }
            let blob = VersionedBlob.encode(RawPayload(bytes: corrupted), kind: MonitorEngine.checkpointKind, version: MonitorEngine.checkpointFormatVersion)
            do {
                _ = try MonitorEngine(restoring: blob, configuration: ScenarioTests.configuration(), rules: Self.rules)
            } catch is SerializationError {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    @Test func newerFormatsAndOtherKindsAreRejected() {
        let newest = MonitorEngine.checkpointFormatVersion
        let newer = VersionedBlob.encode(RawPayload(bytes: []), kind: MonitorEngine.checkpointKind, version: newest + 1)
        #expect(throws: SerializationError.unsupportedVersion(kind: "engine-state", version: newest + 1, newestSupported: newest)) {
            try MonitorEngine(restoring: newer, rules: Self.rules)
        }
        let other = VersionedBlob.encode(RawPayload(bytes: []), kind: "profile", version: 1)
        #expect(throws: SerializationError.wrongKind(expected: "engine-state", actual: "profile")) {
            try MonitorEngine(restoring: other, rules: Self.rules)
        }
    }

    @Test func aDifferentWindowIsRejected() {
        #expect(throws: SerializationError.self) {
            try MonitorEngine(restoring: Self.smallCheckpoint, configuration: MonitorConfiguration(), rules: Self.rules)
        }
    }

    @Test func anEmptyEngineRoundTrips() throws {
        let engine = MonitorEngine(rules: Self.rules)
        let bytes = engine.checkpoint()
        #expect(try MonitorEngine(restoring: bytes, rules: Self.rules).checkpoint() == bytes)
    }
}

/// Raw bytes as a payload, to wrap hand-made payloads in a valid envelope.
struct RawPayload: BinaryEncodable {
    var bytes: [UInt8]
    func encode(to writer: inout BinaryWriter) {
        for byte in bytes { writer.write(byte) }
    }
}
