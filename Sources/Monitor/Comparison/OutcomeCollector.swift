import DriftCore
import MonitorCore

/// Classification, regression and fairness outcomes of one dataset file, labels joined
/// to predictions by id anywhere in the same file.
///
/// Since a label may come before or after its prediction, each prediction's outcome
/// fields (id, predicted class and score or predicted value, segment) are kept until the
/// file ends: memory is O(predictions), at most `maximumRows` (later predictions are
/// counted in ``overflowCount`` and left out). A binary classifier's prediction without a
/// predicted class has no outcome and is counted in ``unclassifiedCount``. With several
/// labels for one id the last one wins (the others are counted in ``duplicateLabelCount``).
/// A binary classifier's label other than 0 or 1, and a multiclass classifier's label that
/// is not a class (a number that is not an integer), leave its prediction unlabelled.
struct OutcomeCollector {
    private enum Output {
        case binary(predicted: Bool, score: Double?)
        case regression(Double)
        case multiclass(predicted: String, probabilities: [String: Double]?)
    }

    private struct Row {
        var id: String
        var output: Output
        var segment: [SegmentAttribute]
    }

    let maximumRows: Int
    let maximumAttributes: Int
    private var rows: [Row] = []
    private var labels: [String: LabelValue] = [:]
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
            let output: Output
            switch prediction.output {
            case let .binary(predicted?, score): output = .binary(predicted: predicted == 1, score: score)
            case .binary(nil, _):
                unclassifiedCount += 1
                return
            case let .regression(value): output = .regression(value)
            case let .multiclass(predicted, probabilities): output = .multiclass(predicted: predicted, probabilities: probabilities)
            }
            guard rows.count < maximumRows else {
                overflowCount += 1
                return
            }
            for attribute in prediction.segment where attributes.count < maximumAttributes && !attributes.contains(attribute.name) {
                attributes.append(attribute.name)
            }
            rows.append(Row(id: prediction.id, output: output, segment: prediction.segment))
        case let .label(label):
            if labels.updateValue(label.value, forKey: label.id) != nil { duplicateLabelCount += 1 }
        }
    }

    /// A row's group in each attribute set (`(missing)` for an attribute it lacks).
    private static func groups(of row: Row, in attributeSets: [[String]]) -> [FairnessGroupKey] {
        attributeSets.map { attributes in
            FairnessGroupKey(attributes.map { name in row.segment.last { $0.name == name }?.value ?? SegmentCodes.missing })
        }
    }

    /// Performance over the labelled predictions, fairness over all of them (labels where known)
    /// for each attribute set: every attribute alone (sorted) and each of `intersections`. A
    /// regression model's labelled predictions give the regression summary, its per-group
    /// errors and its residuals; a multiclass classifier's its multiclass summary and per-group
    /// accuracies.
    func finish(intersections: [[String]], maximumGroups: Int) -> DatasetOutcomes {
        let attributeSets = attributes.sorted().map { [$0] } + intersections
        var outcomes = DatasetOutcomes(predictions: rows.count, attributes: attributes.sorted(), performance: try! BinaryOutcomeSummary(),
                                       fairness: attributeSets.map { try! FairnessSummary(attributes: $0, maximumGroups: max(1, maximumGroups)) })
        outcomes.regressionFairness = attributeSets.map { try! RegressionFairnessSummary(attributes: $0, maximumGroups: max(1, maximumGroups)) }
        outcomes.multiclassFairness = attributeSets.map { try! GroupAccuracySummary(attributes: $0, maximumGroups: max(1, maximumGroups)) }
        for row in rows {
            let groups = Self.groups(of: row, in: attributeSets)
            switch row.output {
            case let .binary(predicted, score):
                let label = labels[row.id]?.binaryClass.map { $0 == 1 }
                if let label { outcomes.performance.record(label: label, predicted: predicted, score: score) }
                for index in outcomes.fairness.indices {
                    outcomes.fairness[index].record(group: groups[index], label: label, predicted: predicted, score: score)
                }
            case let .regression(predicted):
                guard let label = labels[row.id]?.number else { continue }
                outcomes.regression.record(prediction: predicted, label: label)
                outcomes.residuals.record(label - predicted)
                for index in outcomes.regressionFairness.indices {
                    outcomes.regressionFairness[index].record(group: groups[index], prediction: predicted, label: label)
                }
            case let .multiclass(predicted, probabilities):
                guard let label = labels[row.id]?.className else { continue }
                outcomes.multiclass.record(label: label, predicted: predicted, probabilities: probabilities)
                if let probabilities { outcomes.classProbabilities.record(label: label, probabilities: probabilities) }
                for index in outcomes.multiclassFairness.indices {
                    outcomes.multiclassFairness[index].record(group: groups[index], correct: label == predicted)
                }
            }
        }
        return outcomes
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
            guard case let .binary(predicted, score) = row.output, let label = labels[row.id]?.binaryClass else { continue }
            chunk.record(label: label == 1, predicted: predicted, score: score)
            if Int(chunk.labelledCount) >= chunkSize { close() }
        }
        if Int(chunk.labelledCount) * 2 >= chunkSize { close() }
        var reference = ReferenceOutcomes(predictions: outcomes.predictions, performance: outcomes.performance, fairness: outcomes.fairness,
                                          chunkSize: chunkSize, chunks: values.compactMapValues(ChunkStatistic.init(values:)))
        // A binary classifier's data keeps no (empty) regression or multiclass summaries: its profile is written as before.
        reference.regression = outcomes.regression
        if reference.isRegression {
            reference.regressionFairness = outcomes.regressionFairness
            reference.residuals = outcomes.residuals
        }
        if outcomes.isMulticlass {
            reference.multiclass = outcomes.multiclass
            reference.multiclassFairness = outcomes.multiclassFairness
            reference.classProbabilities = outcomes.classProbabilities
        }
        return reference
    }
}

/// What ``OutcomeCollector`` found in one dataset.
package struct DatasetOutcomes: Sendable {
    /// Predictions with an outcome: a binary classifier's with a predicted class, a regression model's, a multiclass classifier's.
    package var predictions: Int
    /// Segment attributes seen, in name order.
    package var attributes: [String]
    /// A binary classifier's labelled predictions only.
    package var performance: BinaryOutcomeSummary
    /// One summary per attribute set (single attributes in name order, then intersections).
    package var fairness: [FairnessSummary]
    /// A regression model's labelled predictions (empty for a binary classifier's data).
    package var regression = RegressionSummary()
    /// Per attribute set as `fairness`, a regression model's per-group errors.
    package var regressionFairness: [RegressionFairnessSummary] = []
    /// A regression model's residuals (label − prediction).
    package var residuals = ResidualHistogram()
    /// A multiclass classifier's labelled predictions (empty for other models' data).
    package var multiclass = try! MulticlassOutcomeSummary()  // the default class cap is valid
    /// Per attribute set as `fairness`, a multiclass classifier's per-group accuracies.
    package var multiclassFairness: [GroupAccuracySummary] = []
    /// A multiclass classifier's labelled class probabilities (its CBPE calibration's data).
    package var classProbabilities = try! ClassProbabilityOutcomes()  // default bins and cap are valid

    /// Whether these are a regression model's outcomes (some labelled regression prediction).
    package var isRegression: Bool { regression.count + Int(regression.nonFiniteCount) > 0 }

    /// Whether these are a multiclass classifier's outcomes (some labelled multiclass prediction).
    package var isMulticlass: Bool { multiclass.labelledCount + multiclass.overflowCount > 0 }

    /// The kind of model whose outcomes these are: binary unless some labelled prediction says otherwise.
    package var modelType: ModelType { isRegression ? .regression : isMulticlass ? .multiclass : .binary }

    /// Predictions with a label (a regression model's with a finite one).
    package var labelled: Int { Int(performance.labelledCount) + regression.count + Int(multiclass.labelledCount) }

    /// Share of predictions that have a label; nil without predictions.
    package var labelCoverage: Double? {
        predictions > 0 ? Double(labelled) / Double(predictions) : nil
    }
}
