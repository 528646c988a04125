import DriftCore

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
    /// Feature names seen so far (at most `maximumFeatures`), each with its index in `features`.
    private var seen: [String: Int] = [:]
    /// `index(of:)`'s answers by position in the previous event: a name is hashed only
    /// where the events' feature order changes.
    private var positions = FeaturePositionCache<Int?>()
    /// Per feature seen, in order: its index in the builder, the row in which it was last
    /// given a value, and in how many rows it was.
    private var features: [(builderIndex: Int, lastRow: Int, rows: Int)] = []
    /// The builder's indices of the score and predicted class, once the first row is added.
    private var outputIndices: (score: Int, prediction: Int)?
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
        var positions = FeaturePositionCache<Int?>()
        swap(&positions, &self.positions)  // taken out while `index(of:)` updates the rest of `self`
        defer { swap(&positions, &self.positions) }
        for (position, feature) in event.features.enumerated() {
            guard let index = positions.value(of: feature.name, at: position, lookup: { index(of: $0) }) else {
                ignoredFeatureCount += 1
                continue
            }
            guard features[index].lastRow < row else { continue }  // a repeated name: the first value counts, as in the monitor
            features[index].lastRow = row
            features[index].rows += 1
            if case .invalid = feature.value { invalidValueCount += 1 }
            builder.add(feature.value.observation, toFeatureAt: features[index].builderIndex)
        }
        let outputs = outputIndices ?? (builder.featureIndex(of: OutputSubject.score), builder.featureIndex(of: OutputSubject.prediction))
        outputIndices = outputs
        builder.add(event.score.map(FeatureObservation.number) ?? .missing, toFeatureAt: outputs.score)
        builder.add(event.predictedCategory.map(FeatureObservation.text) ?? .missing, toFeatureAt: outputs.prediction)
    }

    /// The index in `features` of the feature `name`, added (with no rows yet) if it is
    /// new and under `maximumFeatures`; nil beyond it (and nothing is kept of the name).
    private mutating func index(of name: String) -> Int? {
        if let known = seen[name] { return known }
        guard features.count < maximumFeatures else { return nil }
        let index = features.count
        seen[name] = index
        features.append((builder.featureIndex(of: name), -1, 0))
        return index
    }

    /// The profile of the rows so far; every feature is missing in the rows that did not name it.
    package func finish() -> ReferenceProfile {
        var builder = builder
        for feature in features { builder.addMissing(count: rowCount - feature.rows, toFeatureAt: feature.builderIndex) }
        return builder.finish()
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
