import RealModule

/// One-sided Kolmogorov–Smirnov (Smirnov) survival P(Dₙ⁺ ≥ x), as scipy.special.smirnov(n, x).
///
/// Source: the Birnbaum–Tingey (1951) / Smirnov (1944) sum
/// P(Dₙ⁺ ≥ x) = x Σ_{0 ≤ v < n(1−x)} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v),
/// all of whose terms are positive. scipy (xsf `_smirnov`, P. van Mulbregt, arXiv:1802.06966)
/// adds it up term by term in double-double arithmetic: O(n) work, ~1 s at n = 10⁶. Here each
/// term is C(n,v) pᵛ qⁿ⁻ᵛ / p with p = x + v/n, evaluated in log space by Loader's saddle-point
/// form (``BinomialTerm``), and:
/// - when the terms that matter (> 1e-18 of the sum) lie ≥ 10 terms from both ends, the sum of this
///   analytic, slowly varying summand equals its integral to far below double precision
///   (Poisson summation), so it is integrated instead by the trapezoidal rule in
///   u = logit(p), which converges geometrically for such integrands: ~50–100 evaluations
///   whatever n is;
/// - when only the first terms (small v, where the summand is not smooth) still matter, a smooth
///   erfc window hands over from exact terms to the integral (the windowed summand is again
///   smooth, so its sum is its integral): a few hundred evaluations;
/// - otherwise (small n, or x close to the ends) the terms are added exactly, O(n(1−x)).
/// scipy's own special cases (x ≤ 1/n, x ≥ 1 − 1/n, underflow, and its approximation
/// e^(−(6nx+1)²/(18n)) for n > 10⁶) are reproduced as they are.
/// Accuracy: ~1e-13 relative against scipy over n ≤ 10⁶ (see the tests).
extension Distributions {
    /// P(Dₙ⁺ ≥ x) for the one-sided KS statistic; NaN outside n ≥ 1, 0 ≤ x ≤ 1.
    static func smirnovSurvival(_ n: Int, _ x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let size = Double(n)
        let nx = size * x
        if nx <= 1 {
            return 1 - x * Double.pow(1 + x, Double(n - 1))
        }
        if -2 * nx * x < SmirnovSum.logOfSmallestSubnormal { return 0 }
        if nx >= size - 1 {
            return Double.pow(1 - x, size)
        }
        if n > SmirnovSum.largestExactSize {
            // scipy's approximation for very large n: P ≈ exp(−(6nx+1)²/(18n)).
            let logP = -(6 * nx + 1) * (6 * nx + 1) / 18 / size
            return logP < -Double.log(2) ? Double.exp(logP) : 1 + Double.expMinusOne(logP)
        }
        return SmirnovSum.integral(size, x) ?? SmirnovSum.windowedSum(size, x) ?? SmirnovSum.exactSum(size, x)
    }
}

/// The evaluations of the Birnbaum–Tingey sum.
enum SmirnovSum {
    /// log 2⁻¹⁰⁷⁵, below the smallest subnormal: for −2nx² below this scipy returns 0 (xsf MINLOG).
    static let logOfSmallestSubnormal = -7.451332191019412076235e2
    /// Above this n scipy switches to its closed-form approximation.
    static let largestExactSize = 1_000_000
    /// Nodes (and terms) below this fraction of the sum do not change it.
    static let negligibleFraction = 1e-18
    /// A remainder below this fraction of the sum is below its rounding error.
    static let invisibleFraction = 1e-16
    /// How far (in terms) the non-negligible terms must stay from the ends for the integral to equal the sum.
    static let smoothnessMargin = 10.0

    /// log of the v-th term C(n,v) pᵛ qⁿ⁻ᵛ / p, from np = nx + v and nq = n − nx − v.
    @inline(__always)
    static func logTerm(size: Double, v: Double, np: Double, nq: Double) -> Double {
        BinomialTerm.logProbability(n: size, k: v, np: np, nq: nq) - Double.log(np / size)
    }

    /// A smooth partition of unity in u = logit(p): the integral takes the share
    /// ½ erfc((center − u)/width), the exact terms the rest.
    struct Window {
        var center: Double
        var width: Double

        func integralShare(_ u: Double) -> Double { 0.5 * Double.erfc((center - u) / width) }
        func exactShare(_ u: Double) -> Double { 0.5 * Double.erfc((u - center) / width) }
        /// Beyond this u the exact share is below 1e-23.
        var exactEnd: Double { center + 7 * width }
    }

    /// Adds the terms (each times the window's exact share, if any); the scale e^(2nx²) keeps
    /// the terms of a tiny tail away from underflow.
    static func exactSum(_ size: Double, _ x: Double, window: Window? = nil) -> Double {
        let nx = size * x
        let scale = 2 * nx * x
        var sum = 0.0
        var previous = Double.infinity
        var v = 0.0
        while true {
            let nq = (size - v) - nx
            if nq <= 0 { break }
            let np = v + nx
            var term = v == 0
                ? Double.exp(size * Double.log(onePlus: -x) - Double.log(x) + scale)  // (1−x)ⁿ/x
                : Double.exp(logTerm(size: size, v: v, np: np, nq: nq) + scale)
            if let window {
                let u = Double.log(np / nq)
                if u > window.exactEnd { break }
                term *= window.exactShare(u)
            }
            sum += term
            // Past the peak the terms only shrink: stop once they no longer count.
            if term < previous, term < sum * negligibleFraction { break }
            previous = term
            v += 1
        }
        return Double.exp(Double.log(x) + Double.log(sum) - scale)
    }

    /// Trapezoidal rule in u = logit(p), p = x + v/n, over the terms that matter; nil when
    /// those reach within ``smoothnessMargin`` terms of either end (the integral would then
    /// differ from the sum).
    static func integral(_ size: Double, _ x: Double) -> Double? {
        let a = size * x * x
        return integral(size, x, step: min(0.15, 0.4 / a.squareRoot()), window: nil)
    }

    /// Exact terms up to a window placed just past the first ``smoothnessMargin`` terms, the
    /// integral beyond; nil when the exact part would not be much shorter than the plain sum.
    static func windowedSum(_ size: Double, _ x: Double) -> Double? {
        let nx = size * x
        let step = min(0.05, 0.4 / (nx * x).squareRoot())
        let width = 2 * step  // resolved by the nodes, wide enough (in v) for Poisson summation
        let marginU = Double.log((nx + smoothnessMargin) / (size - nx - smoothnessMargin))
        let window = Window(center: marginU + 7 * width, width: width)
        let exactTerms = size / (1 + Double.exp(-window.exactEnd)) - nx
        guard exactTerms < 0.5 * (size - nx), let integral = integral(size, x, step: step, window: window) else { return nil }
        return exactSum(size, x, window: window) + integral
    }

    private static func integral(_ size: Double, _ x: Double, step: Double, window: Window?) -> Double? {
        let integrand = TrapezoidIntegrand(size: size, x: x, step: step, window: window)
        // Start at the middle of the admissible p range (x, 1) and walk out both ways.
        let start = Double.log((1 + x) / (1 - x))
        guard let first = integrand.node(at: start),
              let left = integrand.walk(from: start, by: -step, adding: Double.exp(first.logValue)),
              let sum = integrand.walk(from: start, by: step, adding: left)
        else { return nil }
        return Double.exp(Double.log(x) + Double.log(sum * step) - integrand.scale)
    }

    /// The summand as a function of u = logit(p), times dv/du = n·p·q (and the window's
    /// integral share, if any), scaled by e^(2nx²).
    private struct TrapezoidIntegrand {
        struct Node {
            /// log of the integrand (scaled, windowed term × dv/du).
            var logValue: Double
            /// log of the scaled, windowed term itself.
            var logTerm: Double
            /// Terms between this node and the lower (v = 0) and upper (v = n(1−x)) ends.
            var termsBelow: Double
            var termsAbove: Double
        }

        let size: Double
        let nx: Double
        /// Node spacing: resolves the peak (width ~ 1/√(nx²) in u), the window and the analyticity strip.
        let step: Double
        let scale: Double
        let window: Window?

        init(size: Double, x: Double, step: Double, window: Window?) {
            self.size = size
            nx = size * x
            self.step = step
            scale = 2 * nx * x
            self.window = window
        }

        /// The integrand at u, or nil if u lies within ``smoothnessMargin`` terms of an end.
        func node(at u: Double) -> Node? {
            let p = 1 / (1 + Double.exp(-u))
            let q = 1 / (1 + Double.exp(u))
            let np = size * p
            let nq = size * q
            let v = np - nx
            guard v >= smoothnessMargin, nq >= smoothnessMargin else { return nil }
            var logTerm = logTerm(size: size, v: v, np: np, nq: nq) + scale
            if let window { logTerm += Double.log(window.integralShare(u)) }
            return Node(logValue: logTerm + Double.log(np * q), logTerm: logTerm, termsBelow: v, termsAbove: nq)
        }

        /// Adds the nodes start + step, start + 2·step, … to sum until they no longer count.
        /// The summand is unimodal, so once a node is negligible against the sum so far, so is
        /// every node beyond it. If the walk reaches the non-smooth ends first, it still succeeds
        /// when every term left (at most their count × the last term) is negligible, else gives nil.
        func walk(from start: Double, by signedStep: Double, adding sum: Double) -> Double? {
            var sum = sum
            var u = start
            var last: Node?
            while true {
                u += signedStep
                guard let node = node(at: u) else {
                    guard let last else { return nil }
                    let termsLeft = signedStep < 0 ? last.termsBelow : last.termsAbove
                    return termsLeft * Double.exp(last.logTerm) < sum * step * invisibleFraction ? sum : nil
                }
                let value = Double.exp(node.logValue)
                sum += value
                if value < sum * negligibleFraction { return sum }
                last = node
            }
        }
    }
}
