import DriftCore
import MonitorCore

/// What a reference profile file says of a metric series, for the analysis outputs (the
/// wide CSV's reference columns, the report's ± k σ bands): the metric on the whole
/// reference where rules compare with it (performance metrics, a feature's missing rate),
/// and its spread over the reference's chunks (drift statistics; performance metrics,
/// whose deviation is scaled from the chunk size to the window's labelled predictions as
/// the engine scales it for `sigma` conditions). A stream reference, learnt during a
/// replay, is not known here: without a profile file there are no reference values.
package struct ReferenceValues: Sendable {
    private let reference: ActiveReference
    private let performance: BinaryOutcomeSummary?
    private let chunks: [String: ChunkStatistic]
    private let model: String?
    private let version: String?

    package init(_ document: ProfileDocument) {
        let given = document.chunks?.statistics ?? [:]
        reference = ActiveReference(profile: document.profile, identifier: "profile", count: document.profile.rowCount, chunkStatistics: given,
                                    performanceChunks: document.outcomes?.chunks ?? [:], performanceChunkSize: document.outcomes?.chunkSize ?? 0)
        performance = document.outcomes?.performance
        chunks = Dictionary(given.map { (Self.key($0.key.metric.rawValue, $0.key.subject.name), $0.value) }, uniquingKeysWith: { first, _ in first })
        model = document.model
        version = document.version
    }

    private static func key(_ metric: String, _ subject: String) -> String { metric + "\u{0}" + subject }

    /// Whether the profile is the reference of this model version (a profile naming none is everyone's).
    package func applies(model: String, version: String) -> Bool {
        (self.model == nil || self.model == model) && (self.version == nil || self.version == version)
    }

    /// The metric on the whole reference, where a relative condition compares with it.
    package func value(metric: String, subject: String) -> Double? {
        if let name = PerformanceMetric(rawValue: metric) { return performance.flatMap { PerformanceMetrics.value(name, of: $0) } }
        guard metric == FeatureMetric.missingRate.rawValue else { return nil }
        return switch reference.profile.features[subject] {
        case let .numeric(numeric)?: numeric.missingRate
        case let .categorical(categorical)?: categorical.missingRate
        case nil: nil
        }
    }

    /// Mean and standard deviation of the metric over the reference's chunks, for a window of `samples`.
    package func band(metric: String, subject: String, samples: Int) -> ChunkStatistic? {
        if let name = PerformanceMetric(rawValue: metric) {
            return reference.performanceBand(name, labelled: samples).map { ChunkStatistic(mean: $0.mean, standardDeviation: $0.standardDeviation) }
        }
        return chunks[Self.key(metric, subject)]
    }
}
