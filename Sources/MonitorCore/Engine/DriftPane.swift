import DriftCore

/// What one pane of a version's drift window holds: a summary per feature on the
/// reference's bins, the score and predicted-class summaries, data-quality counters,
/// per-group prediction counts for selection-rate fairness and, when a rule of the version
/// uses an `estimated_*` metric, the scores by predicted class that CBPE estimates from.
///
/// An event costs O(features it names), not O(features of the reference): the values of
/// features it does not name are not recorded one by one but counted as missing when a
/// summary is read (``numericSummary(_:layout:)``, ``categoricalSummary(_:layout:)``).
/// A reference polluted by a flood of distinct feature names (up to 10,000 are profiled)
/// would otherwise make every later event update thousands of summaries.
package struct DriftPane: WindowPane, Sendable {
    /// Feature summaries without the missing values of events that did not name the
    /// feature: read them through the accessors below.
    package var numeric: [NumericSummary]
    package var categorical: [CategoricalSummary]
    /// Values of the wrong type (e.g. text for a numeric feature), per feature (numeric first).
    var typeErrors: [Int]
    /// Numeric values outside the reference's [min, max], per numeric feature.
    var outOfRange: [Int]
    package var score: NumericSummary?
    package var prediction: CategoricalSummary
    /// Predictions without a score or predicted class.
    var missingScores = 0
    var selection: [FairnessSummary]
    /// Scores by predicted class (CBPE); nil unless the version's rules estimate
    /// performance: 32 KB a pane that other versions do not pay for.
    var predictedScores: PredictedScoreHistogram?
    /// A multiclass classifier's calibrated class probabilities (CBPE); nil unless the
    /// version is one and its rules estimate performance.
    var classProbabilities: CalibratedPaneRows?
    var events = 0

    /// `estimatesPerformance`: the model type whose CBPE rows the pane keeps (nil: none).
    package init(layout: FeatureLayout, fairnessAttributes: [[String]], maximumGroups: Int, estimatesPerformance: ModelType? = nil) {
        numeric = layout.numericReferences.map { $0.makeSummary() }
        categorical = layout.categoricalReferences.map { $0.makeSummary() }
        typeErrors = Array(repeating: 0, count: layout.featureCount)
        outOfRange = Array(repeating: 0, count: layout.numericNames.count)
        score = layout.score?.makeSummary()
        prediction = layout.prediction?.makeSummary() ?? CategoricalSummary()
        selection = fairnessAttributes.map { try! FairnessSummary(attributes: $0, maximumGroups: maximumGroups) }
        predictedScores = estimatesPerformance == .binary ? try! PredictedScoreHistogram() : nil  // the default bins are valid
        classProbabilities = estimatesPerformance == .multiclass ? CalibratedPaneRows() : nil
    }

    /// A numeric feature's summary, every event of the pane that did not name it counted as missing.
    package func numericSummary(_ index: Int, layout: FeatureLayout) -> NumericSummary {
        var summary = numeric[index]
        summary.recordMissing(count: events - summary.totalCount - typeErrors[layout.flatIndex(.numeric(index))])
        return summary
    }

    /// A categorical feature's summary, every event of the pane that did not name it counted as missing.
    package func categoricalSummary(_ index: Int, layout: FeatureLayout) -> CategoricalSummary {
        var summary = categorical[index]
        summary.recordMissing(count: events - summary.totalCount - typeErrors[layout.flatIndex(.categorical(index))])
        return summary
    }

    package mutating func merge(_ other: DriftPane) {
        // Read through the buffer: `other.numeric[index]` copied each summary (a retain and
        // release of its arrays and binning) only to read it. Same binning by construction.
        other.numeric.withUnsafeBufferPointer { others in
            for index in numeric.indices { try! numeric[index].merge(others[index]) }
        }
        for index in categorical.indices { categorical[index].merge(other.categorical[index]) }
        for index in typeErrors.indices { typeErrors[index] += other.typeErrors[index] }
        for index in outOfRange.indices { outOfRange[index] += other.outOfRange[index] }
        if let otherScore = other.score { try! score?.merge(otherScore) }
        prediction.merge(other.prediction)
        missingScores += other.missingScores
        for index in selection.indices { try! selection[index].merge(other.selection[index]) }
        if let otherScores = other.predictedScores { try! predictedScores?.merge(otherScores) }  // same bins by construction
        if let otherRows = other.classProbabilities { classProbabilities?.merge(otherRows) }
        events += other.events
    }
}

extension DriftPane {
    /// Adds one prediction (for callers off the hot path, without a slot cache).
    package mutating func record(_ event: PredictionEvent, layout: FeatureLayout, groups: [FairnessGroupKey] = []) {
        var slots = SlotCache()
        var unreferenced = UnreferencedFeatures()
        record(event, layout: layout, groups: groups, slots: &slots, unreferenced: &unreferenced)
    }

    /// Adds one prediction. `groups` holds the event's group for each fairness
    /// attribute set, in the order of `selection`. Features the layout does not have are
    /// counted (and named when `slots` looks them up) in `unreferenced`.
    mutating func record(_ event: PredictionEvent, layout: FeatureLayout, groups: [FairnessGroupKey] = [], slots: inout SlotCache,
                         unreferenced: inout UnreferencedFeatures) {
        events += 1
        var seen = SeenFeatures(count: layout.featureCount)
        for (position, feature) in event.features.enumerated() {
            let found = slots.value(of: feature.name, at: position) { name in
                let slot = layout.slot(of: name)
                if slot == nil { unreferenced.note(name, at: event.timestamp) }
                return slot
            }
            guard let slot = found else {
                unreferenced.countValue()
                continue
            }
            let flat = layout.flatIndex(slot)
            guard seen.insert(flat) else { continue }
            switch (slot, feature.value) {
            case let (.numeric(index), .number(value)):
                numeric[index].update(value)
                if value.isFinite, let range = layout.numericRanges[index], !range.contains(value) {
                    outOfRange[index] += 1
                }
            case let (.numeric(index), .missing):
                numeric[index].update(nil as Double?)
            case (.numeric, _), (.categorical, .invalid):
                typeErrors[flat] += 1
            case let (.categorical(index), .string(text)):
                categorical[index].update(CategoryValue.category(of: text))
            case let (.categorical(index), .bool(flag)):
                categorical[index].update(flag)
            case let (.categorical(index), .number(number)):
                categorical[index].update(number.isNaN ? nil : CategoryValue.category(of: number))
            case let (.categorical(index), .missing):
                categorical[index].update(nil as String?)
            }
        }
        // A feature the event does not mention at all is missing too: counted when its summary is read.
        score?.update(event.score)  // in place (`score != nil` copied the summary to compare it)
        if event.score == nil || event.predictedLabel == nil { missingScores += 1 }
        prediction.update(event.predictedCategory)
        if let predicted = event.predictedLabel {
            predictedScores?.record(predicted: predicted == 1, score: event.score)  // in place: a bin index and one add
            for index in selection.indices {
                selection[index].record(group: groups[index], label: nil, predicted: predicted == 1)
            }
        }
    }
}

/// A small bit set of the features an event mentioned (duplicates count once); the
/// first 128 features need no allocation.
struct SeenFeatures {
    private var low: (UInt64, UInt64) = (0, 0)
    private var words: [UInt64]

    init(count: Int) {
        words = count > 128 ? Array(repeating: 0, count: (count - 128 + 63) / 64) : []
    }

    /// Inserts `index`; false when it was already there.
    mutating func insert(_ index: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(index & 63)
        switch index {
        case ..<64:
            guard low.0 & bit == 0 else { return false }
            low.0 |= bit
        case ..<128:
            guard low.1 & bit == 0 else { return false }
            low.1 |= bit
        default:
            guard words[(index - 128) >> 6] & bit == 0 else { return false }
            words[(index - 128) >> 6] |= bit
        }
        return true
    }
}

// MARK: Checkpoint

extension DriftPane {
    func encode(to writer: inout BinaryWriter) {
        writer.write(numeric)
        writer.write(categorical)
        writer.writeCount(typeErrors.count)
        for count in typeErrors { writer.writeCounter(count) }
        writer.writeCount(outOfRange.count)
        for count in outOfRange { writer.writeCounter(count) }
        writer.writeOptional(score) { $0.write($1) }
        writer.write(prediction)
        writer.writeCounter(missingScores)
        writer.write(selection)
        writer.writeCounter(events)
        writer.writeOptional(predictedScores) { $0.write($1) }
        writer.writeOptional(classProbabilities) { $1.encode(to: &$0) }
    }

    /// Decodes a pane onto `template`'s shape (a fresh pane of the same layout): numeric
    /// summaries on the layout's bins, and the same features and fairness sets, so that
    /// merging restored panes can never meet incompatible summaries. Whether the pane keeps
    /// predicted scores is the template's (the current rules'): a checkpoint's are dropped
    /// when no rule estimates performance any more, and a pane saved without them starts
    /// them empty (its window's estimate then rests on fewer predictions, which its
    /// `samples` show).
    init(from reader: inout BinaryReader, format: UInt32, layout: FeatureLayout, template: DriftPane) throws {
        self = template
        let numericCount = try reader.readCount(maximum: reader.remaining)
        try reader.expect(numericCount, layout.numericReferences.count, "numeric features in a pane")
        numeric = try layout.numericReferences.map { try NumericSummary(from: &reader, binning: $0.binning) }
        categorical = try reader.readArray(of: CategoricalSummary.self)
        try reader.expect(categorical.count, template.categorical.count, "categorical features in a pane")
        typeErrors = try Self.readCounters(&reader, expecting: template.typeErrors.count)
        outOfRange = try Self.readCounters(&reader, expecting: template.outOfRange.count)
        score = try reader.readOptional { reader in
            guard let binning = layout.score?.binning else { throw SerializationError.invalidValue("score summary without a reference score") }
            return try NumericSummary(from: &reader, binning: binning)
        }
        try reader.expect(score == nil, template.score == nil, "score summary absent")
        prediction = try reader.read(CategoricalSummary.self)
        missingScores = try reader.readCounter()
        selection = try reader.readArray(of: FairnessSummary.self)
        try reader.expect(selection.map(\.attributes), template.selection.map(\.attributes), "fairness attribute sets")
        try reader.expect(selection.map(\.scoreBins), template.selection.map(\.scoreBins), "fairness score bins")
        events = try reader.readCounter()
        // Checkpoint format 4 had no predicted scores: a version estimating performance starts them empty.
        let restoredScores = format >= 5 ? try reader.readOptional { try $0.read(PredictedScoreHistogram.self) } : nil
        if let restoredScores, let expected = template.predictedScores {
            try reader.expect(restoredScores.scoreBins, expected.scoreBins, "predicted score bins")
            predictedScores = restoredScores
        }
        // Format 8 added a multiclass classifier's calibrated rows. A pane saved without them
        // (older format, or rules that did not estimate then) counts its events as
        // recorded before the calibration: its windows are not estimated.
        let restoredRows = format >= 8 ? try reader.readOptional { try CalibratedPaneRows(from: &$0) } : nil
        if template.classProbabilities != nil { classProbabilities = restoredRows ?? CalibratedPaneRows(uncalibrated: events) }
    }

    private static func readCounters(_ reader: inout BinaryReader, expecting count: Int) throws -> [Int] {
        let found = try reader.readCount(maximum: reader.remaining)
        try reader.expect(found, count, "per-feature counters")
        return try (0..<found).map { _ in try reader.readCounter() }
    }
}
