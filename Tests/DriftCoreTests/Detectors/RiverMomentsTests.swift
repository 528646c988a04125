import Testing
@testable import DriftCore

@Suite struct RiverMomentsTests {
    @Test func meanAndSampleVarianceMatchTwoPassFormulas() {
        let values = (0..<1000).map { index in 1e6 + Double((index * 7919) % 113) / 7 }
        var variance = RiverVariance()
        for value in values { variance.update(value) }
        let mean = values.reduce(0, +) / Double(values.count)
        let twoPass = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        #expect(variance.moments.count == 1000)
        #expect(abs(variance.moments.mean - mean) <= 1e-9)
        #expect(abs(variance.sampleVariance - twoPass) <= 1e-9 * twoPass)
    }

    @Test func varianceIsZeroUntilTwoValues() {
        var variance = RiverVariance()
        #expect(variance.sampleVariance == 0)
        variance.update(3)
        #expect(variance.sampleVariance == 0 && variance.moments.mean == 3)
        variance.update(5)
        #expect(variance.sampleVariance == 2)
    }
}
