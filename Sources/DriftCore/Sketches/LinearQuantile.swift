/// Quantiles of sorted data by numpy's default method (`method="linear"`, type 7 of
/// Hyndman & Fan 1996): virtual index (n−1)·q, linear interpolation between its
/// neighbours, with numpy's `_lerp` (interpolating from the nearer end when the
/// fraction is ≥ ½), so results match `numpy.quantile` bit for bit.
public enum LinearQuantile {
    /// The q-quantile of ascending `sorted` (non-empty), q in [0, 1].
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        quantile(count: sorted.count, q) { sorted[$0] }
    }

    /// The q-quantile of `count` (> 0) ascending values given by their order statistics
    /// (`orderStatistic(i)`: the i-th smallest, from 0), for data not held as an array.
    public static func quantile(count: Int, _ q: Double, orderStatistic: (Int) -> Double) -> Double {
        precondition(count > 0, "quantile of no values")
        let virtualIndex = Double(count - 1) * q
        guard virtualIndex < Double(count - 1) else { return orderStatistic(count - 1) }
        guard virtualIndex >= 0 else { return orderStatistic(0) }
        let previous = virtualIndex.rounded(.down)
        let gamma = virtualIndex - previous
        let lower = orderStatistic(Int(previous))
        let upper = orderStatistic(Int(previous) + 1)
        let difference = upper - lower
        return gamma >= 0.5 ? upper - difference * (1 - gamma) : lower + difference * gamma
    }
}
