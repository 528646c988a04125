/// Newcombe's hybrid score interval for the difference of two independent proportions
/// (R. G. Newcombe, "Interval estimation for the difference between independent
/// proportions: comparison of eleven methods", Statistics in Medicine 17, 1998, method 10;
/// statsmodels' `confint_proportions_2indep(method="newcomb", compare="diff")`).
///
/// For p̂₁ = k₁/n₁ and p̂₂ = k₂/n₂ with Wilson intervals (l₁, u₁) and (l₂, u₂):
/// d = p̂₁ − p̂₂, lower = d − √((p̂₁ − l₁)² + (u₂ − p̂₂)²), upper = d + √((u₁ − p̂₁)² + (p̂₂ − l₂)²).
/// It inherits the Wilson interval's behaviour at 0, 1 and small n (no zero-width or
/// out-of-range interval) and stays within [−1, 1]. For paired samples (the same rows
/// scored twice) it ignores the positive correlation and so errs on the wide side. O(1).
public struct NewcombeInterval: Equatable, Sendable {
    /// p̂₁ − p̂₂.
    public var difference: Double
    public var lower: Double
    public var upper: Double

    /// Nil when either proportion has no trials (or more successes than trials).
    public init?(successes first: UInt64, trials firstTrials: UInt64, minus second: UInt64, trials secondTrials: UInt64,
                 z: Double = WilsonInterval.z95) {
        guard let one = WilsonInterval(successes: first, trials: firstTrials, z: z),
              let two = WilsonInterval(successes: second, trials: secondTrials, z: z) else { return nil }
        let p1 = Double(first) / Double(firstTrials), p2 = Double(second) / Double(secondTrials)
        difference = p1 - p2
        lower = difference - ((p1 - one.lower) * (p1 - one.lower) + (two.upper - p2) * (two.upper - p2)).squareRoot()
        upper = difference + ((one.upper - p1) * (one.upper - p1) + (p2 - two.lower) * (p2 - two.lower)).squareRoot()
    }
}
