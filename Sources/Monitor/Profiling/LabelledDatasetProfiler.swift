import DriftCore
import MonitorCore

/// A profile of predictions and, when the data has labels, of outcomes — in two passes
/// over the same data: the first builds the profile and joins labels to predictions
/// (``OutcomeCollector``: by id anywhere in the data, up to `maximumJoinRows`
/// predictions), the second measures each drift statistic's spread over the data's chunks
/// against the finished profile (``ChunkVariation``).
package struct LabelledDatasetProfiler: Sendable {
    package private(set) var profiler: DatasetProfiler
    private var outcomes: OutcomeCollector

    package init(_ profiler: DatasetProfiler, maximumJoinRows: Int = 1_000_000, maximumAttributes: Int = 8) {
        self.profiler = profiler
        outcomes = OutcomeCollector(maximumRows: maximumJoinRows, maximumAttributes: maximumAttributes)
    }

    /// First pass: every prediction and label, in the data's order.
    package mutating func add(_ event: MonitorEvent) {
        if case let .prediction(prediction) = event { profiler.add(prediction) }
        outcomes.add(event)
    }

    /// Predictions left out of the outcomes because `maximumJoinRows` was reached.
    package var outcomeOverflowCount: Int { outcomes.overflowCount }

    /// The document; `replay` is the second pass: it hands over the same predictions in the
    /// same order (labels are not needed).
    package func document(model: String?, version: String?, replay: ((PredictionEvent) -> Void) throws -> Void) rethrows -> ProfileDocument {
        let profile = profiler.finish()
        var variation = ChunkVariation(profile: profile, rows: profiler.rowCount)
        try replay { variation.add($0) }
        let outcomes = outcomes.referenceOutcomes()
        return ProfileDocument(model: model, version: version, profile: profile,
                               outcomes: outcomes.labelled > 0 ? outcomes : nil,
                               chunks: ReferenceChunks(size: variation.chunkSize, statistics: variation.finish()))
    }
}
