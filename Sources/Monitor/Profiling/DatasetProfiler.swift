import DriftCore
import Foundation

/// Builds a ``ReferenceProfile`` from predictions, one at a time: every feature, the
/// score as `@score` and the predicted class as `@prediction` (``OutputSubject``).
///
/// Rows are what count: a feature an event does not mention is missing in that row,
/// including rows before the feature first appeared, so every feature's count is the
/// number of rows. Memory is the builder's (bounded per feature) plus one entry per
/// distinct feature name, at most `maximumFeatures`; further names are counted in
/// ``ignoredFeatureCount``. A row costs O(features it names): the missing values of the
/// others are counted at ``finish()`` (a row-by-row fill made a few events with
/// thousands of distinct names cost O(rows × names) for every later row).
package struct DatasetProfiler: Sendable {
    private var builder: ReferenceProfileBuilder
    /// Feature names seen so far: the row in which each was last given a value, and in how many rows it was.
    private var seen: [String: (lastRow: Int, rows: Int)] = [:]
    package let maximumFeatures: Int
    package private(set) var rowCount = 0
    /// Values that were objects or arrays where a scalar belongs (profiled as missing).
    package private(set) var invalidValueCount = 0
    /// Values of distinct feature names beyond `maximumFeatures`, left out.
    package private(set) var ignoredFeatureCount = 0

    package init(configuration: ProfileConfiguration = ProfileConfiguration(), kinds: [String: FeatureKind] = [:],
                maximumFeatures: Int = 10_000) throws(ProfileError) {
        builder = try ReferenceProfileBuilder(configuration: configuration, kinds: kinds)
        self.maximumFeatures = maximumFeatures
    }

    /// Values whose kind disagreed with their feature's (see ``ReferenceProfileBuilder``).
    package var typeMismatchCount: Int { builder.typeMismatchCount }

    package mutating func add(_ event: PredictionEvent) {
        let row = rowCount
        rowCount += 1
        for feature in event.features {
            if let entry = seen[feature.name] {
                guard entry.lastRow < row else { continue }  // a repeated name: the first value counts, as in the monitor
                seen[feature.name] = (row, entry.rows + 1)
            } else {
                guard seen.count < maximumFeatures else {
                    ignoredFeatureCount += 1
                    continue
                }
                seen[feature.name] = (row, 1)
            }
            if case .invalid = feature.value { invalidValueCount += 1 }
            builder.add(feature.value.observation, to: feature.name)
        }
        builder.add(event.score.map(FeatureObservation.number) ?? .missing, to: OutputSubject.score)
        builder.add(event.predictedCategory.map(FeatureObservation.text) ?? .missing, to: OutputSubject.prediction)
    }

    /// The profile of the rows so far; every feature is missing in the rows that did not name it.
    package func finish() -> ReferenceProfile {
        var builder = builder
        for (name, entry) in seen { builder.addMissing(count: rowCount - entry.rows, to: name) }
        return builder.finish()
    }
}

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

/// `profile.json`: a reference profile and, optionally, the model and version it describes,
/// the outcomes of its labelled predictions and the spread of its statistics over chunks.
///
/// Written as `{"model": …, "version": …, "profile": {…}, "outcomes": {…}, "chunks": {…}}`;
/// older files without outcomes or chunks load (what rules then cannot use is reported by
/// ``MonitorEngine/referenceGaps``); a bare profile object (the ``ReferenceProfile`` JSON
/// alone) is read too.
package struct ProfileDocument: Sendable, Equatable, Codable {
    package var model: String?
    package var version: String?
    package var profile: ReferenceProfile
    package var outcomes: ReferenceOutcomes?
    package var chunks: ReferenceChunks?

    package init(model: String? = nil, version: String? = nil, profile: ReferenceProfile, outcomes: ReferenceOutcomes? = nil, chunks: ReferenceChunks? = nil) {
        self.model = model
        self.version = version
        self.profile = profile
        self.outcomes = outcomes
        self.chunks = chunks
    }

    package static func decode(_ data: Data) throws -> ProfileDocument {
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        if object?["profile"] != nil { return try JSONDecoder().decode(ProfileDocument.self, from: data) }
        return ProfileDocument(profile: try JSONDecoder().decode(ReferenceProfile.self, from: data))
    }

    package static func load(path: String) throws -> ProfileDocument {
        do {
            return try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError("cannot read reference profile \(path): \(error)")
        }
    }

    /// Pretty-printed with sorted keys, so the same data always gives the same file.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension FeatureValue {
    /// The value as the profile builder takes it; objects and arrays count as missing.
    var observation: FeatureObservation {
        switch self {
        case let .number(number): .number(number)
        case let .string(text): .text(text)
        case let .bool(flag): .flag(flag)
        case .missing, .invalid: .missing
        }
    }
}

extension ReferenceProfiles {
    /// Registers a profile file's profile, outcomes and chunk spread under the model and
    /// version it names (all when it names none).
    package mutating func set(_ document: ProfileDocument, identifier: String) {
        set(ProvidedReference(profile: document.profile, identifier: identifier, outcomes: document.outcomes,
                              chunkStatistics: document.chunks?.statistics ?? [:]),
            model: document.model ?? "*", version: document.version ?? "*")
    }
}
