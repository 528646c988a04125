import DriftCore
import Testing
@testable import Monitor
@testable import MonitorCore

/// Typed outputs: the engine emits values, sinks render them; metric events only when
/// asked for; outputs not yet drained survive a checkpoint as the same values.
@Suite struct MonitorOutputTests {
    static let lines = EngineCheckpointTests.lines(events: 24_000, scenario: "income_shift@0.3,concept_drift@0.3,gender_bias@0.4")

    /// 10-minute windows sliding by 5: the 40-minute stream holds the two disjoint breaching
    /// windows the default rules' `for: 2` needs after each change.
    static func configuration() -> MonitorConfiguration {
        var configuration = ScenarioTests.configuration()
        configuration.window = try! WindowSpec.eventTime(window: 600_000, slide: 300_000, allowedLateness: 60_000)
        return configuration
    }

    static func run(emitsMetricEvents: Bool) -> [MonitorOutput] {
        var configuration = Self.configuration()
        configuration.emitsMetricEvents = emitsMetricEvents
        return EngineCheckpointTests.uninterrupted(lines, configuration: configuration).0
    }

    @Test func metricEventsAreBuiltOnlyWhenASinkWantsThem() {
        let with = Self.run(emitsMetricEvents: true)
        let without = Self.run(emitsMetricEvents: false)
        #expect(with.contains { $0.kind == .metric })
        #expect(!without.contains { $0.kind == .metric })
        let others = with.filter { $0.kind != .metric }
        #expect(others.contains { $0.kind == .alert } && others.contains { $0.kind == .notice })
        EngineCheckpointTests.expectSame(without, others)
    }

    @Test func outputsNotYetDrainedSurviveACheckpointAsTheSameValues() throws {
        let configuration = Self.configuration()
        let engine = MonitorEngine(configuration: configuration, rules: EngineCheckpointTests.rules)
        for line in Self.lines { EngineCheckpointTests.feed(line, to: engine) }
        let bytes = engine.checkpoint()
        let restored = try MonitorEngine(restoring: bytes, configuration: configuration, rules: EngineCheckpointTests.rules)
        #expect(restored.checkpoint() == bytes)
        let pending = engine.drainOutputs()
        let kinds = Set(pending.map(\.kind))
        #expect(kinds == [.alert, .metric, .notice], "alerts, metric events and notices are pending at the checkpoint")
        let back = restored.drainOutputs()
        EngineCheckpointTests.expectSame(back, pending)
        #expect(back.map(\.json) == pending.map(\.json))
    }
}
