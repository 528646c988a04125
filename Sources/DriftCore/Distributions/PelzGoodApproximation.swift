import RealModule

/// Pelz–Good approximation of the two-sided KS CDF P(Dₙ ≤ x).
///
/// Source: W. Pelz and I. J. Good, "Approximating the lower tail-areas of the Kolmogorov–Smirnov
/// one-sample statistic", JRSS B 38(2), 1976: the Li-Chien/Korolyuk expansion
/// K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^(3/2), z = x√n, rewritten with Jacobi's theta
/// transformation so it converges fast for small z. Ported from scipy's `_kolmogn_PelzGood`
/// (scipy/stats/_ksstats.py), with the same number of terms, so it reproduces scipy's value.
/// Accuracy as an approximation: Simard & L'Ecuyer (2011) report ~5 digits for n > 140; it is
/// used where their strategy (and scipy) uses it. O(z) terms.
enum PelzGoodApproximation {
    static func cdf(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let size = Double(n)
        let z = size.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2

        let qLog = -pi2 / 8 / z2
        if qLog < -708 { return 0 }
        let q = Double.exp(qLog)

        let k1a = -z2
        let k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4

        // Horner scheme over odd m = 2k − 1 of Σ c_k q^(m²).
        var k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        for k in stride(from: maxK, through: 1, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let qPower = Double.pow(q, Double(8 * k))
            k0 = k0 * qPower + 1
            k1 = k1 * qPower + (k1a + k1b * m2)
            k2 = k2 * qPower + (k2a + k2b * m2 + k2c * m4)
            k3 = k3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
        }
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        k0 = k0 * q * sqrt2Pi / z
        k1 = k1 * q * sqrt2Pi / (6 * z4)
        k2 = k2 * q * sqrt2Pi / (72 * z4 * z3)
        k3 = k3 * q * sqrt2Pi / (6480 * z6 * z4)

        // The terms of K₂ and K₃ summed over all integers k.
        let qAll = Double.exp(-pi2 / 2 / z2)
        let sqrt3z = 3.0.squareRoot() * z
        var k2Extra = 0.0, k3Extra = 0.0
        for k in stride(from: maxK, through: 1, by: -1) {
            let kk = Double(k)
            let k2Weight = kk * kk * Double.pow(qAll, kk * kk)
            k2Extra += k2Weight
            let kPi = Double.pi * kk
            k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2Weight
        }
        k2 += k2Extra * pi2 * sqrt2Pi / (-36 * z3)
        k3 += k3Extra * pi2 * sqrt2Pi / (216 * z6)

        let rootN = size.squareRoot()
        return k0 + k1 / rootN + k2 / size + k3 / (size * rootN)
    }
}
