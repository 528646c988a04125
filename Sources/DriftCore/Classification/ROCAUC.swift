extension BinaryOutcomeSummary {
    /// Area under the ROC curve from the score histograms: the Mann–Whitney probability
    /// that a random positive scores above a random negative, ties counting ½ (Hanley &
    /// McNeil, Radiology 1982). Scores sharing a histogram bin count as tied, so the error
    /// against the exact value (scikit-learn's `roc_auc_score`) is at most half the share
    /// of positive–negative pairs that fall into one bin; with the default 1,000 bins it
    /// is typically below 0.001. O(scoreBins).
    ///
    /// Nil when there is no histogram or when the scored rows hold only one class.
    public var rocAUC: Double? {
        let positives = positiveScoreHistogram.reduce(0, +)
        let negatives = negativeScoreHistogram.reduce(0, +)
        guard positives > 0, negatives > 0 else { return nil }
        var concordantPairs = 0.0
        var negativesBelow = 0.0
        for bin in 0..<scoreBins {
            let binNegatives = Double(negativeScoreHistogram[bin])
            concordantPairs += Double(positiveScoreHistogram[bin]) * (negativesBelow + 0.5 * binNegatives)
            negativesBelow += binNegatives
        }
        return concordantPairs / (Double(positives) * Double(negatives))
    }
}
