import RealModule

/// Jensen–Shannon *distance* (the square root of the divergence), natural logarithm.
///
/// Source: Lin (1991), "Divergence measures based on the Shannon entropy"; computed as
/// `scipy.spatial.distance.jensenshannon(p, q)`: with m = (p + q)/2,
/// √(½ Σ p·ln(p/m) + ½ Σ q·ln(q/m)), terms with a zero proportion contribute 0.
/// Bounded by √ln 2; no flooring. O(bins).
public enum JensenShannonDistance {
    /// Distance between aligned proportion vectors (each summing to 1).
    public static func compute(reference: [Double], current: [Double]) -> Double {
        precondition(reference.count == current.count, "bins must be aligned")
        var divergence = 0.0
        for (p, q) in zip(reference, current) {
            let middle = (p + q) / 2
            divergence += relativeEntropyTerm(p, middle) + relativeEntropyTerm(q, middle)
        }
        return max(0, divergence / 2).squareRoot()
    }

    /// `scipy.special.rel_entr` for x ≥ 0 and y ≥ x/2 > 0 (as here): x·ln(x/y), 0 at x = 0.
    private static func relativeEntropyTerm(_ x: Double, _ y: Double) -> Double {
        x > 0 ? x * Double.log(x / y) : 0
    }
}
