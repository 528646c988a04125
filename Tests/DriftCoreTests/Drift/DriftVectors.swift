@testable import DriftCore

/// Decoded `fixtures/vectors/drift_*.json` (written by Tests/ReferenceVectors/drift_vectors.py).
struct NumericVectorFile: Decodable {
    var cases: [NumericVectorCase]
}

struct NumericVectorCase: Decodable {
    var name: String
    /// Raw values; `nil` is a missing value. Absent when a recipe is given.
    var reference: [Double?]?
    var current: [Double?]?
    var reference_recipe: ValueRecipe?
    var current_recipe: ValueRecipe?
    var expected: Expected
    var check: Check?

    struct Expected: Decodable {
        var missing_rate: MissingRate
        var psi: Double?
        var js: Double?
        var hellinger: Double?
        var ks: KS?
        var wasserstein: Double?
        var mean_shift: Double?
        var std_ratio: Double?
        var coarse_edges: [Double]?
    }

    struct KS: Decodable {
        var statistic: Double
        var pvalue: Double
        var pvalue_bounds: [Double]
    }

    struct Check: Decodable {
        var first_reference_values: [Double]
    }

    var referenceValues: [Double?] { reference ?? reference_recipe!.values().map { $0 } }
    var currentValues: [Double?] { current ?? current_recipe!.values().map { $0 } }
}

struct MissingRate: Decodable {
    var reference: Double?
    var current: Double?
    var pvalue: Double
}

/// Data regenerated bit for bit from SplitMix64 uniforms with exact IEEE arithmetic
/// only, exactly as `recipe_values` in drift_vectors.py and exact_vectors.py.
struct ValueRecipe: Decodable {
    var kind: String
    var seed: UInt64
    var count: Int
    var scale: Double
    var shift: Double
    /// Every `every`-th value (from index 0) is `below − spread·u`; with `above`, the one
    /// after it is `above + spread·u`: values outside the reference's range.
    var outside: Outside?

    struct Outside: Decodable {
        var every: Int
        var below: Double
        var above: Double?
        var spread: Double
    }

    func values() -> [Double] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53
        }
        return (0..<count).map { index in
            // Products and sums in separate statements, as in Python (no fused multiply-add).
            if let outside, index % outside.every == 0 {
                let offset = outside.spread * uniform()
                return outside.below - offset
            }
            if let outside, let above = outside.above, index % outside.every == 1 {
                let offset = outside.spread * uniform()
                return above + offset
            }
            let base: Double
            switch kind {
            case "irwinhall":
                var total = 0.0
                for _ in 0..<12 { total += uniform() }
                base = total - 6.0
            case "uniform":
                base = uniform()
            case "pareto2":
                base = 1.0 / (1.0 - uniform()).squareRoot()
            case "cauchylike":
                let numerator = uniform() - 0.5
                base = numerator / (uniform() - 0.5)
            default:
                let numerator = uniform() - 0.5
                base = numerator / (1.0 - uniform())
            }
            let scaled = base * scale
            return scaled + shift
        }
    }
}

struct CategoricalVectorFile: Decodable {
    var cases: [CategoricalVectorCase]
}

struct CategoricalVectorCase: Decodable {
    var name: String
    var reference: [String?]
    var current: [String?]
    var expected: Expected

    struct Expected: Decodable {
        var missing_rate: MissingRate
        var psi: Double?
        var js: Double?
        var tvd: Double?
        var chi2: ChiSquare?
        var new_category_rate: Double?
    }

    struct ChiSquare: Decodable {
        var statistic: Double
        var dof: Int
        var pvalue: Double
    }
}

/// |actual − expected| ≤ tolerance·max(1, |expected|): relative for large values,
/// absolute near zero (where a relative bound is meaningless).
func isClose(_ actual: Double?, _ expected: Double?, tolerance: Double = 1e-9) -> Bool {
    switch (actual, expected) {
    case (nil, nil): return true
    case let (actual?, expected?): return abs(actual - expected) <= tolerance * max(1, abs(expected))
    default: return false
    }
}

/// Aligned proportion vectors with scipy/numpy distances (drift_binned.json).
struct BinnedVectorCase: Decodable {
    var reference: [Double]
    var current: [Double]
    var psi: Double
    var js: Double
    var hellinger: Double
    var tvd: Double
    var ks: Double

    static let all: [BinnedVectorCase] = {
        struct File: Decodable { var cases: [BinnedVectorCase] }
        return try! Fixtures.vectors("drift_binned", as: File.self).cases
    }()
}
