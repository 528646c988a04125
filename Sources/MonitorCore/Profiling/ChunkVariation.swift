import DriftCore

/// The spread of each drift statistic across a reference's own chunks, each chunk compared
/// with the whole reference: what `outside reference ± k sigma` conditions compare with
/// (NannyML's thresholds), for stream references and profiles alike.
///
/// Chunks are consecutive runs of `chunkSize` predictions (a final run shorter than half a
/// chunk is left out: it would only widen the spread). Memory: one drift pane and, per
/// statistic, one value per chunk. Cost: O(features × bins) per chunk.
package struct ChunkVariation: Sendable {
    private let layout: FeatureLayout
    package let chunkSize: Int
    private var pane: DriftPane
    /// Each feature's slot by its position in the previous prediction (the panes' cache),
    /// and the names the layout lacks (not reported: the reference is built on them).
    private var slots = SlotCache()
    private var unreferenced = UnreferencedFeatures()
    private var values: [MetricKey: [Double]] = [:]
    package private(set) var chunkCount = 0

    /// Chunks of `chunkSize` predictions, compared with `profile`.
    package init(profile: ReferenceProfile, chunkSize: Int) {
        layout = FeatureLayout(profile: profile)
        self.chunkSize = max(1, chunkSize)
        pane = DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: 0)
    }

    /// Chunks for a reference of `rows` predictions cut into `chunks` (at least 100 predictions each).
    package init(profile: ReferenceProfile, rows: Int, chunks: Int = 10) {
        self.init(profile: profile, chunkSize: max(100, rows / max(chunks, 1)))
    }

    /// Adds the reference's next prediction (in the order the reference was read).
    package mutating func add(_ prediction: PredictionEvent) {
        record(prediction)
        if pane.events >= chunkSize { closeChunk() }
    }

    /// Adds a whole chunk at once (chunks of their own sizes, e.g. a stream reference's panes).
    mutating func add(chunk: [PredictionEvent]) {
        for prediction in chunk { record(prediction) }
        closeChunk()
    }

    private mutating func record(_ prediction: PredictionEvent) {
        pane.record(prediction, layout: layout, slots: &slots, unreferenced: &unreferenced)
    }

    private mutating func closeChunk() {
        for observation in DriftMetrics.featureMetrics(of: pane, layout: layout) {
            if let value = observation.value { values[observation.key, default: []].append(value) }
        }
        chunkCount += 1
        pane = DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: 0)
    }

    /// Mean and standard deviation of each statistic over the chunks (those with at least two).
    package func finish() -> [MetricKey: ChunkStatistic] {
        var variation = self
        if variation.pane.events * 2 >= chunkSize { variation.closeChunk() }
        return variation.values.compactMapValues(ChunkStatistic.init(values:))
    }
}

/// A metric's spread across reference chunks.
package struct ChunkStatistic: Sendable, Equatable, Codable {
    package var mean: Double
    package var standardDeviation: Double

    package init(mean: Double, standardDeviation: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// The mean and sample standard deviation of `values`; nil for fewer than two.
    package init?(values: [Double]) {
        guard values.count >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        self.init(mean: mean, standardDeviation: variance.squareRoot())
    }

    /// Private to JSON: `{"mean": …, "sd": …}`.
    enum CodingKeys: String, CodingKey {
        case mean
        case standardDeviation = "sd"
    }
}
