import RealModule

/// Exact two-sided KS CDF P(Dₙ ≤ d) by Pomeranz's recursion.
///
/// Source: J. Pomeranz (1974), "Exact cumulative distribution of the Kolmogorov–Smirnov statistic
/// for small samples (Algorithm 487)", CACM 17(12), in the form of Simard & L'Ecuyer (2011):
/// 2n + 1 rows, each the convolution of the previous row with one of three truncated Poisson
/// weight sequences, only a band of ~2nd entries kept, rescaled by powers of two. Ported from
/// scipy's `_kolmogn_Pomeranz` (scipy/stats/_ksstats.py). Exact up to rounding; O(n·(nd)²) time.
/// Used for n ≤ 140 in the body of the distribution.
enum PomeranzRecursion {
    private static let rescaleExponent = 128
    private static let rescaleUp = Double(sign: .plus, exponent: 128, significand: 1)
    private static let rescaleDown = Double(sign: .plus, exponent: -128, significand: 1)

    /// The range of non-zero entries [j1, j2] of row i.
    private static func rowBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilF: Int, _ roundF: Int) -> (Int, Int) {
        var j1: Int, j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilF - 1, ll + ceilF - 1)
        } else {
            let half = (i + 1) / 2
            if (i + 1) % 2 == 0 {
                if half == n + 1 {
                    (j1, j2) = (n - ll - ceilF - 1, n + ll + ceilF - 1)
                } else {
                    (j1, j2) = (half - 1 - ll - roundF - 1, half + ll - 1 + ceilF - 1)
                }
            } else {
                (j1, j2) = (half - 1 - ll - 1, half + ll + roundF - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// Σ a[i]·b[i] with four running sums, so the loop vectorises.
    @inline(__always)
    private static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        var i = 0
        while i + 4 <= count {
            s0 += a[i] * b[i]
            s1 += a[i + 1] * b[i + 1]
            s2 += a[i + 2] * b[i + 2]
            s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < count {
            s0 += a[i] * b[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    static func cdf(_ n: Int, _ d: Double) -> Double {
        let t = Double(n) * d
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilF = f > 0 ? 1 : 0
        let roundF = f > 0.5 ? 1 : 0
        let width = 2 * (ll + 1)
        let size = Double(n)

        // One scratch block (on the stack when small): three weight rows and two working rows.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 5 * width) { block -> Double in
            let base = block.baseAddress!
            // (g/n)^m/m!, (2g/n)^m/m!, ((1−2g)/n)^m/m!: unnormalised Poisson weights, stored
            // reversed (entry m at width − 1 − m) so each convolution entry is a forward dot product.
            let gPower = base, twoGPower = base + width, oneMinusTwoGPower = base + 2 * width
            var (gTerm, twoGTerm, oneMinusTwoGTerm) = (1.0, 1.0, 1.0)
            for m in 0..<width {
                if m > 0 {
                    gTerm = gTerm * (g / size) / Double(m)
                    twoGTerm = twoGTerm * (2 * g / size) / Double(m)
                    oneMinusTwoGTerm = oneMinusTwoGTerm * ((1 - 2 * g) / size) / Double(m)
                }
                gPower[width - 1 - m] = gTerm
                twoGPower[width - 1 - m] = twoGTerm
                oneMinusTwoGPower[width - 1 - m] = oneMinusTwoGTerm
            }
            var previous = base + 3 * width
            var current = base + 4 * width
            current.initialize(repeating: 0, count: width)
            previous.initialize(repeating: 0, count: width)
            current[0] = 1
            var previousStart = 0, currentStart = 0
            var exponent = 0
            var (j1, j2) = rowBounds(0, n, ll, ceilF, roundF)
            for i in 1..<(2 * n + 2) {
                let k1 = j1
                swap(&previous, &current)
                swap(&previousStart, &currentStart)
                current.update(repeating: 0, count: width)
                (j1, j2) = rowBounds(i, n, ll, ceilF, roundF)
                let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
                let length = j2 - k1 + 1
                guard length > 0 else { continue }
                // Full convolution of previous[k1 − start ..< +length] (clipped to the row) with
                // weights[..<length]; keep entries j1 − k1 ..< j1 − k1 + (j2 − j1 + 1).
                let sourceStart = k1 - previousStart
                let sourceLength = min(length, width - sourceStart)
                let weightLength = min(length, width)
                let outputStart = j1 - k1
                let outputLength = j2 - j1 + 1
                guard sourceStart >= 0, outputLength <= width else { return .nan }  // unreachable for valid n, d
                let source = previous + sourceStart
                var largest = 0.0
                for out in 0..<outputLength {
                    let lag = outputStart + out
                    let first = max(0, lag - weightLength + 1)
                    let last = min(lag, sourceLength - 1)
                    // weights[lag − s] sits at reversed index width − 1 − lag + s.
                    let sum = first <= last
                        ? dot(source + first, weights + (width - 1 - lag + first), count: last - first + 1)
                        : 0
                    current[out] = sum
                    largest = max(largest, sum)
                }
                if largest > 0, largest < rescaleDown {
                    for index in 0..<outputLength { current[index] *= rescaleUp }
                    exponent -= rescaleExponent
                }
                currentStart = previousStart + j1 - k1
            }

            // Multiply by n!.
            guard (0..<width).contains(n - currentStart) else { return .nan }  // unreachable for valid n, d
            var answer = current[n - currentStart]
            for m in 1...n {
                if abs(answer) > rescaleUp {
                    answer *= rescaleDown
                    exponent += rescaleExponent
                }
                answer *= Double(m)
            }
            return Double(sign: .plus, exponent: exponent, significand: answer)
        }
    }
}
