import Testing
@testable import DriftCore

@Suite struct ROCAUCTests {
    @Test(arguments: ClassificationVectors.shared.cases)
    func histogramAUCIsWithinTwoThousandthsOfScikitLearn(_ testCase: ClassificationVectors.Case) throws {
        let summary = try testCase.summary()
        guard let exact = testCase.expected.rocAUC else {
            #expect(summary.rocAUC == nil)
            return
        }
        #expect(abs(try #require(summary.rocAUC) - exact) <= 0.002)
    }

    @Test func tiesWithinABinCountHalf() throws {
        var summary = try BinaryOutcomeSummary(scoreBins: 4)
        // Positive at 0.9 beats both negatives; positive at 0.3 ties the negative at 0.3.
        summary.record(label: true, predicted: true, score: 0.9)
        summary.record(label: true, predicted: false, score: 0.3)
        summary.record(label: false, predicted: false, score: 0.3)
        summary.record(label: false, predicted: false, score: 0.1)
        // Bins of width 0.25: 0.1 and 0.3 share no bin, so pairs: (0.9,*) 2, (0.3,0.3) ½, (0.3,0.1) 1.
        #expect(summary.rocAUC == 3.5 / 4)
    }

    @Test func noHistogramMeansNoAUC() throws {
        var summary = try BinaryOutcomeSummary(scoreBins: 0)
        summary.record(label: true, predicted: true, score: 0.9)
        summary.record(label: false, predicted: false, score: 0.1)
        #expect(summary.rocAUC == nil)
        #expect(summary.brierScore != nil)
    }
}
