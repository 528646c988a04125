extension BinaryOutcomeSummary {
    /// Expected calibration error over 10 equal-width score bins (Naeini, Cooper &
    /// Hauskrecht, AAAI 2015): ECE = Σ_b (n_b / n) · |mean(label)_b − mean(score)_b|.
    ///
    /// Bin convention: b = min(⌊10 · score⌋, 9), i.e. [0, 0.1), [0.1, 0.2), …, [0.9, 1.0]
    /// with 1.0 in the last bin; empty bins contribute nothing. Exact (no approximation
    /// beyond floating-point sums). Nil without scored rows.
    public var expectedCalibrationError: Double? {
        let scored = scoredCount
        guard scored > 0 else { return nil }
        var error = 0.0
        for bin in 0..<Self.calibrationBinCount where calibrationCountLanes[bin] > 0 {
            let count = Double(calibrationCountLanes[bin])
            let meanLabel = Double(calibrationPositiveLanes[bin]) / count
            let meanScore = calibrationScoreSumLanes[bin] / count
            error += count / Double(scored) * abs(meanLabel - meanScore)
        }
        return error
    }
}
