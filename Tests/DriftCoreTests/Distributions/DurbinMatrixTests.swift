import Foundation
import Testing
@testable import DriftCore

@Suite struct DurbinMatrixTests {
    /// The Perron-term evaluation (n ≥ 500) against the exact matrix power, two independent
    /// computations of n!/nⁿ (Hⁿ)ₖₖ, across the Durbin region (z = d√n from 0.15 to n·d^1.5 = 1.4).
    /// Absolute comparison: what reaches the survival 1 − CDF is the CDF's absolute error.
    @Test(arguments: [500, 700, 1_000, 1_700, 3_000, 5_000, 7_000])
    func dominantEigenpairMatchesMatrixPower(n: Int) {
        let size = Double(n)
        let largestD = pow(1.4 / size, 2.0 / 3)
        for step in 0...12 {
            let d = 0.15 / size.squareRoot() + Double(step) / 12 * (largestD - 0.15 / size.squareRoot())
            let nd = size * d
            let k = Int(nd.rounded(.up))
            let matrix = DurbinMatrix.durbinMatrix(k: k, h: Double(k) - nd)
            let power = DurbinMatrix.matrixPowerCDF(matrix, n: n, k: k)
            let eigen = DurbinMatrix.dominantEigenCDF(matrix, n: n, k: k)
            #expect(abs(eigen - power) < 1e-12, "n = \(n), d = \(d): \(eigen) vs \(power)")
        }
    }

    /// For 1/2 < nd ≤ 1 the CDF has the closed form n!/nⁿ (2nd − 1)ⁿ (Ruben & Gambino, 1982).
    @Test func rubenGambinoRegion() {
        for (n, d) in [(3, 0.3), (5, 0.15), (10, 0.08), (40, 0.02)] {
            var expected = 1.0
            for i in 1...n { expected *= Double(i) / Double(n) * (2 * Double(n) * d - 1) }
            expectClose(DurbinMatrix.cdf(n, d), expected, tolerance: 1e-13, "n = \(n), d = \(d)")
        }
    }
}
