import Testing
@testable import DriftCore

@Suite struct NewcombeIntervalTests {
    private struct Vectors: Decodable {
        struct Case: Decodable {
            var challenger: [UInt64]
            var champion: [UInt64]
            var challengerWilson: [Double]
            var championWilson: [Double]
            var difference: Double
            var interval: [Double]
        }
        var alpha: Double
        var cases: [Case]
    }

    /// Every pair in fixtures/vectors/intervals.json (statsmodels, from
    /// Tests/ReferenceVectors/interval_vectors.py): both Wilson intervals and the difference's interval.
    @Test func matchesStatsmodels() throws {
        let vectors = try Fixtures.vectors("intervals", as: Vectors.self)
        #expect(vectors.alpha == 0.05 && vectors.cases.count > 40)
        for item in vectors.cases {
            let interval = try #require(NewcombeInterval(successes: item.challenger[0], trials: item.challenger[1],
                                                         minus: item.champion[0], trials: item.champion[1]))
            #expect(abs(interval.difference - item.difference) <= 1e-12)
            #expect(abs(interval.lower - item.interval[0]) <= 1e-12, "\(item.challenger) - \(item.champion)")
            #expect(abs(interval.upper - item.interval[1]) <= 1e-12, "\(item.challenger) - \(item.champion)")
            for (counts, expected) in [(item.challenger, item.challengerWilson), (item.champion, item.championWilson)] {
                let wilson = try #require(WilsonInterval(successes: counts[0], trials: counts[1]))
                #expect(abs(wilson.lower - max(0, expected[0])) <= 1e-12 && abs(wilson.upper - min(1, expected[1])) <= 1e-12)
            }
        }
    }

    @Test func paperExampleAndEdges() throws {
        // Newcombe (1998), table II, example (a): 56/70 − 48/80 → (0.0524, 0.3339).
        let example = try #require(NewcombeInterval(successes: 56, trials: 70, minus: 48, trials: 80))
        #expect(abs(example.lower - 0.0524) < 5e-5 && abs(example.upper - 0.3339) < 5e-5)
        #expect(NewcombeInterval(successes: 1, trials: 0, minus: 1, trials: 2) == nil)
        #expect(NewcombeInterval(successes: 1, trials: 2, minus: 3, trials: 2) == nil)
        let extreme = try #require(NewcombeInterval(successes: 0, trials: 1, minus: 1, trials: 1))
        #expect(extreme.difference == -1 && extreme.lower >= -1 && extreme.upper > -1)
    }
}
