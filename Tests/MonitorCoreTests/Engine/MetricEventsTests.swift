import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore

/// `MonitorConfiguration.emitsMetricEvents`: a run that writes metric events nowhere does not
/// build them, and everything else it emits — alerts with their evidence, retraining
/// triggers, notices — is the same, byte for byte.
@Suite struct MetricEventsTests {
    static func outputs(metricEvents: Bool) -> [MonitorOutput] {
        var simulation = StreamSimulator.Configuration()
        simulation.events = 40_000
        simulation.seed = 7
        simulation.scenario = try! Scenario(parsing: "income_shift@0.5")
        var configuration = ScenarioTests.configuration()
        configuration.emitsMetricEvents = metricEvents
        let engine = MonitorEngine(configuration: configuration, rules: ScenarioTests.defaultRules)
        var outputs: [MonitorOutput] = []
        for line in StreamSimulator(simulation) {
            var bytes = Array(line.json.utf8)
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            outputs += engine.drainOutputs()
        }
        engine.finish()
        return outputs + engine.drainOutputs()
    }

    @Test func withoutMetricEventsEveryOtherOutputIsUnchanged() {
        let with = Self.outputs(metricEvents: true)
        let without = Self.outputs(metricEvents: false)
        #expect(with.contains { $0.kind == .metric })
        #expect(!without.contains { $0.kind == .metric })
        #expect(without.contains { $0.kind == .alert && $0.json.contains(#""evidence":{"#) })
        #expect(with.filter { $0.kind != .metric } == without)
    }
}
