import Foundation
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The machinery of the detection grid: replays a ``GridGenerator`` stream through a
/// ``MonitorEngine`` with a rule set and a reference mode, then scores what fired against
/// what was injected. The requirements live in `DetectionGridTests` (the data table).
enum DetectionGrid {
    /// How the engine gets its reference.
    enum ReferenceMode: String, CaseIterable, Sendable {
        /// Today's default: the monitored stream alone; each version's first window is its reference.
        case `default`
        /// A profile (``DatasetProfiler``) of the labelled reference period, given up front;
        /// the monitored stream is replayed alone.
        case profile
        /// The labelled reference period (predictions and labels) is replayed first, as part
        /// of the same model version, then the monitored stream: the engine builds its stream
        /// reference from the reference period.
        case stream
    }

    /// A traffic shape: rate × span, and the labelled reference period before it.
    struct Shape: Sendable, CustomStringConvertible {
        var name: String
        var rate: Double
        var span: Int64
        var referenceSpan: Int64
        var description: String { name }
    }

    /// One firing, resolution or retraining trigger.
    struct Firing: Sendable {
        var rule: String
        var subject: String
        var fingerprint: String
        var at: Int64
        var resolved: Bool
    }

    struct Replayed: Sendable {
        var firings: [Firing]
        var predictions: Int
        var labels: Int
        var seconds: Double
        var counters: MonitorEngine.Counters
    }

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static let defaultRules: RuleSet = try! RuleLoader.load(paths: [RuleFixtures.path("rules/default.yaml")]).get()

    /// Replays `generator` in `mode`. With `viaJSON`, every event goes through its JSON line
    /// and the engine's decoder (as `driftwatch replay` does); otherwise the decoded events
    /// are handed over directly (identical results, ~2× faster in debug builds).
    static func replay(_ generator: GridGenerator, mode: ReferenceMode, rules: RuleSet = defaultRules,
                       configuration base: MonitorConfiguration = MonitorConfiguration(), viaJSON: Bool = false) -> Replayed {
        let clock = ContinuousClock()
        let began = clock.now
        var configuration = base
        if mode == .profile {
            // As `driftwatch profile` builds it from the labelled reference period: predictions
            // and their labels, then a second pass for the chunk spread.
            var profiler = LabelledDatasetProfiler(try! DatasetProfiler(configuration: configuration.profile, kinds: configuration.featureKinds))
            for event in generator where event.isReference { profiler.add(event.monitorEvent) }
            var document = profiler.document(model: generator.spec.model, version: generator.spec.version) { add in
                for event in generator where event.isReference {
                    if case let .prediction(prediction) = event.monitorEvent { add(prediction) }
                }
            }
            document.model = generator.spec.model
            configuration.references.set(document, identifier: "grid-reference-profile")
        }
        let engine = MonitorEngine(configuration: configuration, rules: rules)
        var firings: [Firing] = []
        var predictions = 0, labels = 0
        func collect(_ outputs: [MonitorOutput]) {
            firings += outputs.compactMap(parse)
        }
        for event in generator {
            if mode != .stream, event.isReference { continue }
            if case .prediction = event { predictions += 1 } else { labels += 1 }
            if viaJSON {
                var bytes = Array(event.jsonLine.utf8)
                let rejection = bytes.withUnsafeMutableBufferPointer { engine.process(message: UnsafeBufferPointer($0)) }
                precondition(rejection == nil, "the generator wrote an event the decoder rejects: \(String(describing: rejection))")
            } else {
                engine.process(event.monitorEvent)
            }
            collect(engine.drainOutputs())
        }
        engine.finish()
        collect(engine.drainOutputs())
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Replayed(firings: firings, predictions: predictions, labels: labels, seconds: seconds, counters: engine.counters)
    }

    /// An alert's or retraining trigger's firing (nil for metric events and notices).
    static func parse(_ output: MonitorOutput) -> Firing? {
        switch output.event {
        case let .retrain(trigger):
            return Firing(rule: trigger.rule, subject: "model", fingerprint: "retrain:\(trigger.rule)", at: trigger.triggeredAt, resolved: false)
        case let .alert(alert):
            let resolved = alert.status == .resolved
            return Firing(rule: alert.rule, subject: alert.subject.name, fingerprint: alert.fingerprint,
                          at: resolved ? alert.endsAt ?? alert.window.end : alert.startsAt, resolved: resolved)
        case .metric, .notice:
            return nil
        }
    }

    /// The outcome for one injected change.
    struct ChangeResult: Sendable {
        var change: GridChange
        var expectedRule: String
        var expectedSubject: String
        /// First firing of the expected rule on the expected subject at or after the start.
        var detectedAt: Int64?
        var delay: Int64? { detectedAt.map { $0 - change.start } }
        /// Fire → resolve → fire again of the expected instance, after the detection.
        var flaps: Int
    }

    /// A firing nothing explains.
    struct FalseAlert: Sendable, CustomStringConvertible {
        var firing: Firing
        var onControl: Bool
        var description: String { "\(firing.rule)/\(firing.subject)@\(GridReport.time(firing.at))\(onControl ? " (control)" : "")" }
    }

    struct Score: Sendable {
        var changes: [ChangeResult]
        var falseAlerts: [FalseAlert]
        /// Fire → resolve → fire of every instance, expected or not.
        var flapsInTotal: Int
    }

    /// The rule and subject meant to flag each change kind.
    static func expected(_ change: GridChange) -> (rule: String, subject: String) {
        switch change.kind {
        case .locationShift, .varianceChange, .gradualSpread: ("NumericFeatureDrift", change.subject)
        case .missingRateJump: ("MissingRateJump", change.subject)
        case .newCategory: ("NewCategory", change.subject)
        case .categoryMix: ("CategoricalMixDrift", change.subject)
        case .scoreDrift: ("ScoreDrift", "score")
        case .accuracyDrop: ("AccuracyDrop", "model")
        case .smallAccuracyDrop: ("AccuracyDegradation", "model")
        case .fairnessRegression: ("DemographicParity", change.subject)
        }
    }

    /// Scores a replay against the changes of its stream. A firing counts as expected
    /// when some change in force at that time (started at or before it) explains it —
    /// its own rule and subject, or a side effect listed in `tolerated` — and as a false
    /// alert otherwise (including an expected rule firing before its change started).
    static func score(_ replayed: Replayed, spec: GridStreamSpec,
                      tolerated: [GridChange.Kind: [(rule: String, subject: String)]], controls: Set<String>? = nil) -> Score {
        let starts = replayed.firings.filter { !$0.resolved }
        var results: [ChangeResult] = []
        for change in spec.changes {
            let (rule, subject) = expected(change)
            let detection = starts.first { $0.rule == rule && $0.subject == subject && $0.at >= change.start }
            var flaps = 0
            if let detection {
                flaps = starts.filter { $0.fingerprint == detection.fingerprint && $0.at > detection.at }.count
            }
            results.append(ChangeResult(change: change, expectedRule: rule, expectedSubject: subject, detectedAt: detection?.at, flaps: flaps))
        }
        let controls = controls ?? Set(GridStreamSpec.controlFeatures).union(spec.unchangedFeatures)
        var falseAlerts: [FalseAlert] = []
        for firing in starts {
            let explained = spec.changes.contains { change in
                guard firing.at >= change.start else { return false }
                let (rule, subject) = expected(change)
                if firing.rule == rule && firing.subject == subject { return true }
                // A tolerated side effect's empty subject stands for the change's own subject.
                return (tolerated[change.kind] ?? []).contains { $0.rule == firing.rule && ($0.subject.isEmpty ? subject : $0.subject) == firing.subject }
            }
            if !explained { falseAlerts.append(FalseAlert(firing: firing, onControl: controls.contains(firing.subject))) }
        }
        var firstSeen: Set<String> = []
        var flapsInTotal = 0
        for firing in starts {
            if firstSeen.contains(firing.fingerprint) { flapsInTotal += 1 } else { firstSeen.insert(firing.fingerprint) }
        }
        return Score(changes: results, falseAlerts: falseAlerts, flapsInTotal: flapsInTotal)
    }
}

/// Formatting for the grid's markdown table.
enum GridReport {
    static func duration(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "—" }
        let minutes = Double(milliseconds) / 60_000
        if minutes < 120 { return String(format: "%.0f min", minutes) }
        if minutes < 48 * 60 { return String(format: "%.1f h", minutes / 60) }
        return String(format: "%.1f d", minutes / 1440)
    }

    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
