import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct StreamReferenceTests {
    /// A stream reference's outcomes serve as the baseline once covered, or once they hold
    /// as many labels as a window judged after the partial wait (the reference is older
    /// than any window compared with it, so its wait counts as passed).
    @Test func referencePerformanceSettlesByCoverageOrEnoughLabels() {
        var readiness = LabelReadiness()
        readiness.partialMinimumLabelled = 600
        var reference = ReferencePerformance(OutcomeShape(modelType: .binary, fairnessAttributes: []))
        #expect(!reference.isSettled(readiness))  // no predictions yet
        reference.predictions = 1000
        reference.resolved = 599
        #expect(!reference.isSettled(readiness))  // 60 %, too few labels
        reference.resolved = 600
        #expect(reference.isSettled(readiness))  // enough labels below coverage
        readiness.partialMinimumLabelled = 5000
        #expect(!reference.isSettled(readiness))
        reference.resolved = 800
        #expect(reference.isSettled(readiness))  // covered
    }
}
