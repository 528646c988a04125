import DriftCore
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// `estimated_*` metrics (CBPE) judged on drift windows, end to end: a replay of a
/// generated binary classifier whose labels arrive for its stream reference only. Its
/// scores are calibrated (a row of score s is positive with probability s), predictions
/// are `s >= 0.5`. Scores uniform on [0, 1] give accuracy 0.75; from `shiftAt` on the
/// scores crowd to [0.3, 0.7] (covariate shift), where accuracy is 0.6. The rules are the
/// shipped example, `rules/examples/estimated-performance.yaml`.
@Suite struct RuleEvaluatorTests {
    static let rules: RuleSet = try! RuleLoader.load(paths: [RuleFixtures.path("rules/examples/estimated-performance.yaml")]).get()

    static let start: Int64 = 1_700_000_400_000
    /// The stream reference: the first window (20 minutes, 2,400 predictions).
    static let referenceEnd = start + 1_200_000
    static let shiftAt = start + 3_600_000
    static let end = start + 7_200_000

    /// One prediction every half second for two hours; a label 10 s after each prediction
    /// of the reference period when `labelReference`, none after it. Also returns the
    /// realized accuracy of the predictions after `shiftAt` (labels drawn, never sent).
    /// `clipEvery`: after the shift, every so many predictions log a score of 1.25 (outside [0, 1]).
    static func stream(shifted: Bool, labelReference: Bool = true, seed: UInt64 = 19, clipEvery: Int = 0) -> (lines: [[UInt8]], accuracyAfterShift: Double) {
        var random = RandomSource(seed: seed)
        var timed: [(time: Int64, line: String)] = []
        var correctAfterShift = 0
        var afterShift = 0
        var time = start
        var number = 0
        while time < end {
            var score = shifted && time >= shiftAt ? 0.3 + 0.4 * random.uniform() : random.uniform()
            if clipEvery > 0, time >= shiftAt, number % clipEvery == 0 { score = 1.25 }
            let predicted = score >= 0.5 ? 1 : 0
            let label = random.uniform() < score ? 1 : 0
            let id = "p\(number)"
            timed.append((time, #"{"event":"prediction","model":"loans","version":"v1","id":"\#(id)","ts":\#(time),"features":{"x":\#(random.normal())},"score":\#(score),"label_pred":\#(predicted)}"#))
            if time < referenceEnd, labelReference {
                timed.append((time + 10_000, #"{"event":"label","id":"\#(id)","ts":\#(time + 10_000),"label":\#(label)}"#))
            }
            if time >= shiftAt {
                afterShift += 1
                correctAfterShift += label == predicted ? 1 : 0
            }
            time += 500
            number += 1
        }
        // Stable: a label sorts after the prediction of the same time.
        let lines = timed.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map { Array($0.element.line.utf8) }
        return (lines, Double(correctAfterShift) / Double(max(afterShift, 1)))
    }

    static func feed(_ lines: some Sequence<[UInt8]>, to engine: MonitorEngine) -> [MonitorOutput] {
        for line in lines {
            var bytes = line
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
        }
        return engine.drainOutputs()
    }

    static func replay(_ lines: [[UInt8]]) -> (outputs: [MonitorOutput], activity: [RuleActivity]) {
        let engine = MonitorEngine(configuration: ScenarioTests.configuration(), rules: rules)
        var outputs = feed(lines, to: engine)
        engine.finish()
        outputs += engine.drainOutputs()
        return (outputs, engine.ruleActivity)
    }

    static func estimatedAccuracies(_ outputs: [MonitorOutput]) -> [(windowEnd: Int64, value: Double)] {
        outputs.compactMap { output in
            guard case let .metric(metric) = output.event, metric.metric == .estimated(.accuracy), let value = metric.value else { return nil }
            return (metric.windowEnd, value)
        }
    }

    @Test func estimatedAccuracyDropFiresWhenScoresShiftWithoutLabels() throws {
        let stream = Self.stream(shifted: true)
        let run = Self.replay(stream.lines)
        let fired = run.outputs.compactMap(\.firing).map(\.rule)
        #expect(fired.contains("EstimatedAccuracyDrop"))
        let firstFiring = try #require(run.outputs.first { $0.firing?.rule == "EstimatedAccuracyDrop" }?.firing?.at)
        #expect(firstFiring > Self.shiftAt)
        // No label reached a monitored window: every performance evaluation is absent.
        #expect(!run.outputs.contains { if case let .metric(metric) = $0.event { metric.evaluation == .performance } else { false } })
        // The estimate follows the real accuracy the labels would have shown: ~0.75 before, ~0.6 after.
        let estimates = Self.estimatedAccuracies(run.outputs)
        let before = try #require(estimates.last { $0.windowEnd <= Self.shiftAt })
        let after = try #require(estimates.last)
        #expect(abs(before.value - 0.75) < 0.03, "\(before)")
        #expect(abs(stream.accuracyAfterShift - 0.6) < 0.02, "\(stream.accuracyAfterShift)")
        #expect(abs(after.value - stream.accuracyAfterShift) < 0.03, "\(after) against \(stream.accuracyAfterShift)")
    }

    /// Scores outside [0, 1] are estimated at the nearest end and counted in the evidence.
    @Test func scoresOutsideTheUnitIntervalAreCountedInTheEvidence() throws {
        let run = Self.replay(Self.stream(shifted: true, clipEvery: 50).lines)
        let alert = try #require(run.outputs.lazy.compactMap { output -> AlertEvent? in
            guard case let .alert(alert) = output.event, alert.rule == "EstimatedAccuracyDrop", alert.status == .firing else { return nil }
            return alert
        }.first)
        let clipped = try #require(alert.evidence.first { $0.name == "clipped_scores" })
        guard case let .count(count) = clipped.value else { Issue.record("clipped_scores is not a count"); return }
        // A 20-minute window after the shift holds 2,400 predictions, one in 50 clipped.
        #expect((30...60).contains(count), "\(count)")
        let unclipped = Self.replay(Self.stream(shifted: true).lines).outputs.lazy.compactMap { output -> AlertEvent? in
            guard case let .alert(alert) = output.event, alert.status == .firing else { return nil }
            return alert
        }.first
        #expect(unclipped?.evidence.first { $0.name == "clipped_scores" }?.value == .count(0))
    }

    @Test func nothingFiresWhenNothingChanges() throws {
        let run = Self.replay(Self.stream(shifted: false).lines)
        #expect(run.outputs.allSatisfy { $0.kind != .alert })
        let accuracy = try #require(run.activity.first { $0.rule == "EstimatedAccuracyDrop" })
        #expect(accuracy.evaluated > 10)
        #expect(accuracy.skippedForNoValue == 0)
        #expect(Self.estimatedAccuracies(run.outputs).allSatisfy { abs($0.value - 0.75) < 0.03 })
    }

    /// A reference without labels cannot calibrate: the metric has no value, counted, and
    /// after 12 such windows in a row a notice says the rule is blind.
    @Test func withoutReferenceLabelsTheEstimateHasNoValue() throws {
        let run = Self.replay(Self.stream(shifted: true, labelReference: false).lines)
        let accuracy = try #require(run.activity.first { $0.rule == "EstimatedAccuracyDrop" })
        #expect(accuracy.evaluated == 0)
        #expect(accuracy.skippedForNoValue > 10)
        #expect(run.outputs.allSatisfy { $0.kind != .alert })
        #expect(run.outputs.contains { $0.kind == .notice && $0.json.contains("EstimatedAccuracyDrop") })
        #expect(Self.estimatedAccuracies(run.outputs).isEmpty)
        #expect(run.outputs.contains { if case let .metric(metric) = $0.event { metric.metric == .estimated(.accuracy) && metric.value == nil } else { false } })
    }

    /// A profile built from labelled data calibrates from its stored score histograms per
    /// label, before any monitored window; one without outcomes is reported at start.
    @Test func aProfileWithLabelledOutcomesCalibratesAtOnce() throws {
        var reference: [MonitorEvent] = []
        var monitored: [[UInt8]] = []
        for line in Self.stream(shifted: true).lines {
            guard case let .success(event) = EventDecoder().decode(line) else { continue }
            switch event {
            case let .prediction(prediction) where prediction.timestamp < Self.referenceEnd: reference.append(event)
            case .label: reference.append(event)
            default: monitored.append(line)
            }
        }
        var profiler = LabelledDatasetProfiler(try DatasetProfiler())
        for event in reference { profiler.add(event) }
        var document = profiler.document(model: "loans", version: "v1") { add in
            for case let .prediction(prediction) in reference { add(prediction) }
        }
        var configuration = ScenarioTests.configuration()
        configuration.references.set(document, identifier: "labelled.json")
        let engine = MonitorEngine(configuration: configuration, rules: Self.rules)
        #expect(engine.referenceGaps.isEmpty)
        var outputs = Self.feed(monitored, to: engine)
        engine.finish()
        outputs += engine.drainOutputs()
        let accuracy = try #require(engine.ruleActivity.first { $0.rule == "EstimatedAccuracyDrop" })
        #expect(accuracy.skippedForNoValue == 0 && accuracy.evaluated > 10)
        #expect(outputs.contains { $0.firing?.rule == "EstimatedAccuracyDrop" })
        #expect(abs(try #require(Self.estimatedAccuracies(outputs).first).value - 0.75) < 0.03)

        document.outcomes = nil
        configuration.references.set(document, identifier: "unlabelled.json")
        let gaps = MonitorEngine(configuration: configuration, rules: Self.rules).referenceGaps
        #expect(gaps.count == 2 && gaps[0].contains("EstimatedAccuracyDrop") && gaps[0].contains("no labelled outcomes to calibrate"))
    }

    /// Metric lines carry `estimated_*` only for versions whose rules use them.
    @Test func estimatedMetricLinesOnlyWhenARuleUsesThem() {
        let lines = Self.stream(shifted: false).lines
        let engine = MonitorEngine(configuration: ScenarioTests.configuration(), rules: ScenarioTests.defaultRules)
        var outputs = Self.feed(lines, to: engine)
        engine.finish()
        outputs += engine.drainOutputs()
        #expect(outputs.contains { $0.kind == .metric })
        #expect(!outputs.contains { if case let .metric(metric) = $0.event, case .estimated = metric.metric { true } else { false } })
    }

    static func estimatedAccuracySamples(_ outputs: [MonitorOutput]) -> [Int] {
        outputs.compactMap { output in
            guard case let .metric(metric) = output.event, metric.metric == .estimated(.accuracy) else { return nil }
            return metric.samples
        }
    }

    /// Rules that change across a restart: panes saved without predicted scores start them
    /// empty (the first windows' estimates rest on fewer predictions), and panes saved with
    /// them drop them when no rule estimates any more.
    @Test func restoringUnderOtherRulesReconcilesThePanes() throws {
        let lines = Self.stream(shifted: true).lines
        let half = lines.count / 2
        let configuration = ScenarioTests.configuration()

        let without = MonitorEngine(configuration: configuration, rules: ScenarioTests.defaultRules)
        _ = Self.feed(lines[..<half], to: without)
        let gaining = try MonitorEngine(restoring: without.checkpoint(), configuration: configuration, rules: Self.rules)
        var gained = Self.feed(lines[half...], to: gaining)
        gaining.finish()
        gained += gaining.drainOutputs()
        let samples = Self.estimatedAccuracySamples(gained)
        #expect(try #require(samples.first) < 2_400)
        #expect(samples.max() == 2_400)
        #expect(gained.contains { $0.firing?.rule == "EstimatedAccuracyDrop" })

        let with = MonitorEngine(configuration: configuration, rules: Self.rules)
        _ = Self.feed(lines[..<half], to: with)
        let losing = try MonitorEngine(restoring: with.checkpoint(), configuration: configuration, rules: ScenarioTests.defaultRules)
        var lost = Self.feed(lines[half...], to: losing)
        losing.finish()
        lost += losing.drainOutputs()
        #expect(lost.contains { $0.kind == .metric })
        #expect(Self.estimatedAccuracySamples(lost).isEmpty)
    }

    /// A checkpoint mid-stream (predicted scores in the drift panes) restores to the same outputs.
    @Test func checkpointRestoresThePanesPredictedScores() throws {
        let lines = Self.stream(shifted: true).lines
        let uninterrupted = Self.replay(lines).outputs
        let half = lines.count / 2
        let first = MonitorEngine(configuration: ScenarioTests.configuration(), rules: Self.rules)
        var outputs = Self.feed(lines[..<half], to: first)
        let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: ScenarioTests.configuration(), rules: Self.rules)
        outputs += Self.feed(lines[half...], to: restored)
        restored.finish()
        outputs += restored.drainOutputs()
        #expect(outputs == uninterrupted)
        #expect(uninterrupted.contains { $0.firing?.rule == "EstimatedAccuracyDrop" })
    }
}
