import Foundation
import Monitor
import MonitorCore

/// Replays the small hand-written streams under `fixtures/streams/` through
/// ``Replay/run(inputs:engine:maximumLineBytes:deliver:deadLetter:)``, as `driftwatch
/// replay` does, and keeps everything the run produced.
package enum StreamFixtures {
    package static func path(_ name: String) -> String { RuleFixtures.path("fixtures/streams/" + name) }

    package static let defaultRules: RuleSet = try! RuleLoader.load(paths: [RuleFixtures.path("rules/default.yaml")]).get()
    package static let smallRules: RuleSet = try! RuleLoader.load(paths: [path("join.rules.yaml")]).get()

    /// Fixed windows of 3 panes of 1 s, 0.5 s of allowed lateness, labels wait 10 s, early
    /// labels 2 s: small enough for a stream of a few dozen events (the pane mechanics
    /// these streams test; growing windows have their own tests).
    package static func configuration() -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 3000, slide: 1000, allowedLateness: 500, minimumEvents: 0)
        configuration.join.timeToLiveMilliseconds = 10_000
        configuration.join.earlyLabelWaitMilliseconds = 2000
        return configuration
    }

    package struct Run {
        package var engine: MonitorEngine
        package var outputs: [MonitorOutput]
        package var deadLetters: [Replay.DeadLetter]

        package init(engine: MonitorEngine, outputs: [MonitorOutput], deadLetters: [Replay.DeadLetter]) {
            self.engine = engine
            self.outputs = outputs
            self.deadLetters = deadLetters
        }

        package func lines(_ kind: MonitorOutput.Kind) -> [[String: Any]] {
            outputs.filter { $0.kind == kind }.map { try! JSONSerialization.jsonObject(with: Data($0.json.utf8)) as! [String: Any] }
        }

        /// Metric lines of one metric, as (window end, value) in output order.
        package func metric(_ name: String, evaluation: String, subject: String = "model", version: String = "v1") -> [(end: Int64, value: Double?)] {
            lines(.metric).filter {
                $0["metric"] as? String == name && $0["evaluation"] as? String == evaluation
                    && $0["subject"] as? String == subject && $0["version"] as? String == version
            }.map { (($0["window_end"] as! NSNumber).int64Value, ($0["value"] as? NSNumber)?.doubleValue) }
        }
    }

    package static func replay(
        _ inputs: [String], configuration: MonitorConfiguration = configuration(), rules: RuleSet = defaultRules,
        decoder: EventDecoder = EventDecoder(), maximumLineBytes: Int = 1 << 20
    ) throws -> Run {
        let engine = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
        var outputs: [MonitorOutput] = []
        var deadLetters: [Replay.DeadLetter] = []
        try Replay.run(inputs: inputs, engine: engine, maximumLineBytes: maximumLineBytes,
                       deliver: { outputs += $0 }, deadLetter: { deadLetters.append($0) })
        return Run(engine: engine, outputs: outputs, deadLetters: deadLetters)
    }

    /// A copy of a committed stream without the lines that contain any of `excluded`.
    package static func filtered(_ name: String, excluding excluded: [String]) throws -> String {
        let text = try String(contentsOfFile: path(name), encoding: .utf8)
        let kept = text.split(separator: "\n").filter { line in !excluded.contains { line.contains($0) } }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-\(UUID().uuidString)-\(name)").path
        try (kept.joined(separator: "\n") + "\n").write(toFile: copy, atomically: true, encoding: .utf8)
        return copy
    }
}
