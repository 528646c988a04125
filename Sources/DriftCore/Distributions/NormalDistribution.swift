import RealModule

/// Standard normal distribution, via the complementary error function.
///
/// Source: the Cephes `ndtr` scheme (as in scipy.special.ndtr): Φ(x) = erfc(−x/√2)/2,
/// taking the erfc of a non-negative argument for the tail so both tails keep full
/// relative precision. Accuracy: limited by the rounding of x/√2, which the tail
/// amplifies by about x²: relative error < 2e-13 for |x| ≤ 37 (Φ(−37) ≈ 5.7e-300).
extension Distributions {
    /// Standard normal CDF Φ(x) and survival 1 − Φ(x) (accurate in both tails).
    @inlinable
    public static func normalCDF(_ x: Double) -> Double {
        let t = x * 0.70710678118654752440  // x/√2
        if abs(t) < 0.70710678118654752440 {
            // Near 0, erf is more accurate than 1 − erfc/2.
            return 0.5 + 0.5 * Double.erf(t)
        }
        let tail = 0.5 * Double.erfc(abs(t))
        return t > 0 ? 1 - tail : tail
    }

    /// Standard normal survival function 1 − Φ(x) = Φ(−x), accurate in the upper tail.
    @inlinable
    public static func normalSurvival(_ x: Double) -> Double {
        normalCDF(-x)
    }
}
