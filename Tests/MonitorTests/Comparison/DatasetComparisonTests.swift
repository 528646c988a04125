import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// `driftwatch compare` on the seeded dataset pair of `Tests/ReferenceVectors/compare_vectors.py`,
/// checked number by number against scipy / scikit-learn / Fairlearn (`fixtures/vectors/compare.json`).
@Suite struct DatasetComparisonTests {
    private static var expected: [String: Any] {
        let data = FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/compare.json"))!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    private static func compare(reference: ComparisonReference? = nil) throws -> DatasetComparison {
        var options = ComparisonOptions()
        options.minimumGroupSize = expected["min_group_size"] as! Int
        options.intersections = expected["intersections"] as! [[String]]
        return try DatasetComparison.run(
            reference: reference ?? .dataset(path: RuleFixtures.path("fixtures/compare/reference.jsonl")),
            current: RuleFixtures.path("fixtures/compare/current.jsonl"), dataset: DatasetOptions(), options: options)
    }

    private static func report(_ comparison: DatasetComparison) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as! [String: Any]
    }

    /// The tolerance of a statistic: binned statistics as the issue allows, everything else exact.
    private static func tolerance(path: [String], expected: Double) -> Double {
        let name = path.last ?? ""
        let parent = path.dropLast().last ?? ""
        switch (parent, name) {
        // Residuals on ResidualHistogram's buckets: PSI's deciles at bucket bounds (within 3 %),
        // KS missing at most the residuals sharing a bucket (a few of the 273).
        case ("residual_drift", "psi"): return 0.01 + 0.03 * abs(expected)
        case ("residual_drift", "ks"): return 0.01
        case (_, "psi"): return max(0.005, 0.02 * abs(expected))
        case (_, "js"), (_, "hellinger"), ("ks", "statistic"): return 0.003
        case (_, "wasserstein"): return max(0.002, 0.02 * abs(expected))
        case (_, "roc_auc"): return 0.002
        default: return 1e-9 * max(1, abs(expected))
        }
    }

    /// Walks the expected tree and checks every value of it in `actual` (extra actual keys are allowed).
    private static func check(_ expected: Any, _ actual: Any?, path: [String]) {
        let location = path.joined(separator: ".")
        switch expected {
        case let object as [String: Any]:
            guard let actualObject = actual as? [String: Any] else {
                Issue.record("\(location): expected an object, found \(String(describing: actual))")
                return
            }
            for (key, value) in object {
                if key == "pvalue_bounds", let bounds = value as? [Double] {
                    let pvalue = actualObject["pvalue"] as? Double ?? -1
                    #expect(pvalue >= bounds[0] - 1e-12 && pvalue <= bounds[1] + 1e-12, "\(location).pvalue \(pvalue) outside \(bounds)")
                } else {
                    check(value, actualObject[key], path: path + [key])
                }
            }
        case let array as [Any]:
            guard let actualArray = actual as? [Any], actualArray.count == array.count else {
                Issue.record("\(location): expected \(array.count) entries, found \(String(describing: actual))")
                return
            }
            for (index, value) in array.enumerated() { check(value, actualArray[index], path: path + ["\(index)"]) }
        case is NSNull:
            #expect(actual is NSNull, "\(location): expected null, found \(String(describing: actual))")
        case let string as String:
            #expect(actual as? String == string, "\(location)")
        case let number as NSNumber:
            guard let value = (actual as? NSNumber)?.doubleValue, !(actual is NSNull) else {
                Issue.record("\(location): expected \(number), found \(String(describing: actual))")
                return
            }
            let tolerance = tolerance(path: path, expected: number.doubleValue)
            #expect(abs(value - number.doubleValue) <= tolerance, "\(location): \(value) vs \(number) (tolerance \(tolerance))")
        default:
            Issue.record("\(location): unexpected expected value \(expected)")
        }
    }

    @Test func featuresMatchScipy() throws {
        let actual = try Self.report(try Self.compare())
        let features = try #require(actual["features"] as? [[String: Any]])
        #expect(features.map { $0["name"] as? String } == ["age", "channel", "income", "tail"])
        Self.check(Self.expected["features"]!, actual["features"], path: ["features"])
    }

    @Test func outputsMatchScipy() throws {
        Self.check(Self.expected["output"]!, try Self.report(try Self.compare())["output"], path: ["output"])
    }

    @Test func performanceMatchesScikitLearn() throws {
        Self.check(Self.expected["performance"]!, try Self.report(try Self.compare())["performance"], path: ["performance"])
    }

    @Test func fairnessMatchesFairlearn() throws {
        let actual = try Self.report(try Self.compare())
        let fairness = try #require(actual["fairness"] as? [String: Any])
        #expect(Set(fairness.keys) == ["age_band", "gender", "gender×age_band"])
        Self.check(Self.expected["fairness"]!, actual["fairness"], path: ["fairness"])
    }

    /// A profile file as the reference gives the same drift, and no reference performance.
    @Test func profileReferenceGivesTheSameDrift() throws {
        var profiler = try DatasetProfiler()
        try DatasetReader.read(path: RuleFixtures.path("fixtures/compare/reference.jsonl"), options: DatasetOptions()) { event in
            if case let .prediction(prediction) = event { profiler.add(prediction) }
        }
        let fromProfile = try Self.report(try Self.compare(reference: .profile(profiler.finish())))
        let fromDataset = try Self.report(try Self.compare())
        #expect(NSDictionary(dictionary: ["f": fromProfile["features"]!]) == NSDictionary(dictionary: ["f": fromDataset["features"]!]))
        #expect((fromProfile["performance"] as? [String: Any])?["reference"] is NSNull)
    }

    /// The same rows as CSV (labels in the rows, segment columns named) give the same report.
    @Test func csvInputGivesTheSameReport() throws {
        var dataset = DatasetOptions()
        dataset.segmentColumns = ["gender", "age_band"]
        var options = ComparisonOptions()
        options.minimumGroupSize = Self.expected["min_group_size"] as! Int
        options.intersections = Self.expected["intersections"] as! [[String]]
        let fromCSV = try DatasetComparison.run(
            reference: .dataset(path: RuleFixtures.path("fixtures/compare/reference.csv")),
            current: RuleFixtures.path("fixtures/compare/current.csv"), dataset: dataset, options: options)
        #expect(fromCSV.json() == (try Self.compare().json()))
        #expect(fromCSV.currentCounters.predictions == 600)
    }

    /// Without labels, with a feature that is all missing on one side and one group: nulls, not NaN or zeros.
    @Test func undefinedValuesAreNull() throws {
        let reference = """
        {"event":"prediction","model":"m","id":"1","ts":1,"features":{"x":1,"y":null},"score":0.2,"label_pred":0,"segment":{"g":"a"}}
        {"event":"prediction","model":"m","id":"2","ts":2,"features":{"x":2,"y":null},"score":0.8,"label_pred":1,"segment":{"g":"a"}}
        """
        let current = """
        {"event":"prediction","model":"m","id":"3","ts":3,"features":{"x":null,"y":5},"score":0.4,"label_pred":0,"segment":{"g":"a"}}
        """
        let directory = NSTemporaryDirectory() + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try reference.write(toFile: directory + "/r.jsonl", atomically: true, encoding: .utf8)
        try current.write(toFile: directory + "/c.jsonl", atomically: true, encoding: .utf8)
        let comparison = try DatasetComparison.run(
            reference: .dataset(path: directory + "/r.jsonl"), current: directory + "/c.jsonl",
            dataset: DatasetOptions(), options: ComparisonOptions())
        let report = try Self.report(comparison)
        let features = try #require(report["features"] as? [[String: Any]])
        let x = try #require(features.first { $0["name"] as? String == "x" })
        #expect(x["psi"] is NSNull && x["ks"] is NSNull && x["mean_shift"] is NSNull)
        #expect((x["current"] as? [String: Any])?["mean"] is NSNull)
        #expect((x["missing_rate"] as? [String: Any])?["current"] as? Double == 1)
        let y = try #require(features.first { $0["name"] as? String == "y" })
        #expect((y["reference"] as? [String: Any])?["std"] is NSNull)
        let performance = try #require((report["performance"] as? [String: Any])?["current"] as? [String: Any])
        #expect(performance["count"] as? Int == 0)
        #expect(performance["label_coverage"] as? Double == 0)
        for key in ["accuracy", "precision", "recall", "fpr", "f1", "selection_rate", "roc_auc", "brier", "log_loss", "ece"] {
            #expect(performance[key] is NSNull, "\(key)")
        }
        let fairness = try #require((report["fairness"] as? [String: Any])?["g"] as? [String: Any])
        #expect(fairness["demographic_parity_difference"] is NSNull)
        #expect(fairness["excluded_from_selection_gaps"] as? [String] == ["a"])
    }

    /// A regression model's pair (`Tests/ReferenceVectors/compare_regression_vectors.py`): each
    /// side's MAE, RMSE, MAPE, bias, R² and coverage are scikit-learn's, with their differences,
    /// the residuals' drift scipy's, the current side's per-region errors and MAE gap
    /// Fairlearn's definition; the table shows them side by side.
    @Test func regressionPerformanceMatchesScikitLearn() throws {
        let data = try #require(FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/compare_regression.json")))
        var expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var options = ComparisonOptions()
        options.minimumGroupSize = try #require(expected.removeValue(forKey: "min_group_size") as? Int)
        var dataset = DatasetOptions()
        dataset.decoder = EventDecoder(modelTypes: ModelTypes(["house-price": .regression]))
        let comparison = try DatasetComparison.run(
            reference: .dataset(path: RuleFixtures.path("fixtures/compare/regression_reference.jsonl")),
            current: RuleFixtures.path("fixtures/compare/regression_current.jsonl"), dataset: dataset, options: options)
        let report = try Self.report(comparison)
        Self.check(expected, report, path: [])
        let current = try #require((report["performance"] as? [String: Any])?["current"] as? [String: Any])
        let expectedCount = ((expected["performance"] as? [String: Any])?["current"] as? [String: Any])?["count"] as? Int
        #expect(current["accuracy"] == nil && expectedCount != nil && current["count"] as? Int == expectedCount)
        let table = comparison.table()
        #expect(table.contains("Residual drift") && table.contains("difference") && table.contains("Per-group errors: region") && !table.contains("Fairness:"))
        let mae = try #require(table.split(separator: "\n").first { $0.hasPrefix("mae ") })
        let performance = try #require(expected["performance"] as? [String: [String: Double]])
        let shown = ["reference", "current", "difference"].map { String(format: "%.4f", performance[$0]!["mae"]!) }
        #expect(mae.split(separator: " ").map(String.init) == ["mae"] + shown)
        // A binary classifier's data against a regression model's: side by side by name, no difference.
        let mixed = try DatasetComparison.run(
            reference: .dataset(path: RuleFixtures.path("fixtures/compare/reference.jsonl")),
            current: RuleFixtures.path("fixtures/compare/regression_current.jsonl"), dataset: dataset, options: ComparisonOptions())
        #expect(mixed.regressionComparison == nil && mixed.table().contains("mae"))
    }

    /// A multiclass classifier's pair (`Tests/ReferenceVectors/compare_multiclass_vectors.py`, the
    /// model type inferred from its predictions): each side's accuracy, averages over classes,
    /// log loss and Brier score (over the predictions with probabilities) and coverage are
    /// scikit-learn's with their differences, each class's precision, recall and F1 too, the
    /// current side's per-channel accuracy and gap Fairlearn's definition; the table shows them.
    @Test func multiclassPerformanceMatchesScikitLearn() throws {
        let data = try #require(FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/compare_multiclass.json")))
        var expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var options = ComparisonOptions()
        options.minimumGroupSize = try #require(expected.removeValue(forKey: "min_group_size") as? Int)
        let comparison = try DatasetComparison.run(
            reference: .dataset(path: RuleFixtures.path("fixtures/compare/multiclass_reference.jsonl")),
            current: RuleFixtures.path("fixtures/compare/multiclass_current.jsonl"), dataset: DatasetOptions(), options: options)
        let report = try Self.report(comparison)
        Self.check(expected, report, path: [])
        #expect(comparison.currentCounters.predictions == 250 && comparison.currentOutcomes.predictions == 250)
        let current = try #require((report["performance"] as? [String: Any])?["current"] as? [String: Any])
        #expect(current["precision"] == nil && current["mae"] == nil)
        let classes = try #require((report["classes"] as? [String: Any])?["current"] as? [String: Any])
        #expect(classes.keys.sorted() == ["refer", "routine", "urgent"])
        let table = comparison.table()
        #expect(table.contains("Per-class performance") && table.contains("Per-group accuracy: channel") && !table.contains("Fairness:"))
        let macroF1 = try #require(table.split(separator: "\n").first { $0.hasPrefix("macro_f1 ") })
        let performance = try #require(expected["performance"] as? [String: [String: Double]])
        let shown = ["reference", "current", "difference"].map { String(format: "%.4f", performance[$0]!["macro_f1"]!) }
        #expect(macroF1.split(separator: " ").map(String.init) == ["macro_f1"] + shown)
        // A profile as the reference: the current side's classes alone, no differences.
        var profiler = try DatasetProfiler()
        try DatasetReader.read(path: RuleFixtures.path("fixtures/compare/multiclass_reference.jsonl"), options: DatasetOptions()) { event in
            if case let .prediction(prediction) = event { profiler.add(prediction) }
        }
        let fromProfile = try DatasetComparison.run(
            reference: .profile(profiler.finish()), current: RuleFixtures.path("fixtures/compare/multiclass_current.jsonl"),
            dataset: DatasetOptions(), options: options)
        let profiled = try Self.report(fromProfile)
        #expect((profiled["classes"] as? [String: Any])?["reference"] is NSNull && fromProfile.performanceDifferences == nil)
        #expect(((profiled["classes"] as? [String: Any])?["current"] as? [String: Any])?.count == 3)
    }

    /// A multiclass classifier's classes beyond the cap (50): the labelled predictions naming
    /// one are left out of its metrics and counted in `classes.overflow` and the table.
    @Test func classesBeyondTheCapAreCounted() throws {
        let lines = (0..<53).map { index in
            """
            {"event":"prediction","model":"m","id":"\(index)","ts":\(index),"features":{"x":1},"label_pred":"c\(index)"}
            {"event":"label","id":"\(index)","ts":\(index),"label":"c\(index)"}
            """
        }
        let path = NSTemporaryDirectory() + UUID().uuidString + ".jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let comparison = try DatasetComparison.run(reference: .dataset(path: path), current: path, dataset: DatasetOptions(), options: ComparisonOptions())
        let report = try Self.report(comparison)
        let classes = try #require(report["classes"] as? [String: Any])
        #expect(classes["overflow"] as? Int == 3 && (classes["current"] as? [String: Any])?.count == 50)
        #expect(((report["performance"] as? [String: Any])?["current"] as? [String: Any])?["count"] as? Int == 50)
        #expect(comparison.table().contains("3 current labelled predictions beyond the first 50 classes left out"))
    }

    @Test func outputIsDeterministic() throws {
        #expect(try Self.compare().json() == (try Self.compare().json()))
    }

    @Test func tableNamesEverySection() throws {
        let table = try Self.compare().table()
        for heading in ["Numeric drift", "Categorical drift", "Performance", "Fairness: gender × age_band", "demographic_parity_difference"] {
            #expect(table.contains(heading), "\(heading)")
        }
        #expect(table.contains("channel"))
    }
}
