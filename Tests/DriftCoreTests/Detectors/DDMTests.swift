import Testing
@testable import DriftCore

@Suite struct DDMTests {
    static func detector(for testCase: DetectorVectors.Case) throws -> DDM {
        let p = testCase.parameters
        return try DDM(
            warmStart: p.warm_start ?? 30, warningThreshold: p.warning_threshold ?? 2, driftThreshold: p.drift_threshold ?? 3)
    }

    @Test(arguments: DetectorVectors.cases(for: "ddm"))
    func detectsAndWarnsWhereRiverDoes(_ testCase: DetectorVectors.Case) throws {
        var ddm = try Self.detector(for: testCase)
        let found = ddm.detections(on: DetectorVectors.stream(of: testCase))
        #expect(found.drifts == testCase.drifts)
        #expect(found.warnings == testCase.warnings)
    }

    @Test(arguments: DetectorVectors.cases(for: "ddm"))
    func restoredDetectorContinuesIdentically(_ testCase: DetectorVectors.Case) throws {
        try expectRoundTripContinues(try Self.detector(for: testCase), on: testCase, kind: "ddm")
    }

    @Test func silentDuringWarmStart() throws {
        var ddm = try DDM(warmStart: 30)
        // Thirty errors after a perfect start would be a drift, but all fall in the warm start.
        let found = ddm.detections(on: Array(repeating: 0, count: 10) + Array(repeating: 1, count: 20))
        #expect(found == DetectorDetections())
    }

    @Test func invalidInputAndParameters() throws {
        var ddm = try DDM()
        ddm.update(.nan)
        #expect(ddm == (try DDM()))
        #expect(throws: DetectorConfigurationError.self) { try DDM(warmStart: -1) }
        #expect(throws: DetectorConfigurationError.self) { try DDM(driftThreshold: .infinity) }
        expectDetectorTruncationsThrow(ddm)
    }
}
