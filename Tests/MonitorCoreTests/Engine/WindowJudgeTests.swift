import DriftCore
import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct WindowJudgeTests {
    /// A judge evaluates the windows a merge made of three sources' drift panes and outcome
    /// parts as those of one source recording every event: the same windows, the same
    /// drift metrics (to rounding: moments merged in another order), the same outcomes.
    @Test func judgesWindowsWhoeverRecordedTheirPanes() throws {
        let stream = ExchangeStream(seed: 31)
        let reference = try stream.reference()
        let template = DriftPane(layout: reference.layout, fairnessAttributes: [], maximumGroups: FairnessSummary.defaultMaximumGroups)
        let coding = PaneCoding.drift(layout: reference.layout, template: template)
        let spec = ExchangeStream.spec(.fixed)
        func evaluations(sources: Int) throws -> (drift: [Evaluation], performance: [Evaluation]) {
            let sent = stream.handOvers(sources: sources, spec: spec, makePane: { template },
                                        record: { $0.record(ExchangeStream.event($1), layout: reference.layout) }, coding: coding)
            let merged = try ExchangeStream.merge(sent, spec: spec, coding: coding, seed: UInt64(sources))
            var judge = WindowJudge(model: "m", version: "v1", modelType: .binary,
                                    rules: RuleEvaluator(ruleSet: ScenarioTests.defaultRules, metricEvents: true), window: spec.kind)
            let basis = WindowJudge.Basis(reference: reference, referencePerformance: ReferencePerformance(ExchangeStream.outcomes),
                                          fairnessAttributes: [["group"]], missingAttributes: [])
            return (judge.driftEvaluations(merged.drift, basis: basis, lateEventRate: 0), judge.performanceEvaluations(merged.performance, basis: basis))
        }
        let one = try evaluations(sources: 1)
        let three = try evaluations(sources: 3)
        #expect(one.drift.count > 40 && one.performance.count > 5)
        #expect(three.drift.map(\.context.windowStart) == one.drift.map(\.context.windowStart))
        #expect(three.drift.map(\.context.count) == one.drift.map(\.context.count))
        let metrics = one.drift.flatMap(\.context.featureMetrics)
        let merged = three.drift.flatMap(\.context.featureMetrics)
        #expect(metrics.count > 100 && merged.map(\.key) == metrics.map(\.key) && merged.map(\.samples) == metrics.map(\.samples))
        #expect(metrics.contains { ($0.value ?? 0) > 0.1 }, "the income shifts from pane 30 on")
        #expect(zip(merged, metrics).allSatisfy { pair in
            switch (pair.0.value, pair.1.value) {
            case let (left?, right?): abs(left - right) <= 1e-9 * max(1, abs(right))
            case (nil, nil): true
            default: false
            }
        })
        // Performance windows span their panes, whole.
        #expect(three.performance.map(\.context.windowStart) == one.performance.map(\.context.windowStart))
        #expect(one.performance.allSatisfy { ($0.context.windowEnd - $0.context.windowStart) % ExchangeStream.paneMilliseconds == 0 })
        #expect(three.performance.map(\.context.labelled) == one.performance.map(\.context.labelled))
        #expect(three.performance.map { $0.context.outcome?.truePositives } == one.performance.map { $0.context.outcome?.truePositives })
        #expect(three.performance.map { $0.context.outcomeFairness.map(\.0) } == one.performance.map { _ in [["group"]] })
    }
}
