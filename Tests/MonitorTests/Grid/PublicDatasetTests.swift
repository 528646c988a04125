import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Issue 9: a public dataset held out from tuning — NannyML's synthetic car-loan dataset
/// (`fixtures/public/car_loan.events.jsonl.gz`, made by
/// `Tests/ReferenceVectors/public_datasets.py`; its changes, measured from the data, are in
/// `fixtures/public/car_loan.manifest.json`). ~6.9 predictions per hour, labels 1–72 h late.
///
/// Replayed with the default rules in the grid's reference modes: `default` (the analysis
/// part alone, first window as reference), `profile` (a profile of the 20,000 reference
/// rows) and `stream` (reference rows replayed first). Requirements as in the grid: every
/// change the manifest marks required is caught within `maximumDelay`, no false alerts,
/// nothing on the controls.
///
///     swift test --filter PublicDatasetTests
///     DRIFTWATCH_GRID_MODES=default,stream swift test --filter PublicDatasetTests
@Suite(.serialized) struct PublicDatasetTests {
    /// Largest acceptable delay at ~7 predictions per hour (~1,150 a week).
    static let maximumDelay: Int64 = 14 * DetectionGrid.day
    static let maximumFalseAlerts = 0

    struct Manifest: Decodable {
        struct Change: Decodable {
            var kind: String
            var subject: String
            var rule: String
            var start: Int64
            var required: Bool
        }
        var model: String
        var version: String
        var reference_end: Int64
        var analysis_start: Int64
        var change_start: Int64
        var changes: [Change]
        var controls: [String]
    }

    static func load(_ dataset: String = "car_loan") throws -> (manifest: Manifest, lines: [[UInt8]]) {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/public/\(dataset).manifest.json"))))
        // Foundation has no gzip reader on Linux: the system's gzip decompresses the fixture.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", RuleFixtures.path("fixtures/public/\(dataset).events.jsonl.gz")]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
        let lines = data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        return (manifest, lines)
    }

    /// Part of the suite: ~40-80 s per mode in a debug build (sparse windows are counted,
    /// not merged, until they hold enough events).
    @Test func carLoanDocumentedChangesAreCaughtAndNothingElse() throws {
        let (manifest, lines) = try Self.load()
        #expect(lines.count == 80_000)
        let decoder = EventDecoder()
        let events = try lines.map { try decoder.decode($0).get() }
        func isReference(_ event: MonitorEvent) -> Bool {
            switch event {
            case let .prediction(p): p.id.hasPrefix("r-")
            case let .label(l): l.id.hasPrefix("r-")
            }
        }
        let changes = manifest.changes.map { change in
            GridChange(GridChange.Kind(rawValue: change.kind)!, change.subject, start: change.start, size: 0)
        }
        let spec = GridStreamSpec(rate: 0, span: 0, seed: 0, changes: changes)
        var rows: [String] = []
        var failures: [String] = []
        for mode in DetectionGridTests.selectedModes {
            let clock = ContinuousClock()
            let began = clock.now
            var configuration = MonitorConfiguration()
            if mode == .profile {
                var profiler = try DatasetProfiler(configuration: configuration.profile)
                for case let .prediction(prediction) in events where prediction.id.hasPrefix("r-") { profiler.add(prediction) }
                configuration.references.set(profiler.finish(), identifier: "car-loan-reference", model: manifest.model, version: manifest.version)
            }
            let engine = MonitorEngine(configuration: configuration, rules: DetectionGrid.defaultRules)
            var firings: [DetectionGrid.Firing] = []
            for (line, event) in zip(lines, events) {
                if mode != .stream, isReference(event) { continue }
                var bytes = line
                let rejection = bytes.withUnsafeMutableBufferPointer { engine.process(message: UnsafeBufferPointer($0)) }
                #expect(rejection == nil)
                firings += engine.drainOutputs().compactMap(DetectionGrid.parse)
            }
            engine.finish()
            firings += engine.drainOutputs().compactMap(DetectionGrid.parse)
            let elapsed = clock.now - began
            let replayed = DetectionGrid.Replayed(firings: firings, predictions: 0, labels: 0, seconds: Double(elapsed.components.seconds), counters: engine.counters)
            let score = DetectionGrid.score(replayed, spec: spec, tolerated: DetectionGridTests.tolerated, controls: Set(manifest.controls))
            let falseText = score.falseAlerts.isEmpty ? "0" : "\(score.falseAlerts.count): " + DetectionGridTests.summarise(score.falseAlerts)
            for (result, documented) in zip(score.changes, manifest.changes) {
                let verdict = result.detectedAt == nil ? "no" : result.delay! <= Self.maximumDelay ? "yes" : "late"
                rows.append("| \(documented.kind) (\(result.expectedRule)/\(result.expectedSubject)) | \(documented.required ? "required" : "reported") | \(mode) | \(verdict) | \(GridReport.duration(result.delay)) | \(result.flaps) | \(falseText) |")
                if documented.required, verdict != "yes" {
                    failures.append("car-loan \(mode): \(documented.kind) on \(documented.subject) \(verdict == "no" ? "not caught" : "caught after \(GridReport.duration(result.delay))")")
                }
            }
            if score.falseAlerts.count > Self.maximumFalseAlerts {
                failures.append("car-loan \(mode): \(score.falseAlerts.count) false alerts: \(DetectionGridTests.summarise(score.falseAlerts))")
            }
            rows.append("| (runtime) | | \(mode) | | \(String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s | | |")
            print(rows.suffix(manifest.changes.count + 1).map { "row: " + $0 }.joined(separator: "\n"))
            fflush(nil)
        }
        let table = """
            ### NannyML synthetic car loan (20,000 reference + 20,000 analysis rows, ~6.9/h, change at \(GridReport.time(manifest.change_start)))

            | change (expected rule/subject) | | reference | caught (≤ \(GridReport.duration(Self.maximumDelay))) | delay | flaps | false alerts |
            |---|---|---|---|---|---|---|
            \(rows.joined(separator: "\n"))

            """
        print(table)
        if let path = ProcessInfo.processInfo.environment["DRIFTWATCH_GRID_REPORT"] {
            let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            try (existing + table + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }

    /// Issue 14, held out: NannyML's synthetic car-price dataset, a regression model
    /// (`fixtures/public/car_price.*`; ~107 predictions an hour, labels 1–72 h late,
    /// reference rows first as the stream reference). From the change the fuel mix moves
    /// and the model's error *falls* (MAE ~850 → ~700, as the manifest measures it from the
    /// data): the windows' MAE must follow the manifest's before and after, the predictions'
    /// drift (PSI 0.41) must be caught, and nothing may fire on growing or biased errors,
    /// nor anything at all before the change. ~5 s in a debug build.
    @Test func carPriceRegressionWindowsFollowTheDataAndOnlyTheChangeFires() throws {
        struct Model: Decodable { var mae_before_change, mae_after_change: Double }
        let (manifest, lines, model) = try Self.load("car_price", modelEffects: Model.self)
        #expect(lines.count == 80_000)
        var configuration = MonitorConfiguration()
        configuration.modelTypes = ModelTypes([manifest.model: .regression])
        let run = try Self.replay("car_price", lines, configuration: configuration, exampleRules: "regression.yaml")
        #expect(run.deadLetters.isEmpty)
        #expect(run.engine.counters.predictions == 40_000)

        // The windows' MAE, averaged either side of the change, is the manifest's (within 2 %).
        let mae = try Self.meansAroundChange(run, metric: "mae", manifest: manifest)
        #expect(abs(mae.before / model.mae_before_change - 1) <= 0.02, "MAE before \(mae.before)")
        #expect(abs(mae.after / model.mae_after_change - 1) <= 0.02, "MAE after \(mae.after)")

        let firings = Self.firings(run)
        let early = firings.filter { Self.windowEnd($0) <= manifest.change_start }.map { "\($0["rule"]!)/\($0["subject"] ?? "")" }
        #expect(early.isEmpty, "fired before the change: \(early)")
        for control in ["MaeIncrease", "PredictionBiasHigh", "PredictionBiasLow"] {
            #expect(!firings.contains { $0["rule"] as? String == control }, "\(control) fired: the error falls")
        }
        let drift = try #require(Self.firstFiring("PredictionDrift", in: firings), "PredictionDrift never fired")
        #expect(drift - manifest.change_start <= 12 * 3_600_000, "PredictionDrift after \(GridReport.duration(drift - manifest.change_start))")
        print("car price: MAE \(mae.before) before, \(mae.after) after (manifest \(model.mae_before_change), \(model.mae_after_change)); "
              + "PredictionDrift after \(GridReport.duration(drift - manifest.change_start)); firing: \(Set(firings.map { $0["rule"] as! String }).sorted())")
    }

    /// Issue 14, held out: NannyML's synthetic multiclass credit-card dataset (three string
    /// classes with probability vectors, ~20 predictions an hour, labels 1–72 h late; from
    /// the change the channel mix moves and accuracy falls from ~0.76 to ~0.57). Nothing is
    /// declared: the model's type is inferred from its first prediction. With the multiclass
    /// and the estimated-performance example rules.
    @Test func creditCardMulticlassIsInferredAndItsAccuracyDropIsCaught() throws {
        struct Scores: Decodable { var accuracy, macro_f1: Double }
        struct Model: Decodable { var before_change, after_change: Scores }
        let (manifest, lines, model) = try Self.load("credit_card", modelEffects: Model.self)
        #expect(lines.count == 80_000)
        let run = try Self.replay("credit_card", lines, configuration: MonitorConfiguration(), exampleRules: "multiclass.yaml", "estimated-performance.yaml")
        #expect(run.deadLetters.isEmpty)
        #expect(run.engine.counters.predictions == 40_000)
        #expect(run.engine.modelTypes.knownType(of: manifest.model) == .multiclass)
        let inferred = run.lines(.notice).filter { $0["type"] as? String == "model_type_inferred" }
        #expect(inferred.count == 1 && inferred.first?["model_type"] as? String == "multiclass")
        // The default rules on the score, ROC AUC and selection rates cannot judge it, and say so.
        #expect(inferred.first?["skipped_rules"] as? [String] == ["ScoreDrift", "RocAucDegradation", "DemographicParity"])

        // The windows' accuracy and macro F1, averaged either side of the change, are the
        // manifest's (within 0.02).
        var measured: [String] = []
        for (metric, expected) in [("accuracy", \Scores.accuracy), ("macro_f1", \Scores.macro_f1)] {
            let means = try Self.meansAroundChange(run, metric: metric, manifest: manifest)
            #expect(abs(means.before - model.before_change[keyPath: expected]) <= 0.02, "\(metric) before \(means.before)")
            #expect(abs(means.after - model.after_change[keyPath: expected]) <= 0.02, "\(metric) after \(means.after)")
            measured.append("\(metric) \(means.before) before, \(means.after) after (manifest \(model.before_change[keyPath: expected]), "
                            + "\(model.after_change[keyPath: expected]))")
        }

        // Before labels (CBPE on the logged class probabilities): the drift windows' estimated
        // accuracy follows the realized one before the change and falls after it, though by less
        // (the part of the change that leaves the probabilities calibrated-looking is its blind spot).
        let estimated = run.lines(.metric).filter { $0["metric"] as? String == "estimated_accuracy" }.compactMap { line -> (start: Int64, end: Int64, value: Double)? in
            guard let value = (line["value"] as? NSNumber)?.doubleValue else { return nil }
            return ((line["window_start"] as! NSNumber).int64Value, (line["window_end"] as! NSNumber).int64Value, value)
        }
        let estimatedBefore = estimated.filter { $0.start >= manifest.analysis_start && $0.end <= manifest.change_start }.map(\.value)
        let estimatedAfter = estimated.filter { $0.start >= manifest.change_start }.map(\.value)
        try #require(estimatedBefore.count >= 12 && estimatedAfter.count >= 12)
        let estimatedMeans = (estimatedBefore.reduce(0, +) / Double(estimatedBefore.count), estimatedAfter.reduce(0, +) / Double(estimatedAfter.count))
        #expect(abs(estimatedMeans.0 - model.before_change.accuracy) <= 0.02, "estimated accuracy before \(estimatedMeans.0)")
        #expect(estimatedMeans.1 < estimatedMeans.0 - 0.08 && estimatedMeans.1 > model.after_change.accuracy, "estimated accuracy after \(estimatedMeans.1)")
        measured.append("estimated accuracy \(estimatedMeans.0) before, \(estimatedMeans.1) after")

        let firings = Self.firings(run)
        let early = firings.filter { Self.windowEnd($0) <= manifest.change_start }.map { "\($0["rule"]!)/\($0["subject"] ?? "")" }
        #expect(early.isEmpty, "fired before the change: \(early)")
        for rule in ["MulticlassAccuracyDrop", "MacroF1Drop", "EstimatedAccuracyDrop"] {
            let caught = try #require(Self.firstFiring(rule, in: firings), "\(rule) never fired")
            #expect(caught - manifest.change_start <= 4 * DetectionGrid.day, "\(rule) after \(GridReport.duration(caught - manifest.change_start))")
        }
        print("credit card: \(measured.joined(separator: "; ")); firing \(Set(firings.map { $0["rule"] as! String }).sorted()); "
              + ["MulticlassAccuracyDrop", "MacroF1Drop", "EstimatedAccuracyDrop", "CategoricalMixDrift"].map { rule in
                  "\(rule) after \(Self.firstFiring(rule, in: firings).map { GridReport.duration($0 - manifest.change_start) } ?? "never")"
              }.joined(separator: ", "))
    }

    /// A manifest's `effects.model`.
    struct ManifestEffects<Model: Decodable>: Decodable {
        struct Effects: Decodable { var model: Model }
        var effects: Effects
    }

    /// A dataset's manifest, its lines and the effects its manifest measures on the model
    /// (`effects.model`, decoded as `Model`).
    static func load<Model: Decodable>(_ dataset: String, modelEffects: Model.Type)
        throws -> (manifest: Manifest, lines: [[UInt8]], model: Model) {
        let (manifest, lines) = try load(dataset)
        let document = try JSONDecoder().decode(
            ManifestEffects<Model>.self, from: Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/public/\(dataset).manifest.json"))))
        return (manifest, lines, document.effects.model)
    }

    /// Replays a dataset's lines with the default rules and one example rule file.
    static func replay(_ dataset: String, _ lines: [[UInt8]], configuration: MonitorConfiguration, exampleRules: String...) throws -> StreamFixtures.Run {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(dataset)-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        try Data(lines.map { $0 + [UInt8(ascii: "\n")] }.joined()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rules = DetectionGrid.defaultRules
        rules.rules += try RuleLoader.load(paths: exampleRules.map { RuleFixtures.path("rules/examples/" + $0) }).get().rules
        return try StreamFixtures.replay([path], configuration: configuration, rules: rules,
                                         decoder: EventDecoder(modelTypes: configuration.modelTypes))
    }

    /// The mean of a performance metric over the windows of the analysis part that end by the
    /// change, and over those that start after it (at least 12 of each).
    static func meansAroundChange(_ run: StreamFixtures.Run, metric: String, manifest: Manifest) throws -> (before: Double, after: Double) {
        let windows = run.lines(.metric).filter { $0["metric"] as? String == metric && $0["evaluation"] as? String == "performance" }
            .compactMap { line -> (start: Int64, end: Int64, value: Double)? in
                guard let value = (line["value"] as? NSNumber)?.doubleValue else { return nil }
                return ((line["window_start"] as! NSNumber).int64Value, (line["window_end"] as! NSNumber).int64Value, value)
            }
        let before = windows.filter { $0.start >= manifest.analysis_start && $0.end <= manifest.change_start }.map(\.value)
        let after = windows.filter { $0.start >= manifest.change_start }.map(\.value)
        try #require(before.count >= 12 && after.count >= 12, "\(metric): \(before.count) windows before the change, \(after.count) after")
        return (before.reduce(0, +) / Double(before.count), after.reduce(0, +) / Double(after.count))
    }

    static func firings(_ run: StreamFixtures.Run) -> [[String: Any]] {
        run.lines(.alert).filter { $0["status"] as? String == "firing" }
    }

    static func windowEnd(_ alert: [String: Any]) -> Int64 {
        ((alert["window"] as! [String: Any])["end"] as! NSNumber).int64Value
    }

    /// The end of the window where `rule` first fired.
    static func firstFiring(_ rule: String, in firings: [[String: Any]]) -> Int64? {
        firings.filter { $0["rule"] as? String == rule }.map(windowEnd).min()
    }
}
