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

        var power = SquareMatrix.identity(size: m)
        var scratch = SquareMatrix(size: m)
        var exponent = 0  // power = true power · 2^(−exponent)
        var baseExponent = 0
        var remaining = n
        while remaining > 0 {
            if remaining % 2 == 1 {
                SquareMatrix.multiply(power, base, into: &scratch)
                swap(&power, &scratch)
                exponent += baseExponent
            }
            remaining /= 2
            guard remaining > 0 else { break }  // the last squaring would be unused
            SquareMatrix.multiply(base, base, into: &scratch)
            swap(&base, &scratch)
            baseExponent *= 2
            if abs(base[k - 1, k - 1]) > rescaleUp {
                base.scale(by: rescaleDown)
                baseExponent += rescaleExponent
            }
        }

        // Multiply by n!/nⁿ, rescaling to stay in range.
        var p = power[k - 1, k - 1]
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

    static func identity(size: Int) -> SquareMatrix {
        var matrix = SquareMatrix(size: size)
        for i in 0..<size { matrix[i, i] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { elements[row * size + column] }
        set { elements[row * size + column] = newValue }
    }

    mutating func scale(by factor: Double) {
        for i in elements.indices { elements[i] *= factor }
    }

    /// result = a · b (row-major i-k-j order so the inner loop is contiguous and vectorises).
    static func multiply(_ a: SquareMatrix, _ b: SquareMatrix, into result: inout SquareMatrix) {
        let m = a.size
        a.elements.withUnsafeBufferPointer { a in
            b.elements.withUnsafeBufferPointer { b in
                result.elements.withUnsafeMutableBufferPointer { c in
                    for i in 0..<(m * m) { c[i] = 0 }
                    for i in 0..<m {
                        for k in 0..<m {
                            let aik = a[i * m + k]
                            if aik == 0 { continue }
                            for j in 0..<m { c[i * m + j] += aik * b[k * m + j] }
                        }
                    }
                }
            }
        }
    }
}
