import Testing
@testable import DriftCore

@Suite struct FairnessReportTests {
    static let tolerance = 1e-9

    static func expectClose(_ actual: Double?, _ expected: Double?, _ what: String) {
        switch (actual, expected) {
        case (nil, nil): break
        case let (actual?, expected?): #expect(abs(actual - expected) <= tolerance, "\(what): \(actual) vs \(expected)")
        default: Issue.record("\(what): \(String(describing: actual)) vs \(String(describing: expected))")
        }
    }

    static func expectRate(_ actual: FairnessReport.Rate?, _ expected: FairnessVectors.Rate?, _ what: String) {
        guard let expected else {
            #expect(actual == nil, "\(what) should be undefined")
            return
        }
        guard let actual else {
            Issue.record("\(what) missing")
            return
        }
        expectClose(actual.value, expected.value, what)
        expectClose(actual.interval?.lower, expected.interval?[0], "\(what) lower bound")
        expectClose(actual.interval?.upper, expected.interval?[1], "\(what) upper bound")
    }

    /// A gap as the fixture states it: absent (nil) when fewer than two groups were eligible.
    static func expectGap(
        _ gap: FairnessReport.Gap?, difference: Double?, ratio: Double?, _ what: String
    ) {
        guard let difference else {
            #expect(gap == nil, "\(what) should need two eligible groups")
            return
        }
        expectClose(gap?.difference, difference, "\(what) difference")
        expectClose(gap?.ratio, ratio, "\(what) ratio")
    }

    @Test(arguments: FairnessVectors.shared.cases)
    func groupsAndGapsMatchFairlearn(_ testCase: FairnessVectors.Case) throws {
        let report = try testCase.summary().report(minimumGroupSize: testCase.minimumGroupSize, z: FairnessVectors.shared.z)
        #expect(report.groups.map(\.key.values) == testCase.groups.map(\.key))
        for (group, expected) in zip(report.groups, testCase.groups) {
            let name = group.key.description
            #expect(group.predictionCount == expected.count && group.labelledCount == expected.labelledCount)
            Self.expectRate(group.selectionRate, expected.selectionRate, "\(name) selection rate")
            Self.expectRate(group.truePositiveRate, expected.truePositiveRate, "\(name) TPR")
            Self.expectRate(group.falsePositiveRate, expected.falsePositiveRate, "\(name) FPR")
            Self.expectRate(group.accuracy, expected.accuracy, "\(name) accuracy")
            Self.expectRate(group.precision, expected.precision, "\(name) precision")
        }
        #expect(report.excludedFromSelectionGaps.map(\.values) == testCase.excludedFromSelectionGaps)
        #expect(report.excludedFromLabelGaps.map(\.values) == testCase.excludedFromLabelGaps)
        let gaps = testCase.gaps
        Self.expectGap(report.demographicParity, difference: gaps.demographicParityDifference,
                       ratio: gaps.demographicParityRatio, "demographic parity")
        Self.expectGap(report.equalOpportunity, difference: gaps.equalOpportunityDifference,
                       ratio: gaps.equalOpportunityRatio, "equal opportunity")
        Self.expectGap(report.equalizedOdds, difference: gaps.equalizedOddsDifference,
                       ratio: gaps.equalizedOddsRatio, "equalized odds")
    }

    @Test func fewerThanTwoEligibleGroupsHaveNoGaps() throws {
        var summary = try FairnessSummary(attributes: ["region"])
        for index in 0..<150 { summary.record(group: FairnessGroupKey(["north"]), label: index % 2 == 0, predicted: index % 3 == 0) }
        for index in 0..<20 { summary.record(group: FairnessGroupKey(["south"]), label: true, predicted: index % 2 == 0) }
        let report = summary.report()
        #expect(report.groups.count == 2)
        #expect(report.excludedFromSelectionGaps == [FairnessGroupKey(["south"])])
        #expect(report.demographicParity == nil && report.equalOpportunity == nil && report.equalizedOdds == nil)
        #expect(summary.report(minimumGroupSize: 10).demographicParity != nil)
    }

    @Test func unlabelledOnlyGroupHasNoLabelRates() throws {
        var summary = try FairnessSummary(attributes: ["tier"])
        summary.record(group: FairnessGroupKey(["gold"]), label: nil, predicted: true)
        let group = try #require(summary.report(minimumGroupSize: 1).groups.first)
        #expect(group.selectionRate.value == 1 && group.truePositiveRate == nil && group.accuracy == nil)
    }

    @Test func equalizedOddsRatioUsesTheDefinedComponent() throws {
        // No positives predicted anywhere → TPR ratio 0/0; FPR ratio still defined.
        let tpr = FairnessReport.Gap(between: [0, 0])
        let fpr = FairnessReport.Gap(between: [0.2, 0.4])
        let odds = try #require(FairnessReport.Gap(worstOf: tpr, fpr))
        #expect(tpr?.ratio == nil && odds.ratio == 0.5 && odds.difference == 0.2)
    }
}
