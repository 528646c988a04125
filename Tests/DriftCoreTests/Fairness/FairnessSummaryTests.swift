import Testing
@testable import DriftCore

@Suite struct FairnessSummaryTests {
    @Test(arguments: FairnessVectors.shared.cases)
    func mergedPanesEqualTheWholeWindow(_ testCase: FairnessVectors.Case) throws {
        let count = testCase.predictions.count
        let whole = try testCase.summary()
        var merged = try testCase.summary(of: 0..<count / 2)
        try merged.merge(try testCase.summary(of: count / 2..<count))
        #expect(merged == whole)
        #expect(merged.report(minimumGroupSize: testCase.minimumGroupSize) == whole.report(minimumGroupSize: testCase.minimumGroupSize))
    }

    @Test(arguments: FairnessVectors.shared.cases)
    func roundTripsThroughBlob(_ testCase: FairnessVectors.Case) throws {
        let summary = try testCase.summary()
        let blob = VersionedBlob.encode(summary, kind: "fairness", version: 1)
        #expect(try VersionedBlob.decode(FairnessSummary.self, from: blob, kind: "fairness", newestVersion: 1) == summary)
    }

    @Test func groupCapCountsOverflow() throws {
        let testCase = FairnessVectors.shared.cases[1]  // gender × age band: six groups
        let capped = try testCase.summary(maximumGroups: 4)
        let whole = try testCase.summary()
        #expect(capped.groups.count == 4)
        let kept = capped.groups.values.map(\.predictionCount).reduce(0, +)
        #expect(capped.overflowPredictionCount == UInt64(testCase.predictions.count) - kept)
        #expect(capped.overflowPredictionCount > 0)
        for (key, summary) in capped.groups { #expect(whole.groups[key] == summary) }
        #expect(capped.report().overflowPredictionCount == capped.overflowPredictionCount)

        // Merging under the cap: the other pane's new groups overflow too.
        var merged = try testCase.summary(of: 0..<10, maximumGroups: 4)
        try merged.merge(whole)
        #expect(merged.groups.count == 4)
        #expect(merged.groups.values.map(\.predictionCount).reduce(0, +) + merged.overflowPredictionCount
                == UInt64(testCase.predictions.count + 10))
    }

    /// Which groups get the last places under the cap never depends on hash order: the
    /// same groups, recorded in 30 different orders, merge to one result (by key order).
    @Test func aMergeOverTheCapIsTheSameWhateverTheHashOrder() throws {
        var held = try FairnessSummary(attributes: ["g"], maximumGroups: 5)
        for value in ["h0", "h1", "h2"] { held.record(group: FairnessGroupKey([value]), label: nil, predicted: true) }
        let newcomers = (0..<20).map { FairnessGroupKey(["n\($0 + 10)"]) }
        var results: [FairnessSummary] = []
        for rotation in 0..<20 {
            var other = try FairnessSummary(attributes: ["g"], maximumGroups: 100)
            for key in newcomers[rotation...] + newcomers[..<rotation] { other.record(group: key, label: nil, predicted: false) }
            var merged = held
            try merged.merge(other)
            results.append(merged)
        }
        #expect(results.allSatisfy { $0 == results[0] })
        #expect(results[0].groups.keys.sorted() == ["h0", "h1", "h2", "n10", "n11"].map { FairnessGroupKey([$0]) })
        #expect(results[0].overflowPredictionCount == 18)
    }

    /// Keys hash their values once: keys made apart from equal values are one group,
    /// keys of other values (or of the same values split differently) are not.
    @Test func groupKeysMadeApartFindTheSameGroup() throws {
        let key = FairnessGroupKey(["female", "35-54"])
        let again = FairnessGroupKey(["female", String("35-5") + "4"])
        #expect(key == again && key.hashValue == again.hashValue)
        #expect(key != FairnessGroupKey(["female", "55+"]))
        #expect(FairnessGroupKey(["a", "bc"]) != FairnessGroupKey(["ab", "c"]))
        var summary = try FairnessSummary(attributes: ["gender", "age_band"])
        summary.record(group: key, label: true, predicted: true)
        summary.record(group: again, label: false, predicted: true)
        summary.record(group: FairnessGroupKey(["female", "55+"]), label: nil, predicted: false)
        #expect(summary.groups.count == 2)
        #expect(summary.groups[FairnessGroupKey(["female", "35-54"])]?.labelledCount == 2)
    }

    @Test func wrongKeyArityIsRejected() throws {
        var summary = try FairnessSummary(attributes: ["gender", "age_band"])
        summary.record(group: FairnessGroupKey(["female"]), label: true, predicted: true)
        #expect(summary.groups.isEmpty && summary.rejectedPredictionCount == 1)
    }

    @Test func incompatibleSummariesDoNotMerge() throws {
        var gender = try FairnessSummary(attributes: ["gender"])
        #expect(throws: OutcomeSummaryError.self) { try gender.merge(try FairnessSummary(attributes: ["age_band"])) }
        #expect(throws: OutcomeSummaryError.self) { try gender.merge(try FairnessSummary(attributes: ["gender"], scoreBins: 10)) }
        #expect(throws: OutcomeSummaryError.self) { try FairnessSummary(attributes: []) }
        #expect(throws: OutcomeSummaryError.self) { try FairnessSummary(attributes: ["a"], maximumGroups: 0) }
    }

    @Test func corruptedStateIsRejected() throws {
        var summary = try FairnessSummary(attributes: ["tier"])
        summary.record(group: FairnessGroupKey(["gold"]), label: true, predicted: true)
        summary.record(group: FairnessGroupKey(["silver"]), label: nil, predicted: false)
        var writer = BinaryWriter()
        summary.encode(to: &writer)
        for length in 0..<writer.bytes.count {
            var reader = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: SerializationError.self) { _ = try FairnessSummary(from: &reader) }
        }
    }
}
