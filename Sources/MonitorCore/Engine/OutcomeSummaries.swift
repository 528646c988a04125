import DriftCore

/// The labelled outcomes of a set of predictions: what a performance pane holds (the
/// predictions made in it and the outcomes of those labelled so far) and what a
/// performance window holds (its panes merged). Mergeable: two parts of the same
/// predictions' outcomes — recorded on two partitions, or as labels arrived before and
/// after a hand-over — merge into what one record of all of them holds, exactly for the
/// counts (predictions, labels, confusion matrices, score and residual bins, group
/// tables); a regression model's moments and a multiclass classifier's log loss are
/// floating-point sums, equal up to the order of the additions.
///
/// Cost: a record updates one model type's summary and each attribute set's group table,
/// O(attribute sets); ``merge(_:)`` O(score bins + residual bins + groups + classes²).
package struct OutcomeSummaries: Sendable {
    var predictions = 0
    /// Event-time span of the predictions (what count windows report).
    var firstTimestamp = Int64.max
    var lastTimestamp = Int64.min
    var labelled = 0
    /// A binary classifier's outcomes (empty for other models).
    var outcome = OutcomeShape.freshBinary
    var fairness: [FairnessSummary]
    /// A regression model's outcomes (empty for other models).
    var regression = RegressionSummary()
    var regressionFairness: [RegressionFairnessSummary]
    /// A regression model's residuals (residual drift).
    var residuals = ResidualHistogram()
    /// A multiclass classifier's outcomes and per-group accuracies (empty for other models).
    var multiclass = OutcomeShape.freshMulticlass
    var multiclassFairness: [GroupAccuracySummary]

    /// No predictions, with `shape`'s group tables.
    package init(_ shape: OutcomeShape) {
        fairness = shape.freshFairness
        regressionFairness = shape.freshRegressionFairness
        multiclassFairness = shape.freshMulticlassFairness
    }

    /// Event-time span `[start, end)` of the predictions (`.max`, `.min` for none).
    var start: Int64 { firstTimestamp }
    var end: Int64 { lastTimestamp == .min ? .min : lastTimestamp + 1 }

    package mutating func recordPrediction(timestamp: Int64) {
        predictions += 1
        firstTimestamp = min(firstTimestamp, timestamp)
        lastTimestamp = max(lastTimestamp, timestamp)
    }

    /// A binary classifier's labelled prediction; `groups` has a group per attribute set.
    package mutating func recordLabel(label: Bool, predicted: Bool, score: Double?, groups: [FairnessGroupKey]) {
        labelled += 1
        outcome.record(label: label, predicted: predicted, score: score)
        for position in fairness.indices {
            fairness[position].record(group: groups[position], label: label, predicted: predicted, score: score)
        }
    }

    /// A regression model's labelled prediction.
    mutating func recordRegressionLabel(prediction: Double, label: Double, groups: [FairnessGroupKey]) {
        labelled += 1
        regression.record(prediction: prediction, label: label)
        residuals.record(label - prediction)
        for position in regressionFairness.indices {
            regressionFairness[position].record(group: groups[position], prediction: prediction, label: label)
        }
    }

    /// A multiclass classifier's labelled prediction.
    mutating func recordMulticlassLabel(label: String, output: MulticlassOutput, groups: [FairnessGroupKey]) {
        labelled += 1
        multiclass.record(label: label, predicted: output.predicted, probabilities: output.probabilities)
        for position in multiclassFairness.indices {
            multiclassFairness[position].record(group: groups[position], correct: label == output.predicted)
        }
    }

    /// Adds `other`'s predictions and outcomes; both have the same shape (the same
    /// attribute sets, score bins and class cap), as every pane of a version has.
    mutating func merge(_ other: OutcomeSummaries) {
        predictions += other.predictions
        firstTimestamp = min(firstTimestamp, other.firstTimestamp)
        lastTimestamp = max(lastTimestamp, other.lastTimestamp)
        labelled += other.labelled
        try! outcome.merge(other.outcome)  // same bins by construction
        for position in fairness.indices { try! fairness[position].merge(other.fairness[position]) }
        regression.merge(other.regression)
        residuals.merge(other.residuals)
        for position in regressionFairness.indices { try! regressionFairness[position].merge(other.regressionFairness[position]) }
        try! multiclass.merge(other.multiclass)  // same class cap by construction
        for position in multiclassFairness.indices { try! multiclassFairness[position].merge(other.multiclassFairness[position]) }
    }
}

/// The summaries a version's outcome panes keep: its model type's, with a group table for
/// each fairness attribute set.
package struct OutcomeShape: Sendable {
    var modelType: ModelType
    var fairnessAttributes: [[String]]

    package init(modelType: ModelType, fairnessAttributes: [[String]]) {
        self.modelType = modelType
        self.fairnessAttributes = fairnessAttributes
    }

    /// A binary classifier's attribute sets (none for other models).
    var binaryAttributes: [[String]] { modelType == .binary ? fairnessAttributes : [] }
    var freshFairness: [FairnessSummary] { binaryAttributes.map { try! FairnessSummary(attributes: $0) } }
    var freshRegressionFairness: [RegressionFairnessSummary] {
        modelType == .regression ? fairnessAttributes.map { try! RegressionFairnessSummary(attributes: $0) } : []
    }
    var freshMulticlassFairness: [GroupAccuracySummary] {
        modelType == .multiclass ? fairnessAttributes.map { try! GroupAccuracySummary(attributes: $0) } : []
    }
    /// An empty binary outcome summary with the default score bins.
    static let freshBinary = try! BinaryOutcomeSummary()
    /// An empty multiclass summary (no allocation: its arrays and tables start empty).
    static let freshMulticlass = try! MulticlassOutcomeSummary()
}

// MARK: Checkpoint

extension OutcomeSummaries {
    /// Writes the predictions, their span and the labels (what ``writeOutcomes(to:shape:)``
    /// leaves to the owner).
    func writeCounts(to writer: inout BinaryWriter) {
        writer.writeCounter(predictions)
        writer.write(firstTimestamp)
        writer.write(lastTimestamp)
        writer.writeCounter(labelled)
    }

    /// Reads what ``writeCounts(to:)`` wrote.
    mutating func readCounts(from reader: inout BinaryReader) throws {
        predictions = try reader.readCounter()
        firstTimestamp = try reader.readInt64()
        lastTimestamp = try reader.readInt64()
        labelled = try reader.readCounter()
    }

    /// Writes the outcome summaries of `shape`'s model type (the counts and the span are
    /// written by the owner: panes and accumulations write different ones). Format 6 added
    /// a regression model's summaries (a binary classifier's are written as before); format
    /// 7 a multiclass classifier's.
    func writeOutcomes(to writer: inout BinaryWriter, shape: OutcomeShape) {
        writer.write(outcome)
        writer.write(fairness)
        switch shape.modelType {
        case .binary: break
        case .regression:
            writer.write(regression)
            writer.write(regressionFairness)
            writer.write(residuals)
        case .multiclass:
            writer.write(multiclass)
            writer.write(multiclassFairness)
        }
    }

    /// Reads what ``writeOutcomes(to:shape:)`` wrote, checking that it has the shape of
    /// fresh summaries (so windows merge it without error); `what` names it in errors
    /// (engine checkpoint `format`).
    mutating func readOutcomes(from reader: inout BinaryReader, shape: OutcomeShape, format: UInt32, what: String) throws {
        let fresh = OutcomeSummaries(shape)
        outcome = try reader.read(BinaryOutcomeSummary.self)
        try reader.expect(outcome.scoreBins, fresh.outcome.scoreBins, "\(what) score bins")
        fairness = try reader.readArray(of: FairnessSummary.self)
        try reader.expect(fairness.map(\.attributes), shape.binaryAttributes, "\(what) fairness attribute sets")
        try reader.expect(fairness.map(\.scoreBins), fresh.fairness.map(\.scoreBins), "\(what) fairness score bins")
        switch shape.modelType {
        case .binary: break
        // Formats before 6 had no regression models' summaries (a regression model's
        // checkpoint before 6 held none).
        case .regression where format >= 6:
            regression = try reader.read(RegressionSummary.self)
            regressionFairness = try reader.readArray(of: RegressionFairnessSummary.self)
            try reader.expect(regressionFairness.map(\.attributes), fresh.regressionFairness.map(\.attributes),
                              "\(what) regression fairness attribute sets")
            // Format 7 added the residuals; before, none.
            residuals = format >= 7 ? try reader.read(ResidualHistogram.self) : ResidualHistogram()
        case .regression: break
        // Formats before 7 had no multiclass models (their type check fails first).
        case .multiclass:
            multiclass = try reader.read(MulticlassOutcomeSummary.self)
            try reader.expect(multiclass.maximumClasses, OutcomeShape.freshMulticlass.maximumClasses, "\(what) class cap")
            multiclassFairness = try reader.readArray(of: GroupAccuracySummary.self)
            try reader.expect(multiclassFairness.map(\.attributes), fresh.multiclassFairness.map(\.attributes),
                              "\(what) group accuracy attribute sets")
        }
    }
}
