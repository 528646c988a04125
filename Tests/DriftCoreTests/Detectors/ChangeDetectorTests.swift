import Testing
@testable import DriftCore

/// The protocol's shared contract, checked on every detector.
@Suite struct ChangeDetectorTests {
    /// After an update that flags a drift, the next update starts from scratch: the
    /// detector then equals a fresh one fed only that value.
    func expectResetAfterDetection<Detector: ChangeDetector & Equatable>(_ fresh: Detector, kind: String) throws {
        let testCase = try #require(DetectorVectors.cases(for: kind).first { !$0.drifts.isEmpty })
        let values = DetectorVectors.stream(of: testCase)
        let firstDrift = testCase.drifts[0]
        var detector = fresh
        for value in values[...firstDrift] { detector.update(value) }
        #expect(detector.driftDetected)
        detector.update(values[firstDrift + 1])
        var restarted = fresh
        restarted.update(values[firstDrift + 1])
        #expect(detector == restarted)
    }

    @Test func everyDetectorResetsAfterADetection() throws {
        try expectResetAfterDetection(try ADWIN(), kind: "adwin")
        try expectResetAfterDetection(try DDM(), kind: "ddm")
        try expectResetAfterDetection(try EDDM(), kind: "eddm")
        try expectResetAfterDetection(try PageHinkley(), kind: "pageHinkley")
    }

    @Test func configurationErrorsNameTheParameter() {
        #expect(throws: DetectorConfigurationError(parameter: "clock", requirement: "at least 1")) { try ADWIN(clock: 0) }
        let error = DetectorConfigurationError(parameter: "beta", requirement: "in (0, alpha]")
        #expect(error.description == "invalid detector parameter beta: must be in (0, alpha]")
    }
}
