import Simulation
import DriftCore
import MonitorTestSupport
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
        // A numeric feature's alert lists every statistic, though the run computed only psi's.
        #expect(without.contains { $0.kind == .alert && $0.json.contains(#""ks":"#) && $0.json.contains(#""wasserstein":"#) })
    }

    /// Without metric events a drift evaluation computes only the numeric statistics its
    /// rules read: the default rules read psi (the binned group), an extra rule on
    /// `wasserstein` adds the Wasserstein distance and the KS test its p-value rests on,
    /// and a `drifted_feature_share` rule the statistic it counts by.
    @Test func evaluationsComputeTheStatisticsRulesRead() throws {
        #expect(RuleEvaluator(ruleSet: ScenarioTests.defaultRules, metricEvents: true).numericStatistics == .all)
        #expect(RuleEvaluator(ruleSet: ScenarioTests.defaultRules, metricEvents: false).numericStatistics == .binned)
        let extra = try RuleFixtures.load("""
            rules:
              - name: Shape
                metric: wasserstein
                scope: features
                condition: "> 0.1"
              - name: Share
                metric: drifted_feature_share
                params: {statistic: ks}
                condition: "> 0.5"
            """).get()
        let rules = RuleSet(rules: ScenarioTests.defaultRules.rules + extra.rules, files: [])
        #expect(RuleEvaluator(ruleSet: rules, metricEvents: false).numericStatistics == .all)
        let shareOnly = RuleSet(rules: [extra.rules[1]], files: [])
        #expect(RuleEvaluator(ruleSet: shareOnly, metricEvents: false).numericStatistics == .kolmogorovSmirnov)
    }
}
