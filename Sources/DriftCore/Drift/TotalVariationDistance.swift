/// Total variation distance: ½ Σ |c − r| over aligned categories, in [0, 1].
///
/// Source: the standard definition (e.g. Levin, Peres & Wilmer, "Markov Chains and
/// Mixing Times", §4.1); Evidently's `TVD` stattest. O(categories).
public enum TotalVariationDistance {
    /// Distance between aligned proportion vectors (each summing to 1).
    public static func compute(reference: [Double], current: [Double]) -> Double {
        precondition(reference.count == current.count, "categories must be aligned")
        var total = 0.0
        for (r, c) in zip(reference, current) { total += abs(c - r) }
        return total / 2
    }
}
