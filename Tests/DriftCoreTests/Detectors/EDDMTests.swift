import Testing
@testable import DriftCore

@Suite struct EDDMTests {
    static func detector(for testCase: DetectorVectors.Case) throws -> EDDM {
        let p = testCase.parameters
        return try EDDM(warmStart: p.warm_start ?? 30, alpha: p.alpha ?? 0.95, beta: p.beta ?? 0.9)
    }

    @Test(arguments: DetectorVectors.cases(for: "eddm"))
    func detectsAndWarnsWhereRiverDoes(_ testCase: DetectorVectors.Case) throws {
        var eddm = try Self.detector(for: testCase)
        let found = eddm.detections(on: DetectorVectors.stream(of: testCase))
        #expect(found.drifts == testCase.drifts)
        #expect(found.warnings == testCase.warnings)
    }

    @Test(arguments: DetectorVectors.cases(for: "eddm"))
    func restoredDetectorContinuesIdentically(_ testCase: DetectorVectors.Case) throws {
        try expectRoundTripContinues(try Self.detector(for: testCase), on: testCase, kind: "eddm")
    }

    @Test func invalidInputAndParameters() throws {
        var eddm = try EDDM()
        eddm.update(.infinity)
        #expect(eddm == (try EDDM()))
        #expect(throws: DetectorConfigurationError.self) { try EDDM(alpha: 0.8, beta: 0.9) }
        #expect(throws: DetectorConfigurationError.self) { try EDDM(alpha: 1.5) }
        for bit in [0.0, 1, 0, 0, 1, 1, 0, 1] { eddm.update(bit) }
        expectDetectorTruncationsThrow(eddm)
    }
}
