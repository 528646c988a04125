import DriftCore
import Foundation

/// Cost of the distribution functions and tests, one representative input per algorithm/regime
/// (these run once per window evaluation, so the worst regime matters more than the average).
enum DistributionsBenchmarks {
    static func all() -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        func measure(_ name: String, repetitions: Int, _ body: () -> Double) {
            results.append(Bench.measure(name, operations: repetitions) {
                var sink = 0.0
                for _ in 0..<repetitions { sink += body() }
                blackHole(sink)
            })
        }
        // Vary the input slightly per call so nothing is hoisted out of the loop.
        var jitter = 0.0
        func next(_ base: Double) -> Double {
            jitter = jitter >= 1e-9 ? 0 : jitter + 1e-12
            return base + jitter
        }

        measure("normalSurvival(x = 4.2)", repetitions: 1_000_000) { Distributions.normalSurvival(next(4.2)) }
        measure("chiSquaredSurvival(dof 3, body)", repetitions: 200_000) { Distributions.chiSquaredSurvival(next(4.1), degreesOfFreedom: 3) }
        measure("chiSquaredSurvival(dof 1000, p ~ 1e-100)", repetitions: 20_000) { Distributions.chiSquaredSurvival(next(2_100), degreesOfFreedom: 1_000) }
        let reference = (0..<50).map { Double(100 + 7 * $0) }
        let current = (0..<50).map { Double(103 + 7 * $0 + $0 % 3) }
        measure("chiSquareHomogeneity(k = 50)", repetitions: 100_000) {
            HypothesisTests.chiSquareHomogeneity(reference: reference, current: current).pValue
        }
        measure("twoProportionZTest", repetitions: 1_000_000) {
            HypothesisTests.twoProportionZTest(successes1: 1_234, trials1: 10_000, successes2: 1_301, trials2: 10_000)
        }
        measure("kolmogorovSurvival(x = 1.1)", repetitions: 1_000_000) { Distributions.kolmogorovSurvival(next(1.1)) }

        let kstwoCases: [(String, Int, Double, Int)] = [
            ("n=100 Durbin matrix (nd²≤0.75)", 100, 0.08, 20_000),
            ("n=100 Pomeranz (nd²≤4)", 100, 0.15, 2_000),
            ("n=140 Smirnov sum (tail)", 140, 0.3, 20_000),
            ("n=600 Smirnov sum (nd²=2.21)", 600, 0.0607, 2_000),
            ("n=1000 Smirnov window (nd²=2.21)", 1_000, 0.047, 2_000),
            ("n=2000 Smirnov window (nd²=2.21)", 2_000, 0.03325, 2_000),
            ("n=3000 Smirnov integr. (nd²=2.21)", 3_000, 0.02714, 2_000),
            ("n=499 Durbin power (worst, m=19)", 499, 0.019797, 2_000),
            ("n=7000 Durbin Perron (worst, m=47)", 7_000, 0.00341, 2_000),
            ("n=1e4 Pelz-Good (body)", 10_000, 0.012, 200_000),
            ("n=1e5 Smirnov integral (p~1e-6)", 100_000, 0.0122, 20_000),
            ("n=1e6 Smirnov integral (p~1e-100)", 1_000_000, 0.0152, 20_000),
            ("n=1e7 tail approximation", 10_000_000, 0.0008, 1_000_000),
        ]
        for (label, n, d, repetitions) in kstwoCases {
            measure("kstwo sf \(label)", repetitions: repetitions) {
                Distributions.kolmogorovSmirnovSurvival(next(d), sampleSize: n)
            }
        }
        results.append(slowestKolmogorovSmirnovSurvival(sizesFrom: 1))
        results.append(slowestKolmogorovSmirnovSurvival(sizesFrom: 141))
        measure("ks2samp p-value 1e5 vs 1e5 (d=0.005)", repetitions: 100_000) {
            HypothesisTests.kolmogorovSmirnovTwoSamplePValue(statistic: next(0.005), referenceCount: 100_000, currentCount: 100_000)
        }
        return results
    }

    /// The slowest kstwo survival over a grid of n (from `smallest` to 10⁷, log-spaced) × d
    /// (√n·d from 0.05 to 20, plus d ≥ 0.5), each timed as the best of 3 runs of 3 calls.
    static func slowestKolmogorovSmirnovSurvival(sizesFrom smallest: Double) -> BenchmarkResult {
        var slowest = BenchmarkResult(name: "kstwo sf slowest on grid, n ≥ \(Int(smallest))", operations: 1, nanosecondsPerOperation: 0)
        var n = smallest
        while n <= 1e7 {
            let size = Int(n.rounded())
            var ds = (0...80).map { Foundation.pow(400, Double($0) / 80) * 0.05 / Double(size).squareRoot() }
            ds += [0.5, 0.6, 0.8, 0.95]
            for d in ds where d < 1 {
                let result = Bench.measure("", operations: 3, runs: 3) {
                    for _ in 0..<3 { blackHole(Distributions.kolmogorovSmirnovSurvival(d, sampleSize: size)) }
                }
                if result.nanosecondsPerOperation > slowest.nanosecondsPerOperation {
                    slowest.nanosecondsPerOperation = result.nanosecondsPerOperation
                    slowest.note = "at n = \(size), d = \(d)"
                }
            }
            n *= 1.25
        }
        return slowest
    }
}
