import Testing
@testable import DriftCore

@Suite struct WilsonIntervalTests {
    /// Every interval stored with the fairness vectors (computed in Python from
    /// scipy's norm.ppf(0.975)) is reproduced from its successes and trials.
    @Test func matchesTheReferenceIntervals() throws {
        var checked = 0
        for testCase in FairnessVectors.shared.cases {
            for group in testCase.groups {
                let rate = group.selectionRate
                let interval = try #require(WilsonInterval(
                    successes: UInt64((rate.value * Double(group.count)).rounded()), trials: group.count))
                let expected = try #require(rate.interval)
                #expect(abs(interval.lower - max(0, expected[0])) <= 1e-12)
                #expect(abs(interval.upper - min(1, expected[1])) <= 1e-12)
                checked += 1
            }
        }
        #expect(checked > 10)
        #expect(WilsonInterval.z95 == FairnessVectors.shared.z)
    }

    @Test func knownValuesAndEdges() throws {
        // 0 of 10: lower bound 0, upper z²/(n + z²).
        let none = try #require(WilsonInterval(successes: 0, trials: 10))
        let z2 = WilsonInterval.z95 * WilsonInterval.z95
        #expect(none.lower == 0 && abs(none.upper - z2 / (10 + z2)) < 1e-12)
        let all = try #require(WilsonInterval(successes: 10, trials: 10))
        #expect(abs(all.lower - 10 / (10 + z2)) < 1e-12 && abs(all.upper - 1) < 1e-12 && all.upper <= 1)
        #expect(WilsonInterval(successes: 0, trials: 0) == nil)
        #expect(WilsonInterval(successes: 3, trials: 2) == nil)
        #expect(WilsonInterval(successes: 1, trials: 2, z: 0) == nil)
    }
}
