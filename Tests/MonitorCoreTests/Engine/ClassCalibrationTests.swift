import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Multiclass CBPE end to end: NannyML's own cases (fixtures/vectors/cbpe_multiclass.json,
/// from Tests/ReferenceVectors/cbpe_multiclass_vectors.py) replayed as streams. The
/// reference rows, labelled, make the stream reference (its first window); each analysis
/// chunk then fills one window of its own, without labels. Windows are tumbling (one pane
/// each, 100 s) so that a window is exactly a NannyML chunk. Rules: the shipped
/// `rules/examples/estimated-performance.yaml`.
@Suite struct ClassCalibrationTests {
    struct Case: Decodable, CustomTestStringConvertible {
        struct Chunk: Decodable {
            var estimated: [String: Double]
            var realized: [String: Double]
            /// [p of each class × scale, predicted class index, rows]
            var rows: [[Int]]
        }

        var name: String
        var classes: [String]
        var scale: Int
        /// [p of each class × scale, true class index, rows]
        var referenceRows: [[Int]]
        var chunks: [Chunk]
        var testDescription: String { name }

        enum CodingKeys: String, CodingKey {
            case name, classes, scale, chunks
            case referenceRows = "reference_rows"
        }
    }

    static let cases: [Case] = {
        struct Document: Decodable { var cases: [Case] }
        let data = FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/cbpe_multiclass.json"))!
        return try! JSONDecoder().decode(Document.self, from: data).cases
    }()

    static let rules: RuleSet = try! RuleLoader.load(paths: [RuleFixtures.path("rules/examples/estimated-performance.yaml")]).get()
    static let start: Int64 = 1_700_000_000_000
    static let window: Int64 = 100_000

    static func configuration() -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try! WindowSpec.eventTime(window: window, slide: window, allowedLateness: 0, minimumEvents: 0)
        configuration.modelTypes = ModelTypes(["products": .multiclass])
        return configuration
    }

    /// The case as event lines: window 0 holds the reference rows, each followed by its
    /// label; window i + 1 chunk i's rows, unlabelled. `probabilities: false` leaves the
    /// reference's probability vectors out.
    static func lines(_ testCase: Case, referenceProbabilities: Bool = true, asArrays: Bool = false) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var number = 0
        func emit(_ rows: [[Int]], window: Int64, labelled: Bool) {
            let count = rows.reduce(0) { $0 + $1[testCase.classes.count + 1] }
            var position: Int64 = 0
            for row in rows {
                let values = row.prefix(testCase.classes.count).map { "\(Double($0) / Double(testCase.scale))" }
                let probabilities = asArrays ? "[" + values.joined(separator: ",") + "]"
                                             : "{" + zip(testCase.classes, values).map { #""\#($0)":\#($1)"# }.joined(separator: ",") + "}"
                let classIndex = row[testCase.classes.count]
                // The most probable class is the prediction; a reference row's class is its label.
                let predicted = labelled ? testCase.classes[row.prefix(testCase.classes.count).enumerated().max { $0.element < $1.element }!.offset]
                                         : testCase.classes[classIndex]
                for _ in 0..<row[testCase.classes.count + 1] {
                    let time = start + window * Self.window + position * (Self.window - 1) / Int64(count)
                    let vector = labelled && !referenceProbabilities ? "" : #","probabilities":\#(probabilities)"#
                    lines.append(Array(#"{"event":"prediction","model":"products","version":"v1","id":"r\#(number)","ts":\#(time),"features":{"x":\#(row[0])},"label_pred":"\#(predicted)"\#(vector)}"#.utf8))
                    if labelled { lines.append(Array(#"{"event":"label","id":"r\#(number)","ts":\#(time),"label":"\#(testCase.classes[classIndex])"}"#.utf8)) }
                    number += 1
                    position += 1
                }
            }
        }
        emit(testCase.referenceRows, window: 0, labelled: true)
        for (index, chunk) in testCase.chunks.enumerated() { emit(chunk.rows, window: Int64(index + 1), labelled: false) }
        return lines
    }

    static let decoder = EventDecoder(modelTypes: configuration().modelTypes)

    static func replay(_ lines: [[UInt8]], configuration: MonitorConfiguration = configuration()) -> (outputs: [MonitorOutput], engine: MonitorEngine) {
        let engine = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
        var outputs = RuleEvaluatorTests.feed(lines, to: engine)
        engine.finish()
        outputs += engine.drainOutputs()
        return (outputs, engine)
    }

    /// Each window's `estimated_*` metric lines, by window end.
    static func estimates(_ outputs: [MonitorOutput]) -> [Int64: [EstimatedPerformanceMetric: Double?]] {
        var windows: [Int64: [EstimatedPerformanceMetric: Double?]] = [:]
        for output in outputs {
            guard case let .metric(metric) = output.event, case let .estimated(name) = metric.metric else { continue }
            windows[metric.windowEnd, default: [:]][name] = metric.value
        }
        return windows
    }

    static let names: [EstimatedPerformanceMetric: String] = [.accuracy: "accuracy", .precision: "precision", .recall: "recall", .f1: "f1", .rocAUC: "roc_auc"]

    /// Every chunk's window is estimated as NannyML estimates the chunk: accuracy and the
    /// macro precision, recall and F1 to rounding where each probability has a calibration
    /// bin of its own (credit card's two decimals), ROC AUC within 1e-5; on continuous
    /// probabilities (generated: four decimals, 3,000 reference rows), within the histogram
    /// calibration's 5e-3 and 1e-2 (``ClassProbabilityOutcomesTests``).
    @Test(arguments: cases)
    func windowEstimatesMatchNannyML(_ testCase: Case) throws {
        let (outputs, _) = Self.replay(Self.lines(testCase))
        let estimates = Self.estimates(outputs)
        let exact = testCase.name == "credit_card"
        var largest: [String: Double] = [:]
        for (index, chunk) in testCase.chunks.enumerated() {
            let end = Self.start + Int64(index + 2) * Self.window
            let window = try #require(estimates[end], "no estimate for chunk \(index)")
            for (metric, name) in Self.names {
                let ours = try #require(window[metric] ?? nil, "\(name) of chunk \(index)")
                let tolerance = metric == .rocAUC ? (exact ? 1e-5 : 1e-2) : (exact ? 1e-9 : 5e-3)
                let difference = abs(ours - (try #require(chunk.estimated[name])))
                largest[name] = max(largest[name] ?? 0, difference)
                #expect(difference <= tolerance, "\(name) of chunk \(index): \(ours) vs \(chunk.estimated[name]!)")
            }
        }
        print("monitor's multiclass CBPE, \(testCase.name): largest differences from NannyML \(largest.sorted { $0.key < $1.key })")
        #expect(estimates.count == testCase.chunks.count, "one estimated window per chunk")
        // One drifted chunk is not two windows in a row (`for: 2`).
        if exact { #expect(outputs.allSatisfy { $0.firing == nil }) }
    }

    /// On the credit-card dataset the drifted chunk's estimated accuracy falls more than
    /// 0.05 below the reference's realized accuracy: with `for: 2` the rule needs two such
    /// windows, so the committed chunks (one drifted) fire nothing; a second drifted window
    /// makes it fire, with its evidence.
    @Test func estimatedAccuracyDropFiresOnTheDriftedChunks() throws {
        var testCase = try #require(Self.cases.first { $0.name == "credit_card" })
        testCase.chunks.append(testCase.chunks[2])
        let outputs = Self.replay(Self.lines(testCase)).outputs
        let firing = try #require(outputs.compactMap(\.firing).first { $0.rule == "EstimatedAccuracyDrop" })
        #expect(firing.at == Self.start + 5 * Self.window)
        let alert = try #require(outputs.lazy.compactMap { if case let .alert(alert) = $0.event, alert.rule == "EstimatedAccuracyDrop" { alert } else { nil } }.first)
        let evidence = Dictionary(uniqueKeysWithValues: alert.evidence.map { ($0.name, $0.value) })
        #expect(evidence["scored_predictions"] == .count(10_000) && evidence["uncalibrated_predictions"] == .count(0))
        #expect(evidence["expected_correct"] != nil)
    }

    /// A reference without class probabilities cannot calibrate: the windows have no
    /// estimate: metric lines without a value, each evaluation skipped and counted as
    /// `no_value` (not as too few samples: the predictions are there).
    @Test func aReferenceWithoutProbabilitiesGivesNoEstimate() throws {
        let testCase = try #require(Self.cases.first { $0.name == "generated" })
        let (outputs, engine) = Self.replay(Self.lines(testCase, referenceProbabilities: false))
        let estimates = Self.estimates(outputs)
        #expect(estimates.count == testCase.chunks.count && estimates.values.allSatisfy { $0.values.allSatisfy { $0 == nil } })
        let activity = try #require(engine.ruleActivity.first { $0.rule == "EstimatedAccuracyDrop" })
        #expect(activity.skippedForNoValue == testCase.chunks.count && activity.evaluated == 0, "\(activity)")
    }

    /// Probabilities logged as arrays (scikit-learn's `predict_proba` rows, classes 0, 1, 2, 3)
    /// are read as the same classes: the same estimates.
    @Test func probabilityArraysGiveTheSameEstimates() throws {
        let testCase = try #require(Self.cases.first { $0.name == "generated" })
        #expect(testCase.classes == ["0", "1", "2", "3"])
        let objects = Self.estimates(Self.replay(Self.lines(testCase)).outputs)
        let arrays = Self.estimates(Self.replay(Self.lines(testCase, asArrays: true)).outputs)
        #expect(arrays.count == testCase.chunks.count && arrays == objects)
    }

    /// A profile built from the labelled reference rows (through its JSON, outcomes layout
    /// 4) calibrates at once: the chunks' windows get the stream reference's estimates. A
    /// profile of rows without probability vectors is reported at start.
    @Test func aProfileWithLabelledProbabilitiesCalibratesAtOnce() throws {
        let testCase = try #require(Self.cases.first { $0.name == "generated" })
        func profiled(referenceProbabilities: Bool) throws -> (document: ProfileDocument, monitored: [[UInt8]]) {
            var profiler = LabelledDatasetProfiler(try DatasetProfiler())
            var monitored: [[UInt8]] = []
            var reference: [PredictionEvent] = []
            for line in Self.lines(testCase, referenceProbabilities: referenceProbabilities) {
                guard case let .success(event) = Self.decoder.decode(line) else { continue }
                switch event {
                case let .prediction(prediction) where prediction.timestamp >= Self.start + Self.window:
                    monitored.append(line)
                    continue
                case let .prediction(prediction): reference.append(prediction)
                default: break
                }
                profiler.add(event)
            }
            let document = profiler.document(model: "products", version: "v1") { add in reference.forEach(add) }
            return (try JSONDecoder().decode(ProfileDocument.self, from: JSONEncoder().encode(document)), monitored)
        }
        let (document, monitored) = try profiled(referenceProbabilities: true)
        #expect(document.outcomes?.classProbabilities.classes == testCase.classes)
        var configuration = Self.configuration()
        configuration.references.set(document, identifier: "products.json")
        let engine = MonitorEngine(configuration: configuration, rules: Self.rules, decoder: Self.decoder)
        #expect(engine.referenceGaps.isEmpty)
        let outputs = RuleEvaluatorTests.feed(monitored, to: engine) + { engine.finish(); return engine.drainOutputs() }()
        let fromProfile = Self.estimates(outputs)
        let fromStream = Self.estimates(Self.replay(Self.lines(testCase)).outputs)
        #expect(fromProfile.count == testCase.chunks.count && fromProfile.keys.sorted() == fromStream.keys.sorted())
        for (end, values) in fromStream {
            for (metric, value) in values {
                #expect(abs((try #require(value)) - (try #require(fromProfile[end]?[metric] ?? nil))) <= 1e-12, "\(metric) of the window ending \(end)")
            }
        }

        let (bare, _) = try profiled(referenceProbabilities: false)
        configuration.references.set(bare, identifier: "bare.json")
        let gaps = MonitorEngine(configuration: configuration, rules: Self.rules, decoder: Self.decoder).referenceGaps
        #expect(gaps.count == 2 && gaps.allSatisfy { $0.contains("no labelled class probabilities to calibrate on") }, "\(gaps)")
    }

    /// Only versions whose rules estimate keep the labelled probabilities: restored under
    /// estimating rules once its reference has settled, a version has none to calibrate on,
    /// and its windows have no estimate (counted, not guessed).
    @Test func versionsWithoutEstimatingRulesKeepNoLabelledProbabilities() throws {
        let testCase = try #require(Self.cases.first { $0.name == "generated" })
        let lines = Self.lines(testCase)
        let plain = try RuleLoader.load(paths: [RuleFixtures.path("rules/examples/multiclass.yaml")]).get()
        let first = MonitorEngine(configuration: Self.configuration(), rules: plain, decoder: Self.decoder)
        let cut = testCase.referenceRows.reduce(0) { $0 + 2 * $1[testCase.classes.count + 1] } + 10
        _ = RuleEvaluatorTests.feed(lines[..<cut], to: first)
        let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: Self.configuration(), rules: Self.rules, decoder: Self.decoder)
        var outputs = RuleEvaluatorTests.feed(lines[cut...], to: restored)
        restored.finish()
        outputs += restored.drainOutputs()
        let estimates = Self.estimates(outputs)
        #expect(!estimates.isEmpty && estimates.values.allSatisfy { $0.values.allSatisfy { $0 == nil } })
        #expect(try #require(restored.ruleActivity.first { $0.rule == "EstimatedAccuracyDrop" }).skippedForNoValue == estimates.count)
    }

    /// Classes named only in the reference's probability vectors, beyond the version's first
    /// 50, are left out of the calibration and counted, in the run summary too.
    @Test func probabilityClassesBeyondTheCapAreCounted() throws {
        var lines: [[UInt8]] = []
        for row in 0..<100 {
            let time = Self.start + Int64(row) * 10
            lines.append(Array(#"{"event":"prediction","model":"products","version":"v1","id":"r\#(row)","ts":\#(time),"features":{"x":1},"label_pred":"a","probabilities":{"a":0.5,"b":0.3,"x\#(row)":0.2}}"#.utf8))
            lines.append(Array(#"{"event":"label","id":"r\#(row)","ts":\#(time),"label":"\#(row % 2 == 0 ? "a" : "b")"}"#.utf8))
        }
        let (_, engine) = Self.replay(lines)
        // a, b and x0 … x47 fill the cap of 50; each later row's own class is one entry beyond it.
        #expect(engine.counters.cappedProbabilityClasses == 52)
        #expect(engine.summaryLines().contains {
            $0.hasPrefix("reference probabilities naming a class beyond the first 50") && $0.hasSuffix(": 52")
        })
        let plain = try RuleLoader.load(paths: [RuleFixtures.path("rules/examples/multiclass.yaml")]).get()
        let notEstimating = MonitorEngine(configuration: Self.configuration(), rules: plain, decoder: Self.decoder)
        _ = RuleEvaluatorTests.feed(lines, to: notEstimating)
        #expect(notEstimating.counters.cappedProbabilityClasses == 0, "a version that keeps no labelled probabilities caps none")
    }

    /// A checkpoint taken mid-stream — once while the reference is gathered, once after the
    /// calibration was fitted — restores to the same outputs.
    @Test func checkpointsRestoreTheCalibrationAndThePanes() throws {
        let testCase = try #require(Self.cases.first { $0.name == "generated" })
        let lines = Self.lines(testCase)
        let uninterrupted = Self.replay(lines).outputs.map(\.json)
        for cut in [lines.count / 4, lines.count * 3 / 4] {
            let first = MonitorEngine(configuration: Self.configuration(), rules: Self.rules, decoder: Self.decoder)
            var outputs = RuleEvaluatorTests.feed(lines[..<cut], to: first)
            let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: Self.configuration(), rules: Self.rules, decoder: Self.decoder)
            outputs += RuleEvaluatorTests.feed(lines[cut...], to: restored)
            restored.finish()
            outputs += restored.drainOutputs()
            #expect(outputs.map(\.json) == uninterrupted, "cut at line \(cut)")
        }
    }
}
