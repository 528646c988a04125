import Testing
@testable import DriftCore

@Suite struct PageHinkleyTests {
    static func detector(for testCase: DetectorVectors.Case) throws -> PageHinkley {
        let p = testCase.parameters
        let mode: PageHinkley.Mode = switch p.mode ?? "both" {
        case "up": .up
        case "down": .down
        default: .both
        }
        return try PageHinkley(
            minInstances: p.min_instances ?? 30, delta: p.delta ?? 0.005, threshold: p.threshold ?? 50,
            alpha: p.alpha ?? 1 - 0.0001, mode: mode)
    }

    @Test(arguments: DetectorVectors.cases(for: "pageHinkley"))
    func detectsWhereRiverDetects(_ testCase: DetectorVectors.Case) throws {
        var detector = try Self.detector(for: testCase)
        #expect(detector.detections(on: DetectorVectors.stream(of: testCase)).drifts == testCase.drifts)
    }

    @Test(arguments: DetectorVectors.cases(for: "pageHinkley"))
    func restoredDetectorContinuesIdentically(_ testCase: DetectorVectors.Case) throws {
        try expectRoundTripContinues(try Self.detector(for: testCase), on: testCase, kind: "page-hinkley")
    }

    @Test func invalidInputAndParameters() throws {
        var detector = try PageHinkley()
        detector.update(.nan)
        #expect(detector == (try PageHinkley()))
        #expect(throws: DetectorConfigurationError.self) { try PageHinkley(alpha: 0) }
        #expect(throws: DetectorConfigurationError.self) { try PageHinkley(threshold: .nan) }
        for value in [0.5, 1.5, -2] { detector.update(value) }
        expectDetectorTruncationsThrow(detector)
        var writer = BinaryWriter()
        detector.encode(to: &writer)
        var bytes = writer.bytes
        bytes[1 + 8 + 8 + 8] = 7  // the mode byte
        var reader = BinaryReader(bytes)
        #expect(throws: SerializationError.self) { _ = try PageHinkley(from: &reader) }
    }
}
