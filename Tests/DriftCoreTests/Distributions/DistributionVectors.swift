import Testing

/// `fixtures/vectors/distributions.json`, written by `Tests/ReferenceVectors/distributions_vectors.py`
/// from scipy 1.17.1. Grids are rows of numbers (inputs first, scipy's value last).
struct DistributionVectors: Decodable {
    struct KSTwoSample: Decodable {
        var n1: Int
        var n2: Int
        var statistic: Double
        /// nil where scipy returns NaN (1 vs 1 observation).
        var pValue: Double?
    }

    struct ChiSquareContingency: Decodable {
        var reference: [Double]
        var current: [Double]
        var statistic: Double
        var dof: Int
        var pValue: Double
    }

    struct ZTest: Decodable {
        var x1: Int
        var n1: Int
        var x2: Int
        var n2: Int
        var pValue: Double
    }

    var normal: [[Double]]
    var chiSquared: [[Double]]
    var kolmogorov: [[Double]]
    var kstwo: [[Double]]
    var ks2samp: [KSTwoSample]
    var chi2Contingency: [ChiSquareContingency]
    var zTest: [ZTest]

    static let shared: DistributionVectors = {
        do {
            return try Fixtures.vectors("distributions")
        } catch {
            fatalError("fixtures/vectors/distributions.json: \(error)")
        }
    }()
}

/// Relative error of `actual` against a reference value; values below `floor` in magnitude
/// are compared absolutely (relative error is meaningless once a value is at underflow level).
func relativeError(_ actual: Double, _ expected: Double, floor: Double = .leastNormalMagnitude) -> Double {
    if actual == expected { return 0 }
    return abs(actual - expected) / max(abs(expected), floor)
}

/// Records a failure naming the input when `actual` differs from `expected` by more than `tolerance` relative.
func expectClose(
    _ actual: Double, _ expected: Double, tolerance: Double, floor: Double = .leastNormalMagnitude,
    _ input: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = relativeError(actual, expected, floor: floor)
    #expect(error <= tolerance, "\(input()): got \(actual), scipy \(expected), relative error \(error)", sourceLocation: sourceLocation)
}
