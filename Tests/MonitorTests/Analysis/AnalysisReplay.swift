import Foundation
import Simulation
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Replays for the analysis tests: simulated streams (and the car-loan fixture) through an engine, outputs as analysis records.
enum AnalysisReplay {
    struct Run {
        var records: [AnalysisRecord]
        var activity: [RuleActivity]
        var manifest: SimulationManifest?
    }

    static let defaultRules: RuleSet = try! RuleLoader.load(paths: [RuleFixtures.path("rules/default.yaml")]).get()

    /// 20-minute windows sliding by 5 minutes, as the scenario tests use.
    static func configuration() -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: 1_200_000, slide: 300_000, allowedLateness: 60_000)
        return configuration
    }

    static func simulatedLines(_ spec: String, events: Int = 60_000, seed: UInt64 = 5) -> (lines: [[UInt8]], manifest: SimulationManifest) {
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.seed = seed
        simulation.scenario = try! Scenario(parsing: spec)
        let simulator = StreamSimulator(simulation)
        let lines = simulator.map { Array($0.json.utf8) }
        return (lines, simulator.manifest)
    }

    static func run(_ lines: [[UInt8]], rules: RuleSet, configuration: MonitorConfiguration = configuration()) -> Run {
        let engine = MonitorEngine(configuration: configuration, rules: rules)
        var records: [AnalysisRecord] = []
        for var bytes in lines {
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            records += engine.drainOutputs().map(AnalysisRecord.init)
        }
        engine.finish()
        records += engine.drainOutputs().map(AnalysisRecord.init)
        return Run(records: records, activity: engine.ruleActivity)
    }

    /// `rules` with the rule named `name` replaced by `replacement` (same position, same name).
    static func replacing(_ name: String, in rules: RuleSet, with replacement: Rule) -> RuleSet {
        RuleSet(rules: rules.rules.map { $0.name == name ? replacement : $0 }, files: rules.files)
    }

    static func episodes(_ records: [AnalysisRecord]) -> [AlertEpisode] {
        var collector = EpisodeCollector()
        for case let .alert(transition) in records { collector.add(transition) }
        return collector.episodes
    }
}
