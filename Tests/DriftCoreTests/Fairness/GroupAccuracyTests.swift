import Testing
@testable import DriftCore

/// The gap itself is checked against scikit-learn's per-group accuracy on the multiclass
/// stream (`MulticlassStreamTests`); these check the summary's bookkeeping.
@Suite struct GroupAccuracyTests {
    static func summary(_ rows: [(String, Bool)], maximumGroups: Int = 10) throws -> GroupAccuracySummary {
        var summary = try GroupAccuracySummary(attributes: ["channel"], maximumGroups: maximumGroups)
        for (group, correct) in rows { summary.record(group: FairnessGroupKey([group]), correct: correct) }
        return summary
    }

    /// Groups below the minimum size are left out of the gap; the gap is max − min and min / max.
    @Test func gapOverGroupsOfTheMinimumSize() throws {
        let rows = Array(repeating: ("web", true), count: 9) + [("web", false)] + Array(repeating: ("phone", true), count: 3)
            + Array(repeating: ("phone", false), count: 2) + [("fax", false)]
        let report = try Self.summary(rows).report(minimumGroupSize: 5)
        #expect(report.groups.map(\.rows) == [1, 5, 10] && report.excluded == [FairnessGroupKey(["fax"])])
        #expect(report.accuracyGap?.difference == 0.9 - 0.6)
        #expect(report.accuracyGap?.ratio == 0.6 / 0.9)
        #expect(try Self.summary(rows).report(minimumGroupSize: 6).accuracyGap == nil)
    }

    /// Panes merge to the summary of their rows together; groups beyond the cap are counted;
    /// a round trip through bytes keeps everything; inconsistent bytes are refused.
    @Test func mergesCapsAndRoundTrips() throws {
        var first = try Self.summary([("web", true), ("phone", false)], maximumGroups: 2)
        try first.merge(try Self.summary([("web", false), ("fax", true)], maximumGroups: 2))
        #expect(first.groups[FairnessGroupKey(["web"])] == GroupAccuracySummary.Counts(rows: 2, correct: 1) && first.overflowCount == 1)
        first.record(group: FairnessGroupKey(["web", "extra"]), correct: true)
        #expect(first.rejectedCount == 1)
        var writer = BinaryWriter()
        first.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        #expect(try GroupAccuracySummary(from: &reader) == first)
        var bad = writer.bytes
        bad[bad.count - 2] = 0  // the last group's rows below its right rows
        var badReader = BinaryReader(bad)
        #expect(throws: SerializationError.self) { try GroupAccuracySummary(from: &badReader) }
        #expect(throws: OutcomeSummaryError.self) { try first.merge(try GroupAccuracySummary(attributes: ["region"])) }
    }
}
