import RealModule

/// Population Stability Index between two binned distributions.
///
/// Source: Siddiqi (2006), "Credit Risk Scorecards", and Evidently's `psi` stattest:
/// PSI = Σ (c − r)·ln(c / r) over aligned bins of proportions, each proportion floored
/// at `floor` (1e-4) with no renormalisation, so an empty bin contributes a large but
/// finite term. O(bins).
public enum PopulationStabilityIndex {
    public static let defaultFloor = 1e-4

    /// PSI of aligned proportion vectors (each summing to 1).
    public static func compute(reference: [Double], current: [Double], floor: Double = defaultFloor) -> Double {
        precondition(reference.count == current.count, "bins must be aligned")
        var total = 0.0
        for (r, c) in zip(reference, current) {
            let flooredReference = max(r, floor)
            let flooredCurrent = max(c, floor)
            total += (flooredCurrent - flooredReference) * Double.log(flooredCurrent / flooredReference)
        }
        return total
    }
}
