import DriftCore

/// What a profile built from labelled data knows of the model's performance on it: the
/// baseline of `reference - 0.05` conditions on performance and fairness metrics, and of
/// `± k sigma` ones through each metric's spread across chunks of labelled predictions.
///
/// In `profile.json` the summaries are kept exactly, as base64 of their versioned binary
/// layout (the ROC AUC and calibration need their score histograms), beside readable
/// metrics for people. A regression model's outcomes (its regression summary, per-group
/// errors and residuals) are the layout's version 2; a multiclass classifier's (its
/// multiclass summary and per-group accuracies, after version 2's empty regression
/// summaries) version 3, and with its labelled class probabilities (what multiclass CBPE
/// calibrates on) version 4; a binary classifier's are written as version 1, as before them.
package struct ReferenceOutcomes: Sendable, Equatable {
    /// Predictions with an outcome (a binary classifier's with a predicted class).
    package var predictions: Int
    package var performance: BinaryOutcomeSummary
    /// One summary per segment attribute (alone), in name order.
    package var fairness: [FairnessSummary]
    /// A regression model's labelled predictions (empty for a binary classifier).
    package var regression = RegressionSummary()
    /// Per segment attribute (alone, in name order), a regression model's per-group errors.
    package var regressionFairness: [RegressionFairnessSummary] = []
    /// A regression model's residuals (label − prediction): what residual drift compares with.
    package var residuals = ResidualHistogram()
    /// A multiclass classifier's labelled predictions (empty for other models).
    package var multiclass = try! MulticlassOutcomeSummary()  // the default class cap is valid
    /// Per segment attribute (alone, in name order), a multiclass classifier's per-group accuracies.
    package var multiclassFairness: [GroupAccuracySummary] = []
    /// A multiclass classifier's labelled class probabilities (empty without probability vectors).
    package var classProbabilities = try! ClassProbabilityOutcomes()  // default bins and cap are valid
    /// Labelled predictions per chunk, and each performance metric's spread over the chunks.
    package var chunkSize: Int
    package var chunks: [PerformanceMetric: ChunkStatistic]

    package init(predictions: Int, performance: BinaryOutcomeSummary, fairness: [FairnessSummary], chunkSize: Int, chunks: [PerformanceMetric: ChunkStatistic]) {
        self.predictions = predictions
        self.performance = performance
        self.fairness = fairness
        self.chunkSize = chunkSize
        self.chunks = chunks
    }

    package var labelled: Int { Int(performance.labelledCount) + regression.count + Int(multiclass.labelledCount) }

    /// Whether these are a regression model's outcomes (the layout's version 2).
    package var isRegression: Bool { regression.count + Int(regression.nonFiniteCount) > 0 }

    /// Whether these are a multiclass classifier's outcomes (the layout's version 3).
    package var isMulticlass: Bool { multiclass.labelledCount + multiclass.overflowCount > 0 }

    /// The layout version these outcomes need: 1 for a binary classifier's, as before the others.
    fileprivate var layoutVersion: UInt32 { isMulticlass ? 4 : isRegression ? 2 : 1 }
}

extension ReferenceOutcomes: Codable {
    private enum CodingKeys: String, CodingKey {
        case predictions, labelled, metrics, summaries
        case chunkSize = "chunk_size"
        case chunks
    }

    private static let blobKind = "reference-outcomes"

    private struct Summaries: BinaryEncodable {
        var outcomes: ReferenceOutcomes
        func encode(to writer: inout BinaryWriter) {
            writer.write(outcomes.performance)
            writer.write(outcomes.fairness)
            guard outcomes.layoutVersion >= 2 else { return }
            writer.write(outcomes.regression)
            writer.write(outcomes.regressionFairness)
            writer.write(outcomes.residuals)
            guard outcomes.layoutVersion >= 3 else { return }
            writer.write(outcomes.multiclass)
            writer.write(outcomes.multiclassFairness)
            guard outcomes.layoutVersion >= 4 else { return }
            writer.write(outcomes.classProbabilities)
        }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let bytes = Base64.decode(try container.decode(String.self, forKey: .summaries)) else {
            throw DecodingError.dataCorruptedError(forKey: .summaries, in: container, debugDescription: "not base64")
        }
        self = try VersionedBlob.decode(bytes, kind: Self.blobKind, newestVersion: 4) { reader, version in
            var outcomes = ReferenceOutcomes(predictions: 0, performance: try reader.read(BinaryOutcomeSummary.self),
                                             fairness: try reader.readArray(of: FairnessSummary.self), chunkSize: 0, chunks: [:])
            guard version >= 2 else { return outcomes }
            outcomes.regression = try reader.read(RegressionSummary.self)
            outcomes.regressionFairness = try reader.readArray(of: RegressionFairnessSummary.self)
            outcomes.residuals = try reader.read(ResidualHistogram.self)
            guard version >= 3 else { return outcomes }
            outcomes.multiclass = try reader.read(MulticlassOutcomeSummary.self)
            outcomes.multiclassFairness = try reader.readArray(of: GroupAccuracySummary.self)
            guard version >= 4 else { return outcomes }
            outcomes.classProbabilities = try reader.read(ClassProbabilityOutcomes.self)
            return outcomes
        }
        predictions = try container.decode(Int.self, forKey: .predictions)
        chunkSize = try container.decode(Int.self, forKey: .chunkSize)
        let named = try container.decode([String: ChunkStatistic].self, forKey: .chunks)
        chunks = [:]
        for (name, statistic) in named {
            guard let metric = PerformanceMetric(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .chunks, in: container, debugDescription: "unknown performance metric '\(name)'")
            }
            chunks[metric] = statistic
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(predictions, forKey: .predictions)
        try container.encode(labelled, forKey: .labelled)
        var metrics: [String: Double] = [:]
        for metric in PerformanceMetric.allCases { metrics[metric.rawValue] = PerformanceMetrics.value(metric, of: performance) }
        for metric in RegressionMetric.allCases { metrics[metric.rawValue] = regression.value(metric) }
        if isMulticlass {
            for metric in PerformanceMetric.allCases where metric.isMulticlass { metrics[metric.rawValue] = multiclass.value(metric) }
            for metric in MulticlassMetric.allCases { metrics[metric.rawValue] = multiclass.value(metric) }
        }
        try container.encode(metrics, forKey: .metrics)
        let blob = VersionedBlob.encode(Summaries(outcomes: self), kind: Self.blobKind, version: layoutVersion)
        try container.encode(Base64.encode(blob), forKey: .summaries)
        try container.encode(chunkSize, forKey: .chunkSize)
        try container.encode(Dictionary(uniqueKeysWithValues: chunks.map { ($0.key.rawValue, $0.value) }), forKey: .chunks)
    }
}

/// Drift statistics' spread across a profile's chunks of predictions (``ChunkVariation``).
package struct ReferenceChunks: Sendable, Equatable {
    package var size: Int
    package var statistics: [MetricKey: ChunkStatistic]

    package init(size: Int, statistics: [MetricKey: ChunkStatistic]) {
        self.size = size
        self.statistics = statistics
    }
}

extension ReferenceChunks: Codable {
    private enum CodingKeys: String, CodingKey {
        case size, statistics
    }

    /// One statistic: the subject as the profile names it (`@score`, `@prediction` or the feature).
    private struct Entry: Codable {
        var subject: String
        var metric: String
        var mean: Double
        var sd: Double
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        size = try container.decode(Int.self, forKey: .size)
        statistics = [:]
        for entry in try container.decode([Entry].self, forKey: .statistics) {
            guard let metric = FeatureMetric(rawValue: entry.metric) else {
                throw DecodingError.dataCorruptedError(forKey: .statistics, in: container, debugDescription: "unknown drift statistic '\(entry.metric)'")
            }
            statistics[MetricKey(MetricSubject(profileName: entry.subject), metric)] = ChunkStatistic(mean: entry.mean, standardDeviation: entry.sd)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(size, forKey: .size)
        let entries = statistics.sorted { ($0.key.subject, $0.key.metric) < ($1.key.subject, $1.key.metric) }.map {
            Entry(subject: $0.key.subject.profileName, metric: $0.key.metric.rawValue, mean: $0.value.mean, sd: $0.value.standardDeviation)
        }
        try container.encode(entries, forKey: .statistics)
    }
}

extension MetricSubject {
    /// The subject of a profile entry: `@score`, `@prediction` or a feature.
    init(profileName: String) {
        switch profileName {
        case OutputSubject.score: self = .score
        case OutputSubject.prediction: self = .prediction
        default: self = .feature(profileName)
        }
    }

    /// The name of a drift subject in a profile.
    var profileName: String {
        switch self {
        case .score: OutputSubject.score
        case .prediction: OutputSubject.prediction
        case let .feature(name): name
        case .model, .fairness, .classLabel: name
        }
    }
}
