import Testing
@testable import DriftCore

@Suite struct WassersteinDistanceTests {
    /// W₁ of two samples by direct integration of |F_R − F_C| over the merged sample.
    static func bruteForce(_ reference: [Double], _ current: [Double]) -> Double {
        let r = reference.sorted()
        let c = current.sorted()
        let points = (r + c).sorted()
        var i = 0
        var j = 0
        var total = 0.0
        for (left, right) in zip(points, points.dropFirst()) {
            while i < r.count, r[i] <= left { i += 1 }
            while j < c.count, c[j] <= left { j += 1 }
            total += (right - left) * abs(Double(i) / Double(r.count) - Double(j) / Double(c.count))
        }
        return total
    }

    static func summaries(_ reference: [Double], _ current: [Double], fineBins: Int = 100) throws -> (NumericSummary, NumericSummary) {
        var builder = try ReferenceProfileBuilder(configuration: ProfileConfiguration(fineBinCount: fineBins), kinds: ["x": .numeric])
        for value in reference { builder.add(.number(value), to: "x") }
        guard case let .numeric(profile) = builder.finish().features["x"] else { throw SummaryError.incompatibleBinning }
        var summary = profile.makeSummary()
        for value in current { summary.update(value) }
        return (profile.summary, summary)
    }

    @Test func disjointSamplesAreExact() throws {
        let reference = (0..<100).map(Double.init)
        let (r, c) = try Self.summaries(reference, reference.map { $0 + 1000 })
        #expect(isClose(WassersteinDistance.compute(reference: r, current: c), 1000, tolerance: 1e-12))
    }

    /// Heavy tails cross back and forth beyond the outer edges; kept tail values make
    /// those bins exact, so the total stays within the contract's 2 %.
    @Test(arguments: [UInt64(1), 2, 3])
    func heavyTailsMatchDirectIntegration(seed: UInt64) throws {
        var state = seed
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        let reference = (0..<3000).map { _ in (uniform() - 0.5) / (1.0 - uniform()) }
        let current = (0..<2000).map { _ in (uniform() - 0.5) / (1.0 - uniform()) + 0.2 }
        let (r, c) = try Self.summaries(reference, current, fineBins: 1000)
        let expected = Self.bruteForce(reference, current)
        let value = try #require(WassersteinDistance.compute(reference: r, current: c))
        #expect(abs(value - expected) <= 0.02 * expected, "\(value) vs \(expected)")
    }

    @Test func emptySideGivesNil() throws {
        let (r, _) = try Self.summaries([1, 2, 3], [])
        #expect(WassersteinDistance.compute(reference: r, current: NumericSummary(binning: r.binning)) == nil)
    }
}
