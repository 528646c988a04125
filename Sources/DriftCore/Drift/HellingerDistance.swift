/// Hellinger distance between two binned distributions.
///
/// Source: Hellinger (1909); the normalised form H = (1/√2)·‖√r − √c‖₂, which lies in
/// [0, 1] (Evidently's `hellinger` stattest). O(bins).
public enum HellingerDistance {
    /// Distance between aligned proportion vectors (each summing to 1).
    public static func compute(reference: [Double], current: [Double]) -> Double {
        precondition(reference.count == current.count, "bins must be aligned")
        var sumOfSquares = 0.0
        for (r, c) in zip(reference, current) {
            let difference = r.squareRoot() - c.squareRoot()
            sumOfSquares += difference * difference
        }
        return (sumOfSquares / 2).squareRoot()
    }
}
