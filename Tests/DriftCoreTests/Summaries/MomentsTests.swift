import Testing
@testable import DriftCore

@Suite struct MomentsTests {
    static let values: [Double] = (0..<1001).map { index in
        let x = Double(index)
        return 1e6 + (x * 0.7548776662).truncatingRemainder(dividingBy: 1) * 10 - 5  // large offset: a naive Σx² would cancel
    }

    static func summarise(_ values: some Sequence<Double>) -> Moments {
        var moments = Moments()
        for value in values { moments.update(value) }
        return moments
    }

    @Test func matchesTwoPassComputation() throws {
        let moments = Self.summarise(Self.values)
        let mean = Self.values.reduce(0, +) / Double(Self.values.count)
        let variance = Self.values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(Self.values.count)
        #expect(moments.count == Self.values.count)
        #expect(abs(moments.mean - mean) <= 1e-12 * abs(mean))
        #expect(abs(try #require(moments.populationVariance) - variance) <= 1e-9 * variance)
        #expect(moments.minimum == Self.values.min() && moments.maximum == Self.values.max())
    }

    @Test(arguments: [0, 1, 500, 1000, 1001])
    func mergeOfSplitEqualsWhole(split: Int) {
        let whole = Self.summarise(Self.values)
        let merged = Self.summarise(Self.values[..<split]).merged(with: Self.summarise(Self.values[split...]))
        #expect(merged.count == whole.count)
        #expect(abs(merged.mean - whole.mean) <= 1e-12 * abs(whole.mean))
        #expect(abs(merged.sumOfSquaredDeviations - whole.sumOfSquaredDeviations) <= 1e-12 * whole.sumOfSquaredDeviations)
        #expect(merged.minimum == whole.minimum && merged.maximum == whole.maximum)
    }

    @Test func emptyHasNoVariance() {
        #expect(Moments().populationStandardDeviation == nil)
        #expect(Self.summarise([4.0]).populationStandardDeviation == 0)
    }

    @Test func binaryRoundTripAndRejection() throws {
        let moments = Self.summarise(Self.values)
        var writer = BinaryWriter()
        writer.write(moments)
        var reader = BinaryReader(writer.bytes)
        #expect(try reader.read(Moments.self) == moments)
        var corrupted = writer.bytes
        corrupted[corrupted.count - 1] ^= 0xFF  // maximum becomes NaN-or-garbage, or below the minimum
        var badReader = BinaryReader(corrupted)
        #expect(throws: SerializationError.self) { try badReader.read(Moments.self) }
    }
}
