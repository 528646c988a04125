import Testing
import TestConcurrency
@testable import DriftCore

/// `fixtures/vectors/drift_exact.json` (Tests/ReferenceVectors/exact_vectors.py): discrete
/// data as value/count pairs, continuous, heavy-tailed and out-of-range data as
/// recipes, with references of 1,000 to 1,000,000 rows and scipy's statistics.
struct ExactVectorFile: Decodable {
    var cases: [ExactVectorCase]
}

struct ExactVectorCase: Decodable {
    var name: String
    var reference_counts: ValueCounts?
    var current_counts: ValueCounts?
    var reference_recipe: ValueRecipe?
    var current_recipe: ValueRecipe?
    /// At most 1,000 distinct reference values, each seen twice on average: exact value counts.
    var exact: Bool
    var expected: Expected
    var check: Check?

    struct ValueCounts: Decodable {
        var values: [Double]
        var counts: [Int]

        /// Every value `count` times, in an order shuffled by a fixed SplitMix64 seed (the
        /// sketch, used beyond 1,000 distinct values, depends on the order).
        func expanded() -> [Double] {
            var values = zip(self.values, counts).flatMap { Array(repeating: $0, count: $1) }
            var state: UInt64 = 42
            for index in values.indices.reversed() where index > 0 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                values.swapAt(index, Int(z % UInt64(index + 1)))
            }
            return values
        }
    }

    struct Expected: Decodable {
        var psi: Double
        var js: Double
        var hellinger: Double
        var ks: NumericVectorCase.KS
        var wasserstein: Double
        var coarse_edges: [Double]
        var reference_distinct: Int
        var reference_rows: Int
    }

    struct Check: Decodable {
        var first_reference_values: [Double]?
        var first_current_values: [Double]
    }

    var referenceValues: [Double] { reference_counts?.expanded() ?? reference_recipe!.values() }
    var currentValues: [Double] { current_counts?.expanded() ?? current_recipe!.values() }
    /// Each gap between two reference values holds at most one distinct current value, so
    /// the Wasserstein distance is exact (values outside the range are in the outer bins).
    var oneCurrentValuePerGap: Bool {
        guard let reference = reference_counts?.values.sorted(), let current = current_counts else { return false }
        var gaps = Set<Int>()
        for value in current.values where !reference.contains(value) {
            let gap = reference.firstIndex { $0 > value } ?? reference.count
            if gap > 0, gap < reference.count, !gaps.insert(gap).inserted { return false }
        }
        return true
    }
}

@Suite struct NumericDriftExactTests {
    static let file: ExactVectorFile = try! Fixtures.vectors("drift_exact")

    static func drift(_ testCase: ExactVectorCase) throws -> (NumericDriftResult, NumericReference) {
        var builder = try ReferenceProfileBuilder(kinds: ["x": .numeric])
        for value in testCase.referenceValues { builder.add(.number(value), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else { throw SummaryError.incompatibleBinning }
        // Three panes merged into a window, as the monitor evaluates (tails merge too).
        let values = testCase.currentValues
        var panes = (0..<3).map { _ in reference.makeSummary() }
        for (index, value) in values.enumerated() { panes[index * 3 / values.count].update(value) }
        var current = reference.makeSummary()
        for pane in panes { try current.merge(pane) }
        return (try NumericDriftResult(reference: reference, current: current), reference)
    }

    /// Every case's ``drift(_:)``, computed once, two at a time (references of up to a
    /// million rows: most of the suite's time in a debug build).
    static let drifts: [String: Result<(NumericDriftResult, NumericReference), Error>] = {
        let cases = file.cases
        let computed = concurrentMap(count: cases.count) { index in Result { try drift(cases[index]) } }
        return Dictionary(uniqueKeysWithValues: zip(cases.map(\.name), computed))
    }()

    @Test(arguments: file.cases.map(\.name))
    func matchesScipy(_ name: String) throws {
        let testCase = Self.file.cases.first { $0.name == name }!
        if let check = testCase.check {
            if let first = check.first_reference_values {
                #expect(Array(testCase.reference_recipe!.values().prefix(3)) == first, "generator must match Python bit for bit")
            }
            #expect(Array(testCase.current_recipe!.values().prefix(3)) == check.first_current_values, "generator must match Python bit for bit")
        }
        let (result, reference) = try #require(Self.drifts[name]).get()
        let expected = testCase.expected
        let ks = try #require(result.ks)
        if testCase.exact {
            // Exact value counts: the statistics of the raw data, to rounding.
            #expect(reference.isExact, "\(name): ≤ 1,000 distinct values must give an exact profile")
            let coarse = reference.binning.coarseEdgeIndices.map { reference.binning.fineEdges[$0] }
            #expect(coarse == expected.coarse_edges, "\(name) coarse edges \(coarse) vs numpy \(expected.coarse_edges)")
            #expect(isClose(result.psi, expected.psi), "\(name) psi \(result.psi!) vs \(expected.psi)")
            #expect(isClose(result.js, expected.js), "\(name) js \(result.js!) vs \(expected.js)")
            #expect(isClose(result.hellinger, expected.hellinger), "\(name) hellinger \(result.hellinger!) vs \(expected.hellinger)")
            #expect(isClose(ks.statistic, expected.ks.statistic), "\(name) ks \(ks.statistic) vs \(expected.ks.statistic)")
            #expect(isClose(ks.pvalue, expected.ks.pvalue, tolerance: 1e-6) || abs(ks.pvalue - expected.ks.pvalue) < 1e-300,
                    "\(name) ks p \(ks.pvalue) vs \(expected.ks.pvalue)")
            // Wasserstein is exact unless a gap between two reference values holds
            // several distinct current values (then within the binned target).
            let exactWasserstein = testCase.oneCurrentValuePerGap
            #expect(NumericDriftTests.within(result.wasserstein, expected.wasserstein, absolute: exactWasserstein ? 1e-9 : 0.002,
                                             relative: exactWasserstein ? 1e-9 : 0.02),
                    "\(name) wasserstein \(result.wasserstein!) vs \(expected.wasserstein)")
        } else {
            // The sketch: the documented targets.
            #expect(reference.isExact == (testCase.expected.reference_rows < 4096), "\(name): the sketch compacts at 4,096 values")
            #expect(NumericDriftTests.within(result.psi, expected.psi, absolute: 0.005, relative: 0.02), "\(name) psi \(result.psi!) vs \(expected.psi)")
            #expect(NumericDriftTests.within(result.js, expected.js, absolute: 0.003), "\(name) js \(result.js!) vs \(expected.js)")
            #expect(NumericDriftTests.within(result.hellinger, expected.hellinger, absolute: 0.003), "\(name) hellinger \(result.hellinger!) vs \(expected.hellinger)")
            #expect(NumericDriftTests.within(ks.statistic, expected.ks.statistic, absolute: 0.003), "\(name) ks \(ks.statistic) vs \(expected.ks.statistic)")
            let bounds = expected.ks.pvalue_bounds
            #expect(ks.pvalue >= bounds[0] * (1 - 1e-9) && ks.pvalue <= bounds[1] * (1 + 1e-9), "\(name) ks p \(ks.pvalue) outside \(bounds)")
            #expect(NumericDriftTests.within(result.wasserstein, expected.wasserstein, absolute: 0.002, relative: 0.02),
                    "\(name) wasserstein \(result.wasserstein!) vs \(expected.wasserstein)")
        }
    }
}
