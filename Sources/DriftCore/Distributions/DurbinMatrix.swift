import RealModule

/// Exact two-sided KS CDF P(Dₙ ≤ d) by Durbin's matrix method.
///
/// Source: J. Durbin (1968), "The probability that the sample distribution function lies between
/// two parallel straight lines", Ann. Math. Statist. 39; evaluated as in G. Marsaglia, W. W. Tsang,
/// J. Wang (2003), "Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18): with
/// nd = k − h, P = n!/nⁿ · (Hⁿ)ₖₖ for an m×m non-negative matrix H, m = 2k − 1. Matrix built as
/// scipy's `_kolmogn_DMTW` (scipy/stats/_ksstats.py). Two evaluations of (Hⁿ)ₖₖ:
/// - n < 500: repeated squaring with power-of-two rescaling (as scipy, but only row k of the
///   product is carried): exact up to rounding, O(m³ log n);
/// - n ≥ 500: the Perron term λⁿ uₖwₖ/(w·u) alone. The other eigenvalues' share of (Hⁿ)ₖₖ
///   falls like e^(−c/z²) (z = d√n); from full eigendecompositions (numpy) on a fine grid of the
///   Durbin region (z ≥ 0.15, n·d^1.5 ≤ 1.4) their part of the CDF is < 5e-13 absolute from
///   n = 500 (< 2e-14 from n = 700), far below what the survival 1 − CDF can show. λ and u come
///   from shifted inverse iteration with the Collatz–Wielandt upper bound as shift (quadratic
///   convergence, ~5 solves). H is lower Hessenberg and persymmetric (JHJ = Hᵀ), so each solve
///   is an O(m²) upper-Hessenberg elimination on σI − Hᵀ, and w is u reversed.
///   Agrees with the matrix power to < 1e-12 in the CDF (tests).
/// O(m²) memory. Used for small nd.
enum DurbinMatrix {
    private static let rescaleExponent = 128
    private static let rescaleUp = Double(sign: .plus, exponent: 128, significand: 1)
    private static let rescaleDown = Double(sign: .plus, exponent: -128, significand: 1)
    /// From here on the Perron term alone is exact to double precision (see above).
    static let smallestDominantEigenSize = 500

    static func cdf(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let matrix = durbinMatrix(k: k, h: Double(k) - nd)
        return n >= smallestDominantEigenSize
            ? dominantEigenCDF(matrix, n: n, k: k)
            : matrixPowerCDF(matrix, n: n, k: k)
    }

    /// Durbin's H: Toeplitz 1/j! below the superdiagonal, first column v, last row v reversed.
    static func durbinMatrix(k: Int, h: Double) -> SquareMatrix {
        let m = 2 * k - 1
        // v[j] = (1 − h^(j+1))/(j+1)!, except the last; w[j] = 1/j!.
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] = (1 - Double.pow(h, Double(j))) * factorial
        }
        let correction = Double.pow(max(2 * h - 1, 0), Double(m)) - 2 * Double.pow(h, Double(m))
        v[m - 1] = (1 + correction) * factorial

        var matrix = SquareMatrix(size: m)
        for column in 1..<m {
            for row in (column - 1)..<m { matrix[row, column] = w[row - column + 1] }
        }
        for row in 0..<m { matrix[row, 0] = v[row] }
        for column in 0..<m { matrix[m - 1, column] = v[m - 1 - column] }
        return matrix
    }

    /// n!/nⁿ · (Hⁿ)ₖₖ by repeated squaring.
    static func matrixPowerCDF(_ matrix: SquareMatrix, n: Int, k: Int) -> Double {
        let m = matrix.size
        var base = matrix
        // Row k of Hⁿ: e_k · Π H^(2^j) over the set bits j of n (powers of H commute), so only
        // the ⌊log₂ n⌋ squarings cost O(m³). Both factors carry power-of-two scales.
        var row = [Double](repeating: 0, count: m)
        row[k - 1] = 1
        var product = [Double](repeating: 0, count: m)
        var scratch = SquareMatrix(size: m)
        var exponent = 0  // row = true row · 2^(−exponent)
        var baseExponent = 0  // base = true power · 2^(−baseExponent)
        var remaining = n
        while true {
            if remaining % 2 == 1 {
                base.multiply(row: row, into: &product)
                swap(&row, &product)
                exponent += baseExponent
                let largest = row.reduce(0) { max($0, abs($1)) }
                if largest > rescaleUp {
                    for i in row.indices { row[i] *= rescaleDown }
                    exponent += rescaleExponent
                } else if largest > 0, largest < rescaleDown {
                    for i in row.indices { row[i] *= rescaleUp }
                    exponent -= rescaleExponent
                }
            }
            remaining /= 2
            guard remaining > 0 else { break }
            base.squarePersymmetric(into: &scratch)
            swap(&base, &scratch)
            baseExponent *= 2
            if abs(base[k - 1, k - 1]) > rescaleUp {
                base.scale(by: rescaleDown)
                baseExponent += rescaleExponent
            }
        }

        // Multiply by n!/nⁿ, rescaling to stay in range.
        var p = row[k - 1]
        let size = Double(n)
        for i in 1...n {
            p = Double(i) * p / size
            if abs(p) < rescaleDown {
                p *= rescaleUp
                exponent -= rescaleExponent
            }
        }
        return Double(sign: .plus, exponent: exponent, significand: p)
    }

    /// n!/nⁿ · λⁿ u_c w_c/(w·u) with (λ, u) the Perron eigenpair, w = u reversed, c = k − 1 the middle.
    static func dominantEigenCDF(_ matrix: SquareMatrix, n: Int, k: Int) -> Double {
        let m = matrix.size
        var vector = [Double](repeating: 1, count: m)
        var image = [Double](repeating: 0, count: m)
        var shifted = SquareMatrix(size: m)
        matrix.multiply(column: vector, into: &image)
        var (upper, _) = collatzWielandtBounds(vector, image)
        for _ in 0..<maxInverseIterations {
            // vector ← (σI − H)⁻¹ vector with σ ≥ λ: a positive operator, so the iterate stays positive.
            // (σI − H) y = x  ⟺  (σI − Hᵀ)(Jy) = Jx, J the reversal.
            shifted.setShiftedNegatedTranspose(of: matrix, shift: upper)
            vector.reverse()
            guard shifted.solveUpperHessenberg(&vector) else { break }  // σ hit λ exactly: converged
            vector.reverse()
            let largest = vector.reduce(0) { max($0, $1) }
            guard largest > 0, largest.isFinite else { return .nan }
            for i in 0..<m { vector[i] /= largest }
            matrix.multiply(column: vector, into: &image)
            let bounds = collatzWielandtBounds(vector, image)
            guard bounds.lower > 0 else { return .nan }
            upper = bounds.upper
            if bounds.upper - bounds.lower <= convergenceTolerance * bounds.upper { break }
        }
        // Two-sided Rayleigh quotient with the left eigenvector w = reversed u.
        var numerator = 0.0, denominator = 0.0
        for i in 0..<m {
            numerator += vector[m - 1 - i] * image[i]
            denominator += vector[m - 1 - i] * vector[i]
        }
        let eigenvalue = numerator / denominator
        let middle = vector[k - 1]
        let logCDF = Distributions.logFactorialOverPower(n) + Double(n) * Double.log(eigenvalue)
            + Double.log(middle * middle / denominator)
        return Double.exp(logCDF)
    }

    /// Relative width of the Collatz–Wielandt bracket at which λ is taken as converged (a few ulp:
    /// the ratios themselves carry rounding noise of that size; n·1e-15 is far below what matters).
    private static let convergenceTolerance = 1e-15
    /// Quadratic convergence needs ~5 solves; this only bounds pathological inputs.
    private static let maxInverseIterations = 50

    /// min and max of (Hx)ᵢ/xᵢ for positive x: they bracket the Perron root.
    private static func collatzWielandtBounds(_ vector: [Double], _ image: [Double]) -> (upper: Double, lower: Double) {
        var upper = -Double.infinity, lower = Double.infinity
        for i in vector.indices {
            let ratio = image[i] / vector[i]
            upper = max(upper, ratio)
            lower = min(lower, ratio)
        }
        return (upper, lower)
    }
}

/// A dense row-major m×m matrix, just enough for the Durbin matrix power.
struct SquareMatrix {
    let size: Int
    private(set) var elements: [Double]

    init(size: Int) {
        self.size = size
        elements = [Double](repeating: 0, count: size * size)
    }

    subscript(row: Int, column: Int) -> Double {
        get { elements[row * size + column] }
        set { elements[row * size + column] = newValue }
    }

    /// self = shift·I − otherᵀ.
    mutating func setShiftedNegatedTranspose(of other: SquareMatrix, shift: Double) {
        let m = size
        for i in 0..<m {
            for j in 0..<m { elements[i * m + j] = -other.elements[j * m + i] }
            elements[i * m + i] += shift
        }
    }

    mutating func scale(by factor: Double) {
        for i in elements.indices { elements[i] *= factor }
    }

    /// result = self · column.
    func multiply(column: [Double], into result: inout [Double]) {
        let m = size
        for i in 0..<m {
            var sum = 0.0
            for j in 0..<m { sum += elements[i * m + j] * column[j] }
            result[i] = sum
        }
    }

    /// Solves self · x = b in place for an upper Hessenberg self (zero below the subdiagonal):
    /// Gaussian elimination with partial pivoting, which only ever compares rows k and k + 1,
    /// so O(m²). Destroys self; false if a pivot is exactly zero.
    mutating func solveUpperHessenberg(_ b: inout [Double]) -> Bool {
        let m = size
        return elements.withUnsafeMutableBufferPointer { buffer in
            b.withUnsafeMutableBufferPointer { b in
                let a = buffer.baseAddress!
                for k in 0..<(m - 1) {
                    let row = a + k * m, next = a + (k + 1) * m
                    if abs(next[k]) > abs(row[k]) {
                        for j in k..<m { swap(&row[j], &next[j]) }
                        b.swapAt(k, k + 1)
                    }
                    if row[k] == 0 { return false }
                    let factor = next[k] / row[k]
                    if factor != 0 {
                        for j in k..<m { next[j] -= factor * row[j] }
                        b[k + 1] -= factor * b[k]
                    }
                }
                for k in stride(from: m - 1, through: 0, by: -1) {
                    let row = a + k * m
                    if row[k] == 0 { return false }
                    var sum = b[k]
                    for j in (k + 1)..<m { sum -= row[j] * b[j] }
                    b[k] = sum / row[k]
                }
                return true
            }
        }
    }

    /// result = row · self.
    func multiply(row: [Double], into result: inout [Double]) {
        let m = size
        elements.withUnsafeBufferPointer { a in
            result.withUnsafeMutableBufferPointer { out in
                for j in 0..<m { out[j] = 0 }
                for k in 0..<m where row[k] != 0 {
                    let factor = row[k]
                    for j in 0..<m { out[j] += factor * a[k * m + j] }
                }
            }
        }
    }

    /// result = self², for a persymmetric matrix (A[i][j] = A[m−1−j][m−1−i], true of Durbin's H
    /// and so of its powers): only the entries on or above the anti-diagonal are computed
    /// (row-major i-k-j order, contiguous inner loop), the rest mirrored. ~m³/2 multiply-adds.
    func squarePersymmetric(into result: inout SquareMatrix) {
        let m = size
        elements.withUnsafeBufferPointer { a in
            result.elements.withUnsafeMutableBufferPointer { c in
                for i in 0..<m {
                    let rowLength = m - i  // columns 0 ... m−1−i
                    let out = c.baseAddress! + i * m
                    for j in 0..<rowLength { out[j] = 0 }
                    for k in 0..<m {
                        let aik = a[i * m + k]
                        if aik == 0 { continue }
                        let source = a.baseAddress! + k * m
                        for j in 0..<rowLength { out[j] += aik * source[j] }
                    }
                    for j in 0..<rowLength { c[(m - 1 - j) * m + (m - 1 - i)] = out[j] }
                }
            }
        }
    }
}
