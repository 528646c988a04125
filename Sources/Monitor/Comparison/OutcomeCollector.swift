import DriftCore

/// Classification and fairness outcomes of one dataset file, labels joined to
/// predictions by id anywhere in the same file.
///
/// Since a label may come before or after its prediction, each prediction's outcome
/// fields (id, predicted class, score, segment) are kept until the file ends: memory is
/// O(predictions), at most `maximumRows` (later predictions are counted in
/// ``overflowCount`` and left out). A prediction without a predicted class has no
/// outcome and is counted in ``unclassifiedCount``. With several labels for one id the
/// last one wins (the others are counted in ``duplicateLabelCount``).
struct OutcomeCollector {
    private struct Row {
        var id: String
        var predicted: Bool
        var score: Double?
        var segment: [SegmentAttribute]
    }

    let maximumRows: Int
    let maximumAttributes: Int
    private var rows: [Row] = []
    private var labels: [String: Int] = [:]
    /// Segment attributes seen, the first `maximumAttributes` by arrival.
    private(set) var attributes: [String] = []
    private(set) var unclassifiedCount = 0
    private(set) var overflowCount = 0
    private(set) var duplicateLabelCount = 0

    init(maximumRows: Int, maximumAttributes: Int) {
        self.maximumRows = maximumRows
        self.maximumAttributes = maximumAttributes
    }

    mutating func add(_ event: MonitorEvent) {
        switch event {
        case let .prediction(prediction):
            guard let predicted = prediction.predictedLabel else {
                unclassifiedCount += 1
                return
            }
            guard rows.count < maximumRows else {
                overflowCount += 1
                return
            }
            for attribute in prediction.segment where attributes.count < maximumAttributes && !attributes.contains(attribute.name) {
                attributes.append(attribute.name)
            }
            rows.append(Row(id: prediction.id, predicted: predicted == 1, score: prediction.score, segment: prediction.segment))
        case let .label(label):
            // Binary classifiers' outcomes only: a regression model's labels (other numbers)
            // belong to predictions counted as unclassified above.
            guard let value = label.value.binaryClass else { return }
            if labels.updateValue(value, forKey: label.id) != nil { duplicateLabelCount += 1 }
        }
    }

    /// Performance over the labelled predictions, fairness over all of them (labels where known)
    /// for each attribute set: every attribute alone (sorted) and each of `intersections`.
    func finish(intersections: [[String]], maximumGroups: Int) -> DatasetOutcomes {
        var performance = try! BinaryOutcomeSummary()  // default bins are valid
        let attributeSets = attributes.sorted().map { [$0] } + intersections
        var fairness = attributeSets.map { try! FairnessSummary(attributes: $0, maximumGroups: max(1, maximumGroups)) }
        for row in rows {
            let label = labels[row.id].map { $0 == 1 }
            if let label { performance.record(label: label, predicted: row.predicted, score: row.score) }
            for index in fairness.indices {
                let key = FairnessGroupKey(fairness[index].attributes.map { name in
                    row.segment.last { $0.name == name }?.value ?? SegmentCodes.missing
                })
                fairness[index].record(group: key, label: label, predicted: row.predicted, score: row.score)
            }
        }
        return DatasetOutcomes(predictions: rows.count, attributes: attributes.sorted(), performance: performance, fairness: fairness)
    }
}

extension OutcomeCollector {
    /// The dataset's outcomes as a profile keeps them: performance and per-attribute fairness
    /// (``finish(intersections:maximumGroups:)`` without intersections), and each
    /// performance metric's spread over consecutive chunks of labelled predictions (a tenth
    /// of them, at least 100 each; a final chunk under half that is left out).
    func referenceOutcomes(chunks: Int = 10) -> ReferenceOutcomes {
        let outcomes = finish(intersections: [], maximumGroups: FairnessSummary.defaultMaximumGroups)
        let chunkSize = max(100, Int(outcomes.performance.labelledCount) / max(chunks, 1))
        var values: [PerformanceMetric: [Double]] = [:]
        var chunk = try! BinaryOutcomeSummary()  // default bins are valid
        func close() {
            for metric in PerformanceMetric.allCases {
                if let value = PerformanceMetrics.value(metric, of: chunk) { values[metric, default: []].append(value) }
            }
            chunk = try! BinaryOutcomeSummary()
        }
        for row in rows {
            guard let label = labels[row.id] else { continue }
            chunk.record(label: label == 1, predicted: row.predicted, score: row.score)
            if Int(chunk.labelledCount) >= chunkSize { close() }
        }
        if Int(chunk.labelledCount) * 2 >= chunkSize { close() }
        return ReferenceOutcomes(predictions: outcomes.predictions, performance: outcomes.performance, fairness: outcomes.fairness,
                                 chunkSize: chunkSize, chunks: values.compactMapValues(ChunkStatistic.init(values:)))
    }
}

/// What ``OutcomeCollector`` found in one dataset.
package struct DatasetOutcomes: Sendable {
    /// Predictions with a predicted class.
    package var predictions: Int
    /// Segment attributes seen, in name order.
    package var attributes: [String]
    /// Labelled predictions only.
    package var performance: BinaryOutcomeSummary
    /// One summary per attribute set (single attributes in name order, then intersections).
    package var fairness: [FairnessSummary]

    /// Share of predictions that have a label; nil without predictions.
    package var labelCoverage: Double? {
        predictions > 0 ? Double(performance.labelledCount) / Double(predictions) : nil
    }
}
