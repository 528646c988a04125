/// The two-sample Kolmogorov–Smirnov statistic D = sup |F_R − F_C| from fine histograms.
///
/// Source: Kolmogorov (1933), Smirnov (1948); compared with `scipy.stats.ks_2samp`.
/// Both empirical CDFs are known exactly at every fine edge (right-closed bins), so
/// D is evaluated there. Inside a bin both CDFs are monotone, so the supremum there
/// exceeds the larger edge value by at most min(reference mass, current mass) of that
/// bin — at most 1/B of the reference for equal-mass bins, and nothing for the bins of a
/// discrete reference (one per value, one per gap: F_R is flat inside each, so the
/// supremum is at an edge, and D is exact). The p-value is the
/// asymptotic one (`ks_2samp(method="asymp")`). O(B).
public enum KolmogorovSmirnovStatistic {
    /// D between aligned fine-bin proportion vectors (each summing to 1).
    public static func compute(reference: [Double], current: [Double]) -> Double {
        precondition(reference.count == current.count, "bins must be aligned")
        var referenceCDF = 0.0
        var currentCDF = 0.0
        var supremum = 0.0
        for (r, c) in zip(reference, current) {
            referenceCDF += r
            currentCDF += c
            supremum = max(supremum, abs(referenceCDF - currentCDF))
        }
        return min(supremum, 1)
    }

    /// D between `reference` and `current`'s fine bins, as ``compute(reference:current:)``
    /// gives it for `current.fineCounts.proportionsOfTotal()` (the same operations, each
    /// proportion divided out as it is needed rather than into an array first).
    static func compute(reference: [Double], current: NumericSummary) -> Double {
        precondition(reference.count == current.counts.count, "bins must be aligned")
        let total = current.binnedMass
        var referenceCDF = 0.0
        var currentCDF = 0.0
        var supremum = 0.0
        current.counts.withUnsafeBufferPointer { counts in
            reference.withUnsafeBufferPointer { reference in
                for bin in reference.indices {
                    referenceCDF += reference[bin]
                    currentCDF += Double(counts[bin]) / total
                    supremum = max(supremum, abs(referenceCDF - currentCDF))
                }
            }
        }
        return min(supremum, 1)
    }
}
