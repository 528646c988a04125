import Testing
@testable import DriftCore

@Suite struct CalibratedClassProbabilitiesTests {
    static let vectors = MulticlassCBPEVectors.creditCard

    @Test func recordsExpectedCountsAndRankHistogramsAndRoundTrips() throws {
        let calibration = try Self.vectors.calibration()
        let window = try Self.vectors.window(Self.vectors.chunks[0].rows, calibration: calibration)
        let rows = UInt64(Self.vectors.chunks[0].end - Self.vectors.chunks[0].start)
        #expect(window.scoredCount == rows && window.unscoredCount == 0)
        // A row's calibrated probabilities add up to one: each predicted class's row of the
        // expected matrix sums to its rows; every class histogram holds every row.
        for predicted in 0..<3 {
            let sum = window.expected[predicted * 3 ..< predicted * 3 + 3].reduce(0, +)
            #expect(abs(sum - Double(window.predictedCounts[predicted])) <= 1e-6)
        }
        for classIndex in 0..<3 {
            #expect(window.rankCounts[classIndex * window.scoreBins ..< (classIndex + 1) * window.scoreBins].reduce(0, +) == rows)
        }
        let blob = VersionedBlob.encode(window, kind: "classes", version: 1)
        #expect(try VersionedBlob.decode(CalibratedClassProbabilities.self, from: blob, kind: "classes", newestVersion: 1) == window)
        var other = window
        #expect(throws: OutcomeSummaryError.self) { try other.merge(try CalibratedClassProbabilities(classCount: 3, scoreBins: 10)) }
        #expect(throws: OutcomeSummaryError.self) { try other.merge(try CalibratedClassProbabilities(classCount: 4)) }
        #expect(throws: OutcomeSummaryError.self) { try CalibratedClassProbabilities(classCount: 1) }
    }

    @Test func unusableRowsAreCountedNotRecorded() throws {
        let calibration = try Self.vectors.calibration()
        var window = try CalibratedClassProbabilities(classCount: 3)
        window.record(predicted: 0, probabilities: [0.5, 0.5], calibration: calibration)
        window.record(predicted: 0, probabilities: [0.5, .nan, 0.5], calibration: calibration)
        window.record(predicted: 3, probabilities: [0.2, 0.3, 0.5], calibration: calibration)
        window.record(predicted: -1, probabilities: [0.2, 0.3, 0.5], calibration: calibration)
        window.record(predicted: 2, probabilities: [0.2, 0.3, 0.5], calibration: calibration)
        #expect(window.unscoredCount == 4 && window.scoredCount == 1 && window.predictedCounts == [0, 0, 1])
    }

    @Test func decodingRejectsInconsistentCounts() throws {
        let calibration = try Self.vectors.calibration()
        var window = try CalibratedClassProbabilities(classCount: 2, scoreBins: 2)
        let twoClasses = try MulticlassCalibration(classCalibrations: Array(calibration.classCalibrations.prefix(2)))
        window.record(predicted: 1, probabilities: [0.3, 0.7], calibration: twoClasses)
        var writer = BinaryWriter()
        window.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        #expect(try CalibratedClassProbabilities(from: &reader) == window)
        // Expected counts for predicted class 1 that do not add up to its one row.
        var tampered = BinaryWriter()
        tampered.writeCount(2)
        tampered.writeCount(2)
        tampered.writeCounts([0, 1])
        tampered.write([0.0, 0, 0.9, 0.9])
        tampered.writeCounts(window.rankCounts)
        tampered.write(window.rankMass)
        tampered.writeVarint(0)
        reader = BinaryReader(tampered.bytes)
        #expect(throws: SerializationError.self) { try CalibratedClassProbabilities(from: &reader) }
    }
}
