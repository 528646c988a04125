import DriftCore
import Foundation
import Testing
@testable import Monitor

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
