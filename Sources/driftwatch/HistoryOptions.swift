import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// What `replay`, `tune` and `report` read: the history, the rules, an optional reference
/// profile and configuration file, and the window options.
struct HistoryOptions: ParsableArguments {
    @Option(help: "Input file of prediction and/or label events (repeatable).")
    var input: [String]

    @Option(help: "Rule files or directories.")
    var rules: [String] = ["rules"]

    @Option(help: "Reference profile (from `driftwatch profile`) for every model and version.")
    var reference: String?

    @Option(help: "Configuration file (driftwatch.yaml); options given on the command line override it.")
    var config: String?

    @OptionGroup var windowOptions: WindowOptions

    func configurationFile() throws -> DriftwatchConfiguration {
        try config.map { try ConfigurationFile.load($0) } ?? DriftwatchConfiguration()
    }

    /// What the reference profile file says of each metric (nil without --reference).
    func referenceValues() throws -> ReferenceValues? {
        try reference.map { ReferenceValues(try ProfileFile.load($0)) }
    }

    /// The rules, every error printed to stderr when they do not load.
    func loadRules() throws -> RuleSet { try Self.loadRules(rules) }

    static func loadRules(_ rules: [String]) throws -> RuleSet {
        switch RuleLoader.load(paths: rules) {
        case let .success(loaded): return loaded
        case let .failure(failure):
            for error in failure.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
            throw CommandFailure("the rules have \(failure.errors.count) error(s); nothing was replayed")
        }
    }

    /// An engine over `ruleSet` with the configuration, window options and reference; reference gaps are warned about.
    /// An engine for the history; `metricEvents` false when nothing will read metric events
    /// (the engine then does not build them).
    func makeEngine(_ file: DriftwatchConfiguration, rules ruleSet: RuleSet, metricEvents: Bool = true) throws -> MonitorEngine {
        var configuration = file.monitor
        try windowOptions.apply(to: &configuration)
        configuration.emitsMetricEvents = metricEvents
        return try Self.makeEngine(file, configuration: configuration, rules: ruleSet, reference: reference)
    }

    static func makeEngine(_ file: DriftwatchConfiguration, configuration: MonitorConfiguration, rules ruleSet: RuleSet, reference: String?) throws -> MonitorEngine {
        var configuration = configuration
        if let reference {
            configuration.references.set(try ProfileFile.load(reference), identifier: URL(fileURLWithPath: reference).lastPathComponent)
        }
        let engine = MonitorEngine(configuration: configuration, rules: ruleSet, decoder: file.decoder)
        for gap in engine.referenceGaps + MonitorEngine.modelTypeGaps(configuration: configuration, rules: ruleSet) {
            FileHandle.standardError.write(Data(("warning: " + gap + "\n").utf8))
        }
        return engine
    }

    /// Replays the history through `engine`, with progress on stderr; rejected lines are counted by the engine and dropped.
    func replay(_ engine: MonitorEngine, file: DriftwatchConfiguration, progress: ProgressOptions, deadLetter: (Replay.DeadLetter) -> Void = { _ in },
                deliver: ([MonitorOutput]) throws -> Void) throws {
        try Self.replay(input, engine, file: file, progress: progress, deadLetter: deadLetter, deliver: deliver)
    }

    static func replay(_ input: [String], _ engine: MonitorEngine, file: DriftwatchConfiguration, progress: ProgressOptions,
                       deadLetter: (Replay.DeadLetter) -> Void = { _ in }, deliver: ([MonitorOutput]) throws -> Void) throws {
        let meter = progress.meter(label: "replay", estimatedTotal: ProgressMeter.estimateLines(in: input), unit: "events")
        try Replay.run(inputs: input, engine: engine, maximumLineBytes: file.limits.maximumEventBytes, deliver: { outputs in
            meter.advance()
            try deliver(outputs)
        }, deadLetter: deadLetter)
        meter.finish()
    }
}
