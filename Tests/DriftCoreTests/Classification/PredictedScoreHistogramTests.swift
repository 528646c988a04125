import Testing
@testable import DriftCore

@Suite struct PredictedScoreHistogramTests {
    @Test func histogramMergesAndRoundTrips() throws {
        let testCase = try #require(CBPEVectors.shared.cases.first { $0.name == "generated" })
        var merged = try testCase.window(testCase.chunks[0])
        try merged.merge(try testCase.window(testCase.chunks[1]))
        #expect(merged.scoredCount == UInt64(testCase.chunks[1].end))
        let blob = VersionedBlob.encode(merged, kind: "scores", version: 1)
        #expect(try VersionedBlob.decode(PredictedScoreHistogram.self, from: blob, kind: "scores", newestVersion: 1) == merged)
        #expect(throws: OutcomeSummaryError.self) { try merged.merge(try PredictedScoreHistogram(scoreBins: 10)) }
    }
    @Test func unusableScoresAreCountedNotRecorded() throws {
        var window = try PredictedScoreHistogram()
        window.record(predicted: true, score: nil)
        window.record(predicted: true, score: .nan)
        window.record(predicted: false, score: 1.5)
        window.record(predicted: false, score: 0.25)
        #expect(window.unscoredCount == 2 && window.clippedScoreCount == 1 && window.scoredCount == 2)
        #expect(window.negativeCounts[999] == 1 && window.negativeScoreSums[999] == 1, "1.5 clipped to 1, in the last bin")
        #expect(window.negativeCounts[250] == 1 && window.positiveCounts.allSatisfy { $0 == 0 })
    }

    @Test func decodingRejectsASumOutsideItsBin() throws {
        var window = try PredictedScoreHistogram(scoreBins: 4)
        window.record(predicted: true, score: 0.1)
        var writer = BinaryWriter()
        window.encode(to: &writer)
        var bytes = writer.bytes
        var reader = BinaryReader(bytes)
        #expect(try PredictedScoreHistogram(from: &reader) == window)
        // The positive sums follow the count and the four positive counts; make bin 0's sum 0.9.
        var tampered = BinaryWriter()
        tampered.writeCount(4)
        tampered.writeCounts([1, 0, 0, 0])
        tampered.write([0.9, 0, 0, 0])
        tampered.writeCounts([0, 0, 0, 0])
        tampered.write([0.0, 0, 0, 0])
        tampered.writeVarint(0)
        tampered.writeVarint(0)
        bytes = tampered.bytes
        reader = BinaryReader(bytes)
        #expect(throws: SerializationError.self) { try PredictedScoreHistogram(from: &reader) }
    }
}
