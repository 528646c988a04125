import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Replay's byte-identical promise at every cardinality (issue 10, item 3): a stream
/// whose categorical feature has 1,500 categories (more than the 1,000 a summary counts
/// exactly, so window merges overflow) and whose segment attribute has 150 values (more
/// than the 100 a version tracks, so some share `(other)`) replays to the same bytes in
/// separate engines and in a separate process. Swift seeds Dictionary hashing per
/// process (and per dictionary), so any decision taken in hash order shows up here.
@Suite struct HighCardinalityDeterminismTests {
    /// 2 h 40 min of predictions, one every 1.5 s, each labelled 40 s later: a 1 h
    /// stream reference, then 20 monitored 1 h windows sliding by 5 min (the defaults).
    static let stream: String = {
        var generator = LCG(seed: 10)
        var lines: [(timestamp: Int64, json: String)] = []
        for index in 0..<6400 {
            let timestamp = 1_700_000_000_000 + Int64(index) * 1500
            // Skewed over 1,500 cities: each 5-minute pane sees a few hundred, an hour all of them.
            let city = Int(Double(generator.next() % 1_000_000) / 1_000_000 * 1500 * (index < 2400 ? 0.8 : 1))
            let region = generator.next() % 150
            let score = Double(generator.next() % 1000) / 1000
            let predicted = score >= 0.5 ? 1 : 0
            let label = generator.next() % 10 < 8 ? predicted : 1 - predicted
            lines.append((timestamp, #"{"event":"prediction","model":"m","version":"v1","id":"p\#(index)","ts":\#(timestamp),"#
                + #""features":{"c_city":"city-\#(city)","f_x":\#(Double(city % 97) / 7)},"score":\#(score),"label_pred":\#(predicted),"#
                + #""segment":{"region":"r\#(region)","gender":"\#(index % 3 == 0 ? "f" : "m")"}}"#))
            lines.append((timestamp + 40_000, #"{"event":"label","id":"p\#(index)","ts":\#(timestamp + 40_000),"label":\#(label)}"#))
        }
        return lines.sorted { $0.timestamp < $1.timestamp }.map { $0.json + "\n" }.joined()
    }()

    static let rulesPath = RuleFixtures.path("rules/default.yaml")
    static let rules: RuleSet = try! RuleLoader.load(paths: [rulesPath]).get()

    static func writeStream() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-cardinality-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let input = directory.appendingPathComponent("events.jsonl")
        try stream.write(to: input, atomically: true, encoding: .utf8)
        return input
    }

    /// What `driftwatch replay` writes: alerts and retraining triggers, then metrics and notices.
    struct Files: Equatable {
        var alerts: String
        var metrics: String
    }

    /// One in-process replay with the defaults (`driftwatch replay`'s configuration), as files.
    static func replay(_ input: URL) throws -> (files: Files, engine: MonitorEngine) {
        let engine = MonitorEngine(configuration: MonitorConfiguration(), rules: rules)
        var files = Files(alerts: "", metrics: "")
        try Replay.run(inputs: [input.path], engine: engine, deliver: { outputs in
            for output in outputs {
                switch output.kind {
                case .alert, .retrain: files.alerts += output.json + "\n"
                case .metric, .notice: files.metrics += output.json + "\n"
                }
            }
        }, deadLetter: { _ in })
        return (files, engine)
    }

    @Test func replaysOfAHighCardinalityStreamAreByteIdenticalInAndAcrossProcesses() throws {
        let input = try Self.writeStream()
        defer { try? FileManager.default.removeItem(at: input.deletingLastPathComponent()) }
        let first = try Self.replay(input)

        // The stream does what it is meant to: categories and segment values overflow their caps.
        let counters = first.engine.counters
        #expect(counters.cappedSegmentValues > 0)
        let overflow = first.files.metrics.split(separator: "\n").filter {
            $0.contains(#""subject":"c_city","metric":"category_overflow_rate""#) && !$0.contains(#""value":0,"#)
        }
        #expect(!overflow.isEmpty, "no window of c_city overflowed the category cap")
        #expect(first.files.metrics.contains(#""subject":"c_city","metric":"psi""#))

        for run in 2...5 {
            let again = try Self.replay(input).files
            #expect(again.alerts == first.files.alerts, "alerts of run \(run) differ from run 1")
            #expect(again.metrics == first.files.metrics, "metrics of run \(run) differ from run 1")
        }

        // Another process: its own hash seed (SWIFT_DETERMINISTIC_HASHING unset).
        let executable = try #require(driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let alerts = input.deletingLastPathComponent().appendingPathComponent("alerts.jsonl")
        let metrics = input.deletingLastPathComponent().appendingPathComponent("metrics.jsonl")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["replay", "--input", input.path, "--rules", Self.rulesPath,
                             "--alerts-out", alerts.path, "--metrics-out", metrics.path]
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_DETERMINISTIC_HASHING" }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let child = Files(alerts: try String(contentsOf: alerts, encoding: .utf8), metrics: try String(contentsOf: metrics, encoding: .utf8))
        #expect(child.alerts == first.files.alerts, "the child process's alerts differ")
        #expect(child.metrics == first.files.metrics, "the child process's metrics differ")
    }
}

extension HighCardinalityDeterminismTests {
    /// 100 minutes of a 7-class classifier's predictions, one a second, each with a
    /// probability vector of uneven values (so the order of a Brier sum shows in its bits)
    /// and labelled 20 s later.
    static let multiclassStream: String = {
        let classes = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
        var generator = LCG(seed: 11)
        var lines: [(timestamp: Int64, json: String)] = []
        for index in 0..<6000 {
            let timestamp = 1_767_225_600_000 + Int64(index) * 1000
            let weights = classes.map { _ in pow(Double(generator.next() % 1_000_000 + 1) / 1_000_000, 3) }
            let total = weights.reduce(0, +)
            let probabilities = zip(classes, weights).map { #""\#($0)":\#($1 / total)"# }.joined(separator: ",")
            let predicted = classes[weights.indices.max { weights[$0] < weights[$1] }!]
            let label = generator.next() % 10 < 7 ? predicted : classes[generator.next() % classes.count]
            lines.append((timestamp, #"{"event":"prediction","model":"m","version":"v1","id":"p\#(index)","ts":\#(timestamp),"#
                + #""features":{"x":\#(Double(generator.next() % 1000) / 1000)},"label_pred":"\#(predicted)","probabilities":{\#(probabilities)}}"#))
            lines.append((timestamp + 20_000, #"{"event":"label","id":"p\#(index)","ts":\#(timestamp + 20_000),"label":"\#(label)"}"#))
        }
        return lines.sorted { $0.timestamp < $1.timestamp }.map { $0.json + "\n" }.joined()
    }()

    /// A multiclass classifier's metrics are the same bytes from two processes (each with
    /// its own hash seed): a Brier sum once added a row's squares in its probability
    /// dictionary's order, and three replays of NannyML's credit-card stream wrote three
    /// different metric files.
    @Test func multiclassReplaysAreByteIdenticalAcrossProcesses() throws {
        let executable = try #require(driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-multiclass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("events.jsonl")
        try Self.multiclassStream.write(to: input, atomically: true, encoding: .utf8)
        var runs: [String] = []
        for run in 0..<2 {
            let metrics = directory.appendingPathComponent("metrics-\(run).jsonl")
            let process = Process()
            process.executableURL = executable
            process.arguments = ["replay", "--input", input.path, "--rules", RuleFixtures.path("rules/examples/multiclass.yaml"),
                                 "--window", "5m", "--slide", "1m", "--alerts-out", "/dev/null", "--metrics-out", metrics.path]
            process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_DETERMINISTIC_HASHING" }
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            runs.append(try String(contentsOf: metrics, encoding: .utf8))
        }
        #expect(runs[0].components(separatedBy: #""metric":"brier""#).count > 5, "performance windows with Brier scores")
        #expect(runs[0] == runs[1], "the two processes' metrics differ")
    }
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): seeded test data.
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 33)
    }
}
