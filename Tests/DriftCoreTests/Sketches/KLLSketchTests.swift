import Testing
@testable import DriftCore

@Suite struct KLLSketchTests {
    /// Seeded SplitMix64 values in [0, 1).
    static func uniforms(count: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
    }

    @Test func exactUntilTheFirstCompaction() throws {
        let values = Self.uniforms(count: 4000, seed: 3).map { ($0 * 20).rounded() }  // many ties
        var sketch = KLLSketch(k: 4096)
        for value in values { sketch.update(value) }
        #expect(sketch.isExact)
        let view = sketch.sortedView()
        let sorted = values.sorted()
        for q in stride(from: 0.0, through: 1.0, by: 0.01) {
            #expect(view.quantile(q) == LinearQuantile.quantile(sorted: sorted, q))
        }
        for probe in [-1.0, 0, 3, 3.5, 20, 21] {
            #expect(view.weight(atOrBelow: probe) == Double(sorted.filter { $0 <= probe }.count))
        }
        sketch.update(.nan)
        #expect(sketch.count == 4000)
    }

    /// The documented bound (DataSketches' 99 %-confidence normalised rank error) holds
    /// for the worst of 999 rank queries on a million values, and memory stays O(k).
    @Test(arguments: [200, 4096])
    func rankErrorWithinDocumentedBound(k: Int) {
        let values = Self.uniforms(count: 1_000_000, seed: 42).map { $0 * $0 * 100 }  // skewed
        var sketch = KLLSketch(k: k, seed: 7)
        for value in values { sketch.update(value) }
        #expect(!sketch.isExact)
        #expect(sketch.count == values.count)
        #expect(sketch.retainedCount <= 4 * k)
        let sorted = values.sorted()
        let view = sketch.sortedView()
        #expect(view.totalWeight == Double(values.count))
        var worst = 0.0
        for j in 1..<1000 {
            let probe = sorted[j * sorted.count / 1000]
            let trueRank = Double(upperBound(sorted, probe)) / Double(sorted.count)
            worst = max(worst, abs(view.rank(of: probe) - trueRank))
        }
        #expect(worst <= KLLSketch.normalizedRankErrorBound(k: k), "worst rank error \(worst)")
        #expect(worst > 0)
        #expect(sketch.minimum == sorted.first && sketch.maximum == sorted.last)
    }

    func upperBound(_ sorted: [Double], _ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @Test func boundIsDataSketchesFormula() {
        #expect(abs(KLLSketch.normalizedRankErrorBound(k: 200) - 0.013_27) < 0.000_1)
    }
}
