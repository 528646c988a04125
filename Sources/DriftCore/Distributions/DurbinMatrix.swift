import RealModule

/// Exact two-sided KS CDF P(Dₙ ≤ d) by Durbin's matrix method.
///
/// Source: J. Durbin (1968), "The probability that the sample distribution function lies between
/// two parallel straight lines", Ann. Math. Statist. 39; evaluated as in G. Marsaglia, W. W. Tsang,
/// J. Wang (2003), "Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18): with
/// nd = k − h, P = n!/nⁿ · (Hⁿ)ₖₖ for an m×m matrix H, m = 2k − 1, computed by repeated squaring
/// with power-of-two rescaling. Ported from scipy's `_kolmogn_DMTW` (scipy/stats/_ksstats.py).
/// Exact up to rounding (~m·log n ulp); O(m³ log n) time, O(m²) memory. Used for small nd.
enum DurbinMatrix {
    private static let rescaleExponent = 128
    private static let rescaleUp = Double(sign: .plus, exponent: 128, significand: 1)
    private static let rescaleDown = Double(sign: .plus, exponent: -128, significand: 1)

    static func cdf(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
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

        var base = SquareMatrix(size: m)
        for column in 1..<m {
            for row in (column - 1)..<m { base[row, column] = w[row - column + 1] }
        }
        for row in 0..<m { base[row, 0] = v[row] }
        for column in 0..<m { base[m - 1, column] = v[m - 1 - column] }

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

    mutating func scale(by factor: Double) {
        for i in elements.indices { elements[i] *= factor }
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
