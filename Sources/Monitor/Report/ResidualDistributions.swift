import DriftCore
import MonitorCore

/// Each regression model version's residuals (label − prediction) over the whole history,
/// against the reference's when the profile given to `report --reference` holds a regression
/// model's outcomes (the version it names, or every version). The engine's outputs carry the
/// residuals' drift, not the residuals, so `report` reads the input a second time and joins
/// each regression prediction to its label by id.
///
/// Bounded: at most `maximumPending` (1,000,000) predictions waiting for their label and as many labels
/// waiting for their prediction (a label may come first), at most ``maximumVersions`` model
/// versions; what does not fit is counted in ``overflow``. Each version's residuals are a
/// ``ResidualHistogram`` (at most 2,048 buckets). Drawn as the share of each side's residuals
/// in ``bins`` equal-width bins between the 0.5th and 99.5th percentiles of both sides (the
/// end bins also hold what lies beyond).
package struct ResidualDistributions: Sendable {
    package static let maximumVersions = 16
    static let bins = 20

    private let reference: ResidualHistogram?
    private let applies: (model: String?, version: String?)
    let maximumPending: Int
    private var waitingPredictions: [String: (version: ModelVersion, prediction: Double)] = [:]
    private var waitingLabels: [String: Double] = [:]
    package private(set) var histograms: [ModelVersion: ResidualHistogram] = [:]
    /// Predictions, labels or versions past the caps, left out.
    package private(set) var overflow = 0

    /// `document`: the report's reference profile, if any (its residuals when it has a regression model's outcomes).
    package init(reference document: ProfileDocument?, maximumPending: Int = 1_000_000) {
        self.maximumPending = maximumPending
        reference = document?.outcomes.flatMap { $0.isRegression ? $0.residuals : nil }
        applies = (document?.model, document?.version)
    }

    /// Takes in one event of the second pass.
    package mutating func add(_ event: MonitorEvent) {
        switch event {
        case let .prediction(prediction):
            guard case let .regression(value) = prediction.output else { return }
            let version = ModelVersion(model: prediction.model, version: prediction.version)
            if let label = waitingLabels.removeValue(forKey: prediction.id) {
                record(label - value, for: version)
            } else if waitingPredictions.count < maximumPending {
                waitingPredictions[prediction.id] = (version, value)
            } else {
                overflow += 1
            }
        case let .label(label):
            // A class label (a classifier's) is no regression model's.
            guard let number = label.value.number else { return }
            if let waiting = waitingPredictions.removeValue(forKey: label.id) {
                record(number - waiting.prediction, for: waiting.version)
            } else if waitingLabels.count < maximumPending {
                waitingLabels[label.id] = number
            } else {
                overflow += 1
            }
        }
    }

    private mutating func record(_ residual: Double, for version: ModelVersion) {
        guard histograms[version] != nil || histograms.count < Self.maximumVersions else {
            overflow += 1
            return
        }
        histograms[version, default: ResidualHistogram()].record(residual)
    }

    /// The reference's residuals for a version (nil without a regression profile for it).
    func reference(for version: ModelVersion) -> ResidualHistogram? {
        guard applies.model == nil || applies.model == version.model, applies.version == nil || applies.version == version.version else { return nil }
        return reference
    }

    /// Each side's share per bin and the bins' lower edges (nil when the version has no residuals).
    func shares(_ version: ModelVersion) -> (edges: [Double], window: [Double], reference: [Double]?)? {
        guard let window = histograms[version], window.count > 0 else { return nil }
        let reference = reference(for: version).flatMap { $0.count > 0 ? $0 : nil }
        let sides = [window] + (reference.map { [$0] } ?? [])
        let low = sides.map { Self.quantile(0.005, of: $0) }.min()!, high = sides.map { Self.quantile(0.995, of: $0) }.max()!
        let width = max(high - low, 1e-12) / Double(Self.bins)
        func shares(_ histogram: ResidualHistogram) -> [Double] {
            var counts = [Double](repeating: 0, count: Self.bins)
            for (key, count) in histogram.buckets {
                let bin = min(max(Int(((ResidualHistogram.centre(ofKey: key) - low) / width).rounded(.down)), 0), Self.bins - 1)
                counts[bin] += Double(count)
            }
            return counts.map { $0 / Double(histogram.count) }
        }
        return ((0..<Self.bins).map { low + Double($0) * width }, shares(window), reference.map(shares))
    }

    /// The centre of the bucket holding the q-quantile of the histogram's residuals.
    static func quantile(_ q: Double, of histogram: ResidualHistogram) -> Double {
        let target = UInt64((q * Double(histogram.count - 1)).rounded(.down))
        var cumulative: UInt64 = 0
        let sorted = histogram.buckets.sorted { $0.key < $1.key }
        for (key, count) in sorted {
            cumulative += count
            if cumulative > target { return ResidualHistogram.centre(ofKey: key) }
        }
        return ResidualHistogram.centre(ofKey: sorted.last!.key)
    }

    /// The chart of one model version (nothing for a version without residuals).
    func render(_ version: ModelVersion, into page: inout HTMLPage) {
        guard let (edges, window, reference) = shares(version) else { return }
        page.raw("<h4>Residual distribution</h4>\n<div class=\"grid\">\n<figure class=\"distribution-card\"><figcaption><b>label − prediction</b> · ")
        page.text("\(histograms[version]!.count) labelled predictions over the history" + (reference == nil ? "" : ", against the reference profile's"))
        page.raw("</figcaption><svg class=\"distribution residuals\" id=\"residuals-\(HTMLPage.anchor(version.model, version.version))\" ")
        let bars = (0..<Self.bins).map { bin in (label: SVG.value(edges[bin]), reference: reference?[bin], window: window[bin]) }
        FeatureDistributions.drawBars(bars, windowSide: "history", labelEvery: 4, labelAtEdge: true, into: &page)
        page.raw("</svg><p class=\"legend\">" + (reference == nil ? "" : "grey: reference share · ") + "blue: share of the history's residuals</p></figure>\n</div>\n")
    }
}
