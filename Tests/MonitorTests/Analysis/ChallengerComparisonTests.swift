import DriftCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// `check --candidate`: a champion batch and two challengers scoring the same 2,000 ids —
/// one 5 points worse everywhere, one 35 points worse for one group — judged with
/// Newcombe intervals, in the library and through the CLI (exit codes, JUnit).
@Suite(.serialized) struct ChallengerComparisonTests {
    /// 2,000 predictions: even ids female, odd male; label (i/2) mod 2; a prediction is right when
    /// (i/4) mod 20 < `right(female)`, else the opposite class.
    static func batch(version: String, right: (_ female: Bool) -> Int) -> String {
        (0..<2000).map { index -> String in
            let female = index % 2 == 0, label = (index / 2) % 2
            let predicted = (index / 4) % 20 < right(female) ? label : 1 - label
            return """
            {"event":"prediction","model":"credit-risk","version":"\(version)","id":"p-\(index)","ts":\(1_700_000_000_000 + index * 1000),\
            "features":{"f_income":\(40000 + index % 97 * 100)},"score":\(predicted == 1 ? 0.8 : 0.2),"label_pred":\(predicted),\
            "segment":{"gender":"\(female ? "female" : "male")"}}
            {"event":"label","id":"p-\(index)","ts":\(1_700_000_000_000 + index * 1000 + 500),"label":\(label)}

            """
        }.joined()
    }

    struct Files {
        var directory: URL
        var champion: URL
        var slightlyWorse: URL
        var worseForWomen: URL
        var profile: URL
        var rules: URL
    }

    static let files: Files = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-candidate-test-\(ProcessInfo.processInfo.processIdentifier)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = Files(directory: directory, champion: directory.appendingPathComponent("champion.jsonl"),
                          slightlyWorse: directory.appendingPathComponent("slightly-worse.jsonl"),
                          worseForWomen: directory.appendingPathComponent("worse-for-women.jsonl"),
                          profile: directory.appendingPathComponent("profile.json"), rules: directory.appendingPathComponent("rules.yaml"))
        try! batch(version: "v1") { _ in 17 }.write(to: files.champion, atomically: true, encoding: .utf8)
        try! batch(version: "v2") { _ in 16 }.write(to: files.slightlyWorse, atomically: true, encoding: .utf8)
        try! batch(version: "v2") { female in female ? 10 : 17 }.write(to: files.worseForWomen, atomically: true, encoding: .utf8)
        try! """
        rules:
          - name: AccuracyFloor
            scope: model
            metric: accuracy
            condition: "< 0.5"
            min_samples: 100
            severity: critical
        """.write(to: files.rules, atomically: true, encoding: .utf8)
        let profiled = try! RuleCheckTests.run(["profile", "--input", files.champion.path, "--out", files.profile.path, "--model", "credit-risk", "--version", "v1"])
        precondition(profiled.status == 0, "driftwatch profile failed: \(profiled.output)")
        return files
    }()

    static func comparison(_ challenger: URL, tolerance: Double) throws -> ChallengerComparison {
        let read = { (url: URL) in try ChallengerComparison.Batch.read(paths: [url.path], options: DatasetOptions(), maximumAttributes: 8) }
        return ChallengerComparison(champion: try read(files.champion), challenger: try read(challenger), tolerance: tolerance)
    }

    /// Correct predictions among the ids with `female`, counted from the generator's rule.
    static func correct(female: Bool?, right: Int) -> UInt64 {
        UInt64((0..<2000).filter { female == nil || ($0 % 2 == 0) == female! }.filter { ($0 / 4) % 20 < right }.count)
    }

    @Test func accuracyIntervalsComeFromTheCountsAndTheToleranceDecides() throws {
        let comparison = try Self.comparison(Self.files.slightlyWorse, tolerance: 0.05)
        #expect(comparison.champion.version == "credit-risk/v1" && comparison.challenger.version == "credit-risk/v2")
        #expect(comparison.rows.map(\.segment).uniqued() == [.all, .group(attributes: ["gender"], key: FairnessGroupKey(["female"])),
                                                                 .group(attributes: ["gender"], key: FairnessGroupKey(["male"]))])
        for (segment, female) in [(ChallengerComparison.Segment.all, nil), (.group(attributes: ["gender"], key: FairnessGroupKey(["female"])), true)] {
            let row = try #require(comparison.rows.first { $0.segment == segment && $0.metric == .accuracy })
            let trials: UInt64 = female == nil ? 2000 : 1000
            let expected = try #require(NewcombeInterval(successes: Self.correct(female: female, right: 16), trials: trials,
                                                         minus: Self.correct(female: female, right: 17), trials: trials))
            #expect(row.difference == expected)
            #expect(row.champion.interval == WilsonInterval(successes: Self.correct(female: female, right: 17), trials: trials))
            #expect(abs(expected.difference + 0.05) < 1e-12)
            // 5 points worse: the interval reaches above -0.05, so a 0.05 tolerance passes ...
            #expect(expected.upper > -0.05 && row.verdict == .pass)
        }
        #expect(comparison.failures.isEmpty)
        #expect(comparison.rows.filter { $0.metric == .f1 || $0.metric == .selectionRate }.allSatisfy { $0.verdict == .shown })
        // ... and a 0.01 tolerance fails overall, where the interval lies below -0.01.
        let strict = try Self.comparison(Self.files.slightlyWorse, tolerance: 0.01)
        let overall = try #require(strict.rows.first { $0.segment == .all && $0.metric == .accuracy })
        #expect(overall.difference!.upper < -0.01 && overall.verdict == .fail)
    }

    @Test func aRegressionInOneGroupFailsThatGroupOnly() throws {
        let comparison = try Self.comparison(Self.files.worseForWomen, tolerance: 0.05)
        let failed = Set(comparison.failures.map { "\($0.segment) \($0.metric.rawValue)" })
        #expect(failed.contains("gender=female accuracy") && failed.contains("all accuracy"))
        #expect(!failed.contains { $0.hasPrefix("gender=male") }, "\(failed)")
        let male = comparison.rows.filter { $0.segment == .group(attributes: ["gender"], key: FairnessGroupKey(["male"])) && $0.metric.isGated }
        #expect(male.count == 3 && male.allSatisfy { $0.verdict == .pass && $0.difference?.difference == 0 })
        #expect(comparison.cases.count == 9 && comparison.cases.allSatisfy { $0.severity == .critical && $0.rule.hasPrefix("challenger ") })
        #expect(comparison.table().contains("gender=female  accuracy"))
    }

    @Test func theCheckGateExitsNonZeroOnARegressionWithJUnitFailures() throws {
        let files = Self.files
        let base = ["check", "--reference", files.profile.path, "--current", files.champion.path, "--rules", files.rules.path, "--quiet"]
        let passing = try RuleCheckTests.run(base + ["--candidate", files.slightlyWorse.path, "--tolerance", "0.05"])
        #expect(passing.status == 0, "\(passing.output)")
        #expect(passing.output.contains("0 challenger regression(s)"))

        let junit = files.directory.appendingPathComponent("candidate.xml")
        let failing = try RuleCheckTests.run(base + ["--candidate", files.worseForWomen.path, "--tolerance", "0.05", "--junit", junit.path])
        #expect(failing.status == 1, "\(failing.output)")
        let cases = try RuleCheckTests.junitCases(junit)
        #expect(cases.filter { $0.rule == "AccuracyFloor" }.map(\.outcome) == ["pass"])
        let failed = cases.filter { $0.outcome == "fail" }.map { "\($0.rule) \($0.subject)" }
        #expect(failed.contains("challenger accuracy gender=female") && failed.contains("challenger accuracy all"), "\(failed)")
        #expect(!failed.contains { $0.hasSuffix("gender=male") })

        let mixed = try RuleCheckTests.run(base + ["--candidate", files.worseForWomen.path, "--candidate", files.champion.path])
        #expect(mixed.status != 0 && !mixed.output.contains("challenger regression"), "two versions on one side are refused")
    }

    /// A regression model's or multiclass classifier's batch is refused with a clear error (the gate's metrics are a binary classifier's).
    @Test(arguments: [("regression_current.jsonl", "a regression model's"), ("multiclass_current.jsonl", "a multiclass classifier's")])
    func aRegressionOrMulticlassModelsBatchIsAClearError(file: String, model: String) {
        var options = DatasetOptions()
        options.decoder = EventDecoder(modelTypes: ModelTypes(["house-price": .regression]))
        let path = RuleFixtures.path("fixtures/compare/" + file)
        #expect {
            try ChallengerComparison.Batch.read(paths: [path], options: options, maximumAttributes: 8)
        } throws: { error in
            (error as? DatasetError)?.description.contains("\(model) predictions; the challenger comparison judges binary classifiers") == true
        }
    }
}

private extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
