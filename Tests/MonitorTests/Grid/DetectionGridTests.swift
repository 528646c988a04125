import Foundation
import TestConcurrency
import Testing
@testable import Monitor
@testable import MonitorCore

/// Issue 9, "Right on anyone's data": the default rules (`rules/default.yaml`) against
/// streams of an independent generator (``GridGenerator``) at every traffic shape, each
/// change kind, three reference modes. The yardstick, not a tuning set: nothing here is
/// fitted to one stream, and the requirements below are what the defaults must meet.
///
/// Run it (debug build; each shape's runtime is printed):
///
///     DRIFTWATCH_GRID=1 swift test --filter DetectionGridTests           # every shape, stream, mode (hours in debug)
///     DRIFTWATCH_GRID_SHAPES=1000/h DRIFTWATCH_GRID_MODES=default DRIFTWATCH_GRID_STREAMS=inputs,stable \
///         swift test --filter DetectionGridTests                         # a part of it
///     DRIFTWATCH_GRID_REPORT=/tmp/grid.md ...                            # also appends the tables there
///
/// Without `DRIFTWATCH_GRID` or `DRIFTWATCH_GRID_SHAPES` the grid is skipped (the
/// generator's and scorer's own tests, `GridGeneratorTests`, always run). Streams are
/// `stable`, `inputs`, `outputs`, `small-drop`; modes `default`, `profile`, `stream`.
///
/// Each (shape, stream, mode) replay prints one markdown table row per change: caught,
/// detection delay (first firing of the expected rule on the expected subject after the
/// change start), flaps (fire → resolve → fire of that instance), and the stream's
/// false alerts (firings no change in force explains, before a change or on controls).
@Suite(.serialized) struct DetectionGridTests {
    // MARK: - Requirements (what the defaults must do; the lead's target)

    /// Change sizes: what a person would want to hear about on any stream.
    static let sizes: [GridChange.Kind: Double] = [
        .locationShift: 0.5,        // mean + 0.5 sd
        .varianceChange: 1.4,       // sd × 1.4, mean unchanged
        .gradualSpread: 1.8,        // sd × 1 → × 1.8 over the ramp
        .missingRateJump: 0.10,     // +10 percentage points missing (from 1 %)
        .newCategory: 0.03,         // 3 % of values in unseen categories
        // 40 % of values drawn from the reversed category weights: a population PSI of 0.163 on
        // c_channel's five levels. (30 % gives 0.096, under the rule's 0.1 line: windows of
        // 50,000 events rightly never cross it, and 1,000-event windows crossed it only when
        // sampling noise added the rest — a change the rule is not meant to catch.)
        .categoryMix: 0.40,
        .scoreDrift: 1.0,           // logit + 1.0 (mean score +~0.1)
        .accuracyDrop: 0.15,        // accuracy −0.15 (labels flipped)
        .smallAccuracyDrop: 0.03,   // accuracy −0.03
        .fairnessRegression: 0.7,   // demographic-parity ratio (sex) → 0.7
    ]

    /// Largest acceptable detection delay per change kind and shape (nil: not required at
    /// that shape). Delays run from the change start to the firing's event time: the end of
    /// the window that fired. A performance window is judged later, once its labels are
    /// ready (coverage, or `labels.partial_wait` after its end with enough labels).
    ///
    /// At 50/h a window holds ~500 events (~10 h) and the noise gate (1e-4) asks for a
    /// difference several standard errors wide: a parity ratio of 0.7 between two groups of
    /// ~250, a logit shift of 1 on the score or 3 % of new values in a 200-category Zipf
    /// vocabulary are about that, so they are caught when a window's sample happens to show
    /// them clearly — within days to a few weeks (measured 4.6–16.9 d, 12.2 d, 9.4 d with a
    /// stream reference). The limits say so rather than pretend otherwise.
    static let maximumDelay: [GridChange.Kind: [String: Int64]] = [
        .locationShift: ["50/h": 3 * day, "1000/h": 12 * hour, "50000/h": 2 * hour],
        .varianceChange: ["50/h": 5 * day, "1000/h": 1 * day, "50000/h": 3 * hour],
        .gradualSpread: ["50/h": 8 * day, "1000/h": 3 * day, "50000/h": 8 * hour],  // from the ramp's start
        // `for: 2` counts disjoint windows, so no rule fires sooner than one window length
        // (1 h) after the first window that shows the change: 2 h at 50,000/h, not 1 h.
        .missingRateJump: ["50/h": 2 * day, "1000/h": 6 * hour, "50000/h": 2 * hour],
        .newCategory: ["50/h": 10 * day, "1000/h": 6 * hour, "50000/h": 2 * hour],
        .categoryMix: ["50/h": 3 * day, "1000/h": 12 * hour, "50000/h": 2 * hour],
        .scoreDrift: ["50/h": 14 * day, "1000/h": 12 * hour, "50000/h": 2 * hour],
        .accuracyDrop: ["50/h": 6 * day, "1000/h": 2 * day, "50000/h": 8 * hour],
        // A drop of 0.03 stands out of the sampling noise only on windows of several thousand
        // labelled predictions (z ≈ 0.03 / √(2 · 0.13 / n)): required where 1-hour windows hold them.
        .smallAccuracyDrop: ["50000/h": 12 * hour],
        .fairnessRegression: ["50/h": 20 * day, "1000/h": 1 * day, "50000/h": 3 * hour],
    ]

    /// Flaps (fire → resolve → fire) allowed per detected change, and false alerts per stream.
    // One flap per detected change is tolerated (50/h, profile reference: a category-mix change
    // of PSI ≈ 0.1 resolved once and fired again), none on stable streams or controls.
    static let maximumFlapsPerChange = 1
    static let maximumFalseAlertsPerStream = 0

    /// Side effects that are not false alerts once the change is in force: the retraining
    /// trigger of an accuracy drop; a fairness regression lowers one group's scores, so the
    /// score distribution and the accuracy may move too.
    static let tolerated: [GridChange.Kind: [(rule: String, subject: String)]] = [
        // New categories change the category mix of the same feature.
        .newCategory: [("CategoricalMixDrift", "")],
        .accuracyDrop: [("RetrainOnAccuracyDrop", "model"), ("AccuracyDegradation", "model"), ("RocAucDegradation", "model")],
        .smallAccuracyDrop: [("RetrainOnAccuracyDrop", "model"), ("AccuracyDrop", "model"), ("RocAucDegradation", "model")],
        .fairnessRegression: [("ScoreDrift", "score"), ("AccuracyDrop", "model"), ("RetrainOnAccuracyDrop", "model"),
                              ("AccuracyDegradation", "model"), ("RocAucDegradation", "model")],
    ]

    // MARK: - Shapes and streams

    static let hour = DetectionGrid.hour
    static let day = DetectionGrid.day

    static let shapes: [DetectionGrid.Shape] = [
        .init(name: "50/h", rate: 50, span: 60 * day, referenceSpan: 7 * day),
        .init(name: "1000/h", rate: 1000, span: 14 * day, referenceSpan: 2 * day),
        .init(name: "50000/h", rate: 50_000, span: 1 * day, referenceSpan: 4 * hour),
    ]

    /// The streams of a shape: several changes per stream on different subjects at
    /// different times (start = a fraction of the span), never two on one subject, plus
    /// one stable stream. Every feature no change touches is a control.
    static func streams(for shape: DetectionGrid.Shape) -> [(name: String, spec: GridStreamSpec)] {
        func at(_ fraction: Double) -> Int64 { GridStreamSpec(rate: 1, span: 0, seed: 0).start + Int64(Double(shape.span) * fraction) }
        func change(_ kind: GridChange.Kind, _ subject: String, _ fraction: Double, ramp: Int64 = 0, group: String? = nil) -> GridChange {
            GridChange(kind, subject, start: at(fraction), size: sizes[kind]!, ramp: ramp, group: group)
        }
        let ramp = min(3 * day, shape.span * 3 / 10)
        let seedBase = UInt64(shape.rate)
        func spec(_ seed: UInt64, _ changes: [GridChange]) -> GridStreamSpec {
            GridStreamSpec(rate: shape.rate, span: shape.span, seed: seedBase &* 100 &+ seed, changes: changes, referenceSpan: shape.referenceSpan)
        }
        return [
            ("stable", spec(1, [])),
            ("inputs", spec(2, [
                change(.locationShift, "n_income", 0.20),
                change(.gradualSpread, "n_returns", 0.25, ramp: ramp),
                change(.varianceChange, "n_session", 0.30),
                change(.missingRateJump, "n_latency", 0.40),
                change(.newCategory, "c_merchant", 0.50),
                change(.categoryMix, "c_channel", 0.60),
                change(.accuracyDrop, "model", 0.70),
            ])),
            ("outputs", spec(3, [
                change(.scoreDrift, "score", 0.25),
                change(.fairnessRegression, "sex", 0.60, group: "female"),
            ])),
            ("small-drop", spec(4, [change(.smallAccuracyDrop, "model", 0.40)])),
        ]
    }

    static func environmentList(_ name: String) -> [String]? {
        ProcessInfo.processInfo.environment[name].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
    }

    /// The suite runs the 50/h shape in every mode (15–23 s a replay in a debug build, 12
    /// replays, two at a time); the denser shapes take minutes a replay in debug, so they run when asked
    /// for: `DRIFTWATCH_GRID=1` every shape, `DRIFTWATCH_GRID_SHAPES=1000/h,...` chosen ones.
    /// README's table comes from `DRIFTWATCH_GRID=1`.
    static var selectedShapes: [DetectionGrid.Shape] {
        let all = ProcessInfo.processInfo.environment["DRIFTWATCH_GRID"] == "1"
        let chosen = environmentList("DRIFTWATCH_GRID_SHAPES")
        return shapes.filter { shape in chosen?.contains(shape.name) ?? (all || shape.name == "50/h") }
    }

    static var selectedModes: [DetectionGrid.ReferenceMode] {
        guard let chosen = environmentList("DRIFTWATCH_GRID_MODES") else { return DetectionGrid.ReferenceMode.allCases }
        return DetectionGrid.ReferenceMode.allCases.filter { chosen.contains($0.rawValue) }
    }

    // MARK: - The grid

    /// Replay speed in this build (debug: what the grid's runtime follows from), gated.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DRIFTWATCH_GRID_SPEED"] == "1"))
    func replaySpeed() {
        for (rate, span) in [(50.0, 2 * Self.day), (1000.0, 1 * Self.day), (50_000.0, 2 * Self.hour)] {
            let generator = GridGenerator(GridStreamSpec(rate: rate, span: span, seed: 1))
            let began = ContinuousClock.now
            var count = 0
            for _ in generator { count += 1 }
            let generation = ContinuousClock.now - began
            let replayed = DetectionGrid.replay(generator, mode: .default)
            print("speed: \(rate)/h over \(GridReport.duration(span)): \(count) events, generation \(generation), replay (incl. generation) \(String(format: "%.1f", replayed.seconds)) s, evaluations \(replayed.counters.evaluations)")
        }
    }

    @Test(arguments: selectedShapes)
    func defaultRulesCatchEveryChangeAndNothingElse(shape: DetectionGrid.Shape) throws {
        var rows: [String] = []
        var runtimes: [String] = []
        var failures: [String] = []
        let chosenStreams = Self.environmentList("DRIFTWATCH_GRID_STREAMS")
        let runs = Self.streams(for: shape).filter { chosenStreams?.contains($0.name) ?? true }
            .flatMap { stream in Self.selectedModes.map { (streamName: stream.name, spec: stream.spec, mode: $0) } }
        // The replays are independent: both cores at once (their runtimes are each one's wall time).
        let replays = concurrentMap(count: runs.count) { DetectionGrid.replay(GridGenerator(runs[$0].spec), mode: runs[$0].mode) }
        for ((streamName, spec, mode), replayed) in zip(runs, replays) {
            print("grid: \(shape.name) \(streamName) \(mode): \(replayed.predictions) predictions, \(replayed.labels) labels, \(String(format: "%.1f", replayed.seconds)) s")
            fflush(nil)
            let score = DetectionGrid.score(replayed, spec: spec, tolerated: Self.tolerated)
            runtimes.append("| \(shape.name) | \(streamName) | \(mode) | \(replayed.predictions) | \(replayed.labels) | \(String(format: "%.1f", replayed.seconds)) s | \(String(format: "%.0f", Double(replayed.predictions + replayed.labels) / max(replayed.seconds, 1e-9))) |")
            let falseText = score.falseAlerts.isEmpty ? "0" : "\(score.falseAlerts.count): " + Self.summarise(score.falseAlerts)
            if spec.changes.isEmpty {
                rows.append("| \(shape.name) | \(streamName) | (none) | \(mode) | — | — | — | \(falseText) | \(score.flapsInTotal) |")
                print("row: " + rows.last!)
            }
            for result in score.changes {
                let limit = Self.maximumDelay[result.change.kind]?[shape.name]
                let caught = result.detectedAt != nil
                let inTime = caught && (limit.map { result.delay! <= $0 } ?? true)
                let verdict = !caught ? "no" : inTime ? "yes" : "late"
                rows.append("| \(shape.name) | \(streamName) | \(result.change.kind.rawValue) (\(result.expectedRule)/\(result.expectedSubject)) | \(mode) | \(verdict) | \(GridReport.duration(result.delay)) (≤ \(GridReport.duration(limit))) | \(result.flaps) | \(falseText) | \(score.flapsInTotal) |")
                print("row: " + rows.last!)
                if limit != nil {
                    if !caught { failures.append("\(shape.name) \(streamName) \(mode): \(result.change.kind.rawValue) on \(result.expectedSubject) not caught") }
                    else if !inTime { failures.append("\(shape.name) \(streamName) \(mode): \(result.change.kind.rawValue) caught after \(GridReport.duration(result.delay)) > \(GridReport.duration(limit))") }
                    if result.flaps > Self.maximumFlapsPerChange { failures.append("\(shape.name) \(streamName) \(mode): \(result.change.kind.rawValue) flapped \(result.flaps)×") }
                }
            }
            fflush(nil)
            let controlAlerts = score.falseAlerts.filter(\.onControl)
            if spec.changes.isEmpty, !score.falseAlerts.isEmpty {
                failures.append("\(shape.name) stable \(mode): \(score.falseAlerts.count) alerts on a stable stream: \(Self.summarise(score.falseAlerts))")
            } else if !controlAlerts.isEmpty {
                failures.append("\(shape.name) \(streamName) \(mode): \(controlAlerts.count) alerts on controls: \(Self.summarise(controlAlerts))")
            }
            if !spec.changes.isEmpty, score.falseAlerts.count > Self.maximumFalseAlertsPerStream {
                failures.append("\(shape.name) \(streamName) \(mode): \(score.falseAlerts.count) false alerts: \(Self.summarise(score.falseAlerts))")
            }
            #expect(replayed.counters.rejectedTotal == 0)
        }
        let table = """
            ### Detection grid, \(shape.name) (\(GridReport.duration(shape.span)), reference period \(GridReport.duration(shape.referenceSpan)))

            | shape | stream | change (expected rule/subject) | reference | caught | delay (limit) | flaps | false alerts in stream | flaps in stream |
            |---|---|---|---|---|---|---|---|---|
            \(rows.joined(separator: "\n"))

            | shape | stream | reference | predictions | labels | runtime (debug) | events/s |
            |---|---|---|---|---|---|---|
            \(runtimes.joined(separator: "\n"))

            """
        print(table)
        if let path = ProcessInfo.processInfo.environment["DRIFTWATCH_GRID_REPORT"] {
            let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            try (existing + table + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }

    static func summarise(_ alerts: [DetectionGrid.FalseAlert]) -> String {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for alert in alerts {
            let key = "\(alert.firing.rule)/\(alert.firing.subject)\(alert.onControl ? "*" : "")"
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        return order.map { counts[$0]! > 1 ? "\($0)×\(counts[$0]!)" : $0 }.joined(separator: ", ")
    }
}
