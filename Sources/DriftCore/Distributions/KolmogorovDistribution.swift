import RealModule

/// Limiting (n → ∞) distribution of √n·Dₙ, the two-sided Kolmogorov statistic.
///
/// Source: scipy.special.kolmogorov (xsf/cephes/kolmogorov.h, P. van Mulbregt,
/// "Computing the CDF and quantiles of the limit of the two-sided KS statistic",
/// arXiv:1803.00426). Two theta-function series, each unrolled to the few terms that reach
/// double precision: for x ≤ 0.82 the Jacobi-transformed CDF
/// √(2π)/x · Σ e^(−(2k−1)²π²/(8x²)), above it the survival 2 Σ (−1)^(k−1) e^(−2k²x²).
/// Accuracy: a few ulp in whichever of CDF/survival is the smaller. O(1).
extension Distributions {
    /// Limiting Kolmogorov distribution survival, as scipy.special.kolmogorov(x).
    ///
    /// x ≤ 0 gives 1, +∞ gives 0, NaN gives NaN.
    public static func kolmogorovSurvival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= cutover { return 1 - limitingKolmogorovSmallArgumentCDF(x) }
        // v = e^(−2x²);  P = 2v(1 − v³(1 − v⁵(1 − v⁷)))
        let v = Double.exp(-2 * x * x)
        let v3 = v * v * v
        var series = 1 - v3 * v3 * v
        series = 1 - v3 * v * v * series
        series = 1 - v3 * series
        return min(max(2 * v * series, 0), 1)
    }

    /// Where the two series of the limiting distribution swap (as in scipy).
    private static let cutover = 0.82

    /// CDF of the limiting distribution for x ≤ 0.82: u = e^(−π²/(8x²)),
    /// P = √(2π)/x · u · (1 + u⁸ + u²⁴ + u⁴⁸); exactly 0 below x ≈ 0.0406 (as scipy).
    static func limitingKolmogorovSmallArgumentCDF(_ x: Double) -> Double {
        if x <= 0.040611972203751713 { return 0 }  // π/√(8·746): every term underflows
        let w = (2 * Double.pi).squareRoot() / x
        let logU8 = -Double.pi * Double.pi / (x * x)
        let u = Double.exp(logU8 / 8)
        if u == 0 { return Double.exp(logU8 / 8 + Double.log(w)) }
        let u8 = Double.exp(logU8)
        var series = 1 + u8 * u8 * u8
        series = 1 + u8 * u8 * series
        series = 1 + u8 * series
        return min(max(w * u * series, 0), 1)
    }
}
