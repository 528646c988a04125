import Foundation
import Simulation
import Testing
@testable import Monitor

/// The shipped rules against simulated streams with known injected changes: each
/// change is flagged by the rule meant for it, after it starts and not before, and
/// nothing fires on control features or on a stable stream.
@Suite struct ScenarioTests {
    struct Alert: Decodable {
        struct Subject: Decodable { var kind: String; var name: String }
        var type: String
        var status: String?
        var rule: String
        var subject: Subject?
        var startsAt: Int64?
        var triggeredAt: Int64?
    }

    static let defaultRules: RuleSet = {
        let path = RuleFixtures.path("rules/default.yaml")
        return try! RuleLoader.load(paths: [path]).get()
    }()

    /// 20-minute windows sliding by 5 minutes, a prediction every 100 ms: 12,000 per window.
    static func configuration() -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 1_200_000, slide: 300_000, allowedLateness: 60_000)
        return configuration
    }

    static func run(_ scenario: String, events: Int = 60_000, seed: UInt64 = 5) throws -> (outputs: [MonitorOutput], manifest: SimulationManifest) {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.seed = seed
        simulation.scenario = try Scenario(parsing: scenario)
        let simulator = StreamSimulator(simulation)
        let engine = MonitorEngine(configuration: configuration(), rules: defaultRules)
        var outputs: [MonitorOutput] = []
        for line in simulator {
            var bytes = Array(line.json.utf8)
            let rejection = bytes.withUnsafeMutableBufferPointer { engine.process(message: UnsafeBufferPointer($0)) }
            #expect(rejection == nil)
            outputs += engine.drainOutputs()
        }
        engine.finish()
        outputs += engine.drainOutputs()
        return (outputs, simulator.manifest)
    }

    static func alerts(_ outputs: [MonitorOutput]) throws -> [Alert] {
        try outputs.filter { $0.kind == .alert || $0.kind == .retrain }.map {
            try JSONDecoder().decode(Alert.self, from: Data($0.json.utf8))
        }
    }

    @Test func stableStreamRaisesNothing() throws {
        let (outputs, _) = try Self.run("stable")
        #expect(try Self.alerts(outputs).isEmpty)
        #expect(outputs.contains { $0.kind == .metric })
    }

    @Test(arguments: [
        ("income_shift", "NumericFeatureDrift", "f_income"),
        ("rate_variance", "NumericFeatureDrift", "f_interest_rate"),
        ("age_missing", "MissingRateJump", "f_age"),
        ("channel_new_category", "NewCategory", "c_channel"),
        ("purpose_mix", "CategoricalMixDrift", "c_purpose"),
        ("score_drift", "ScoreDrift", "score"),
        ("concept_drift", "AccuracyDrop", "model"),
        ("gender_bias", "DemographicParity", "gender"),
    ])
    func eachInjectedChangeIsFlaggedAfterItStarts(change: String, rule: String, subject: String) throws {
        let (outputs, manifest) = try Self.run("\(change)@0.5")
        let alerts = try Self.alerts(outputs)
        let start = manifest.changes[0].startTimestamp
        let firing = alerts.filter { $0.status == "firing" && $0.rule == rule && $0.subject?.name == subject }
        #expect(!firing.isEmpty, "\(change): no \(rule) alert on \(subject); got \(alerts.map { "\($0.rule)/\($0.subject?.name ?? "")" })")
        #expect(alerts.allSatisfy { ($0.startsAt ?? $0.triggeredAt ?? 0) > start }, "\(change): an alert fired before the change")
        let controls = Set(manifest.controlFeatures)
        #expect(alerts.allSatisfy { $0.subject?.kind != "feature" || !controls.contains($0.subject!.name) },
                "\(change): an alert on a control feature: \(alerts.map { "\($0.rule)/\($0.subject?.name ?? "")" })")
    }

    @Test func sameInputSameBytes() throws {
        let first = try Self.run("income_shift@0.4,gender_bias@0.6", events: 30_000).outputs
        let second = try Self.run("income_shift@0.4,gender_bias@0.6", events: 30_000).outputs
        #expect(first == second)
        #expect(first.contains { $0.kind == .alert })
    }
}
