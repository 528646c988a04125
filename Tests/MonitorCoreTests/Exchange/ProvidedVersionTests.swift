import DriftCore
import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct ProvidedVersionTests {
    static let key = VersionKey(model: "credit", version: "v3")
    static let rules: RuleSet = try! RuleFixtures.load("""
        rules:
          - {name: Parity, scope: fairness, attributes: ["*", [group, region]], metric: demographic_parity_ratio, condition: "< 0.8"}
          - {name: Estimated, scope: model, metric: estimated_accuracy, condition: "< 0.5"}
          - {name: ErrorRateDDM, metric: ddm, condition: "> 0"}
        """).get()

    static func configuration(referencing model: String = "credit") throws -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = ExchangeStream.spec(.fixed)
        configuration.references.set(try ExchangeStream(seed: 4).profile(), identifier: "first-200", model: model)
        return configuration
    }

    /// Tasks that saw different events make the same version: its fairness sets come from
    /// the declared attributes (each alone) and the rules' intersections, not from the
    /// events; its pane, outcome shape and basis agree on them; a pane one task writes
    /// reads under another task's coding.
    @Test func everyTaskMakesTheSameVersion() throws {
        let configuration = try Self.configuration()
        let join = try #require(ProvidedVersion(Self.key, configuration: configuration, rules: RuleEvaluator(ruleSet: Self.rules),
                                                segmentAttributes: ["region", "group"]))
        let merge = try #require(ProvidedVersion(Self.key, configuration: configuration, rules: RuleEvaluator(ruleSet: Self.rules),
                                                 segmentAttributes: ["region", "group"]))
        #expect(join.fairnessAttributes == [["group"], ["region"], ["group", "region"]])
        #expect(join.outcomes.fairnessAttributes == join.fairnessAttributes && join.basis.fairnessAttributes == join.fairnessAttributes)
        #expect(join.template.selection.count == 3)
        #expect(join.template.predictedScores != nil, "an estimated_* rule: the panes keep the scores CBPE estimates from")
        #expect(join.modelType == .binary && join.reference.count == 200)

        var pane = join.template
        pane.record(ExchangeStream.event(ExchangeStream(seed: 4).predictions[0]), layout: join.reference.layout,
                    groups: [FairnessGroupKey(["g1"]), FairnessGroupKey(["north"]), FairnessGroupKey(["g1", "north"])])
        var writer = BinaryWriter()
        JoinPartition<DriftPane>.Version(join).panes.encode(pane, &writer)
        var reader = BinaryReader(writer.bytes)
        let read = try merge.panes.decode(&reader)
        #expect(reader.remaining == 0 && read.events == 1 && read.selection.map(\.table.groups.count) == [1, 1, 1] && read.selection == pane.selection)

        let version = try #require(MergeTask.Version(merge, key: Self.key, configuration: configuration, rules: RuleEvaluator(ruleSet: Self.rules), sources: 3))
        #expect(version.merge.detectors.rules == [2], "the change detector of the DDM rule")
    }

    /// Without a provided reference (a stream reference is built across partitions, plan
    /// step 2) or with count windows (no time to merge by), there is no version to make.
    @Test func noVersionWithoutAReferenceOrWithCountWindows() throws {
        let evaluator = RuleEvaluator(ruleSet: Self.rules)
        #expect(ProvidedVersion(Self.key, configuration: try Self.configuration(referencing: "fraud"), rules: evaluator, segmentAttributes: []) == nil)
        var counted = try Self.configuration()
        counted.window = WindowSpec(kind: .count(eventsPerPane: 100), panesPerWindow: 3)
        let provided = try #require(ProvidedVersion(Self.key, configuration: counted, rules: evaluator, segmentAttributes: []))
        #expect(MergeTask.Version(provided, key: Self.key, configuration: counted, rules: evaluator, sources: 2) == nil)
    }
}
