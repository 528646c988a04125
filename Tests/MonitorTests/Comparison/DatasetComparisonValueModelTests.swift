import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The value model (``CategoryValue``) across every path: one dataset written as JSON
/// lines and as a pandas-style CSV, profiled from either into `profile.json`, and
/// compared with itself through `compare` (``DatasetComparison``) and through a replay
/// (``MonitorEngine`` with the profile as reference) must show no drift at all.
@Suite struct DatasetComparisonValueModelTests {
    static let rows = 240
    /// Declared kinds (`--kind` / `feature_kinds`); the other features are inferred.
    static let kinds: [String: FeatureKind] = [
        "code_int": .categorical, "code_float": .categorical, "code_text": .categorical, "mixed": .categorical,
        "count": .numeric,
    ]

    /// One row's values: what JSON logs (a JSON literal) and what a pandas CSV holds.
    /// Integer codes, integral floats, booleans in every spelling, plain strings (case
    /// and spaces kept), a categorical mixing numbers and text, and numeric features.
    static func row(_ index: Int) -> [(name: String, json: String, csv: String)] {
        let code = [16, 3, 250, 0, -7][index % 5]
        let flag = index % 3 == 0
        let spellings = [("true", "false"), ("True", "False"), ("TRUE", "FALSE")]
        let spelling = spellings[index % spellings.count]
        let colour = ["red", "Green", " blue", "RED", "007"][index % 5]
        let mixed = ["7", "\"x\"", "2.5", "\"True\"", "1e3"][index % 5]
        let mixedCSV = ["7", "x", "2.5", "True", "1000.0"][index % 5]
        return [
            ("code_int", "\(code)", "\(code)"),
            ("code_float", "\(code).0", "\(code).0"),
            ("code_text", "\"\(code)\"", "\(code)"),
            ("flag", flag ? "true" : "false", flag ? spelling.0 : spelling.1),
            ("flag_text", flag ? "\"\(spelling.0)\"" : "\"\(spelling.1)\"", flag ? "True" : "False"),
            ("colour", "\"\(colour)\"", colour),
            ("mixed", mixed, mixedCSV),
            ("count", "\(index % 10)", "\(index % 10)"),
            ("amount", "\(Double(index) * 1.25 + 0.1)", "\(Double(index) * 1.25 + 0.1)"),
        ]
    }

    /// The dataset as JSON lines and as CSV, in a fresh directory.
    static func writeDataset() throws -> (jsonl: String, csv: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-values-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var jsonLines: [String] = []
        var csvLines = ["id,score,label_pred," + row(0).map(\.name).joined(separator: ",")]
        for index in 0..<rows {
            let values = row(index)
            let score = Double(index % 97) / 97
            let features = values.map { "\"\($0.name)\":\($0.json)" }.joined(separator: ",")
            jsonLines.append("{\"event\":\"prediction\",\"model\":\"m\",\"version\":\"v1\",\"id\":\"r\(index)\",\"ts\":\(1_000 * index),"
                + "\"features\":{\(features)},\"score\":\(score),\"label_pred\":\(index % 2)}")
            let cells = values.map { $0.csv.contains(" ") ? "\"\($0.csv)\"" : $0.csv }
            csvLines.append("r\(index),\(score),\(index % 2)," + cells.joined(separator: ","))
        }
        let jsonl = directory.appendingPathComponent("data.jsonl").path
        let csv = directory.appendingPathComponent("data.csv").path
        try (jsonLines.joined(separator: "\n") + "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        try (csvLines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        return (jsonl, csv)
    }

    /// `driftwatch profile` of a file, written to JSON and read back as `profile.json` is.
    static func profile(_ path: String) throws -> ReferenceProfile {
        var profiler = try DatasetProfiler(kinds: kinds)
        try DatasetReader.read(path: path, options: DatasetOptions()) { event in
            if case let .prediction(prediction) = event { profiler.add(prediction) }
        }
        let document = ProfileDocument(model: "m", version: "v1", profile: profiler.finish())
        return try ProfileDocument.decode(try document.encoded()).profile
    }

    static func comparison(_ reference: ComparisonReference, current: String) throws -> DatasetComparison {
        var options = ComparisonOptions()
        options.kinds = kinds
        return try DatasetComparison.run(reference: reference, current: current, dataset: DatasetOptions(), options: options)
    }

    /// Every distribution statistic of every feature and output is "no drift".
    static func expectNoDrift(_ comparison: DatasetComparison, _ path: String) {
        let all = comparison.features + [comparison.score, comparison.prediction].compactMap { $0 }
        #expect(all.count == row(0).count + 2, "\(path): every feature compared")
        for feature in all {
            switch feature.sides {
            case let .numeric(_, _, drift):
                #expect(drift.psi == 0 && drift.ks?.statistic == 0 && (drift.wasserstein ?? 1) < 1e-12, "\(path) \(feature.name): \(drift)")
            case let .categorical(reference, current, drift):
                #expect(drift.psi == 0 && drift.newCategoryRate == 0 && drift.tvd == 0,
                        "\(path) \(feature.name): \(drift) reference \(reference.counts) current \(current.counts)")
            }
        }
    }

    @Test func declaredKindsAndInferenceAgreeAcrossFormats() throws {
        let (jsonl, csv) = try Self.writeDataset()
        for path in [jsonl, csv] {
            let profile = try Self.profile(path)
            #expect(profile.features["code_int"]?.kind == .categorical && profile.features["count"]?.kind == .numeric)
            #expect(profile.features["flag"]?.kind == .categorical && profile.features["amount"]?.kind == .numeric)
            guard case let .categorical(codes) = profile.features["code_float"],
                  case let .categorical(flags) = profile.features["flag"],
                  case let .categorical(colours) = profile.features["colour"] else {
                Issue.record("\(path): kinds")
                continue
            }
            #expect(codes.summary.counts == ["16": 48, "3": 48, "250": 48, "0": 48, "-7": 48], "\(path)")
            #expect(flags.summary.counts == ["true": 80, "false": 160], "\(path)")
            #expect(Set(colours.summary.counts.keys) == ["red", "Green", " blue", "RED", "007"], "\(path): other text unchanged")
        }
    }

    @Test func compareShowsNoDriftOnEveryPath() throws {
        let (jsonl, csv) = try Self.writeDataset()
        let references: [(String, ComparisonReference)] = [
            ("jsonl", .dataset(path: jsonl)), ("csv", .dataset(path: csv)),
            ("profile from jsonl", .profile(try Self.profile(jsonl))), ("profile from csv", .profile(try Self.profile(csv))),
        ]
        for (name, reference) in references {
            for current in [jsonl, csv] {
                Self.expectNoDrift(try Self.comparison(reference, current: current), "\(name) vs \((current as NSString).lastPathComponent)")
            }
        }
    }

    /// The monitor with the profile as reference: one count window holding the whole
    /// dataset, read from JSON lines and from the CSV.
    @Test func replayWithTheProfileAsReferenceShowsNoDrift() throws {
        let (jsonl, csv) = try Self.writeDataset()
        for profilePath in [jsonl, csv] {
            for input in [jsonl, csv] {
                var configuration = MonitorConfiguration()
                configuration.window = try WindowSpec.count(window: Self.rows, slide: Self.rows)
                configuration.references.set(try Self.profile(profilePath), identifier: "profile.json")
                let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.smallRules)
                var outputs: [MonitorOutput] = []
                try DatasetReader.read(path: input, options: DatasetOptions()) { event in
                    guard case var .prediction(prediction) = event else { return }
                    prediction.model = "m"
                    prediction.version = "v1"
                    engine.process(.prediction(prediction))
                    outputs += engine.drainOutputs()
                }
                engine.finish()
                outputs += engine.drainOutputs()
                let run = StreamFixtures.Run(engine: engine, outputs: outputs, deadLetters: [])
                let path = "profile of \((profilePath as NSString).lastPathComponent), replay of \((input as NSString).lastPathComponent)"
                for (name, _, _) in Self.row(0) {
                    let psi = run.metric("psi", evaluation: "drift", subject: name)
                    #expect(psi.count == 1 && psi.first?.value == 0, "\(path) \(name) psi \(psi)")
                    if Self.kinds[name] == .categorical || ["flag", "flag_text", "colour"].contains(name) {
                        let rate = run.metric("new_category_rate", evaluation: "drift", subject: name)
                        #expect(rate.count == 1 && rate.first?.value == 0, "\(path) \(name) new_category_rate \(rate)")
                    }
                }
            }
        }
    }
}
