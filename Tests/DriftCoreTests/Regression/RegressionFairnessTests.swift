import Testing
@testable import DriftCore

@Suite struct RegressionFairnessTests {
    @Test(arguments: RegressionVectors.shared.regressionFairness)
    func groupErrorsAndGapMatchFairlearn(_ testCase: RegressionVectors.FairnessCase) throws {
        let report = try testCase.summary().report(minimumGroupSize: testCase.minimumGroupSize)
        #expect(report.groups.map(\.key.values) == testCase.groups.map(\.key))
        #expect(report.groups.map(\.count) == testCase.groups.map(\.count))
        for (group, expected) in zip(report.groups, testCase.groups) {
            #expect(RegressionSummaryTests.close(group.meanAbsoluteError, expected.meanAbsoluteError), "\(group.key)")
        }
        #expect(report.excluded.map(\.values) == testCase.excluded)
        let expectedGap = try #require(testCase.meanAbsoluteErrorGap)
        let gap = try #require(report.meanAbsoluteErrorGap)
        #expect(RegressionSummaryTests.close(gap.difference, expectedGap.difference))
        #expect(RegressionSummaryTests.close(gap.ratio, expectedGap.ratio))
    }

    @Test(arguments: RegressionVectors.shared.regressionFairness)
    func mergedPanesEqualTheWholeAndRoundTrip(_ testCase: RegressionVectors.FairnessCase) throws {
        let whole = try testCase.summary()
        let split = testCase.labels.count / 2
        var merged = try testCase.summary(of: 0..<split)
        try merged.merge(try testCase.summary(of: split..<testCase.labels.count))
        #expect(merged.groups.keys.sorted() == whole.groups.keys.sorted())
        for (key, summary) in whole.groups {
            #expect(RegressionSummaryTests.close(merged.groups[key]?.meanAbsoluteError, summary.meanAbsoluteError), "\(key)")
        }
        let blob = VersionedBlob.encode(whole, kind: "regression-fairness", version: 1)
        #expect(try VersionedBlob.decode(RegressionFairnessSummary.self, from: blob, kind: "regression-fairness", newestVersion: 1) == whole)
    }

    @Test func groupsBeyondTheCapAndMalformedKeysAreCounted() throws {
        var summary = try RegressionFairnessSummary(attributes: ["region"], maximumGroups: 2)
        for (index, region) in ["a", "b", "c", "c"].enumerated() {
            summary.record(group: FairnessGroupKey([region]), prediction: Double(index), label: 0)
        }
        summary.record(group: FairnessGroupKey(["a", "extra"]), prediction: 1, label: 0)
        #expect(summary.groups.keys.sorted() == [FairnessGroupKey(["a"]), FairnessGroupKey(["b"])])
        #expect(summary.overflowCount == 2 && summary.rejectedCount == 1)
        #expect(summary.report(minimumGroupSize: 1).overflowCount == 2)
        #expect(summary.report(minimumGroupSize: 2).meanAbsoluteErrorGap == nil, "no group has two rows")
        var other = try RegressionFairnessSummary(attributes: ["gender"])
        #expect(throws: OutcomeSummaryError.self) { try other.merge(summary) }
    }

    @Test func truncatedStateIsRejected() throws {
        var writer = BinaryWriter()
        try RegressionVectors.shared.regressionFairness[2].summary().encode(to: &writer)
        for length in 0..<writer.bytes.count {
            var reader = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: (any Error).self) { _ = try RegressionFairnessSummary(from: &reader) }
        }
    }
}
