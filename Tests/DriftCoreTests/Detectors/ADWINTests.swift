import Testing
@testable import DriftCore

@Suite struct ADWINTests {
    static func detector(for testCase: DetectorVectors.Case) throws -> ADWIN {
        let p = testCase.parameters
        return try ADWIN(
            delta: p.delta ?? 0.002, clock: p.clock ?? 32, maxBuckets: p.max_buckets ?? 5,
            minWindowLength: p.min_window_length ?? 5, gracePeriod: p.grace_period ?? 10)
    }

    @Test(arguments: DetectorVectors.cases(for: "adwin"))
    func detectsWhereRiverDetects(_ testCase: DetectorVectors.Case) throws {
        var adwin = try Self.detector(for: testCase)
        #expect(adwin.detections(on: DetectorVectors.stream(of: testCase)).drifts == testCase.drifts)
    }

    @Test(arguments: DetectorVectors.cases(for: "adwin"))
    func restoredDetectorContinuesIdentically(_ testCase: DetectorVectors.Case) throws {
        try expectRoundTripContinues(try Self.detector(for: testCase), on: testCase, kind: "adwin")
    }

    @Test func windowStatisticsMatchTheValuesSeen() throws {
        // clock so large that no cut is ever tested: the window holds every value.
        var adwin = try ADWIN(clock: 1_000_000)
        let values = (0..<200).map { Double($0 % 7) }
        for value in values { adwin.update(value) }
        let mean = values.reduce(0, +) / 200
        #expect(adwin.width == 200)
        #expect(adwin.total == values.reduce(0, +))
        #expect(abs(adwin.variance - values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)) < 1e-9)
        #expect(adwin.estimation == mean)
    }

    @Test func detectionShrinksWindowAndNextUpdateResets() throws {
        var adwin = try ADWIN(clock: 1)
        for _ in 0..<500 { adwin.update(0) }
        var detectedAt: Int?
        for index in 0..<500 {
            adwin.update(100)
            if adwin.driftDetected { detectedAt = index; break }
        }
        #expect(detectedAt != nil)
        #expect(adwin.width < 500)
        adwin.update(50)
        #expect(adwin.width == 1 && adwin.total == 50 && !adwin.driftDetected)
    }

    @Test func nonFiniteValuesAreIgnored() throws {
        var adwin = try ADWIN()
        for value in [1.0, .nan, 2.0, .infinity, -.infinity] { adwin.update(value) }
        #expect(adwin.width == 2 && adwin.total == 3)
    }

    @Test func invalidParametersAreRejected() {
        #expect(throws: DetectorConfigurationError.self) { try ADWIN(delta: 0) }
        #expect(throws: DetectorConfigurationError.self) { try ADWIN(clock: 0) }
        #expect(throws: DetectorConfigurationError.self) { try ADWIN(maxBuckets: 1) }
        #expect(throws: DetectorConfigurationError.self) { try ADWIN(minWindowLength: 0) }
        #expect(throws: DetectorConfigurationError.self) { try ADWIN(gracePeriod: -1) }
    }

    @Test func truncatedStateIsAnError() throws {
        var adwin = try ADWIN()
        for index in 0..<100 { adwin.update(Double(index % 5)) }
        expectDetectorTruncationsThrow(adwin)
    }

    @Test func inconsistentWidthIsAnError() throws {
        var adwin = try ADWIN()
        for index in 0..<40 { adwin.update(Double(index)) }
        var writer = BinaryWriter()
        adwin.encode(to: &writer)
        // The width follows delta, clock, maxBuckets, minWindowLength, gracePeriod, total, variance.
        var bytes = writer.bytes
        let widthOffset = 8 + 1 + 1 + 1 + 1 + 8 + 8
        withUnsafeBytes(of: (41.0).bitPattern.littleEndian) { bytes.replaceSubrange(widthOffset..<widthOffset + 8, with: $0) }
        var reader = BinaryReader(bytes)
        #expect(throws: SerializationError.self) { _ = try ADWIN(from: &reader) }
    }
}
