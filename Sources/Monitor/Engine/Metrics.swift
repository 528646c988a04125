import DriftCore

/// What a metric is about.
public enum MetricSubject: Hashable, Sendable, Comparable {
    case model
    case score
    case prediction
    case feature(String)
    /// A sensitive attribute or an intersection of attributes.
    case fairness([String])

    /// The subject as alerts and metric lines name it.
    var name: String {
        switch self {
        case .model: "model"
        case .score: "score"
        case .prediction: "prediction"
        case let .feature(name): name
        case let .fairness(attributes): attributes.joined(separator: "×")
        }
    }

    /// Orders model, outputs, features, then segments; by name within each.
    public static func < (lhs: MetricSubject, rhs: MetricSubject) -> Bool {
        (lhs.rank, lhs.name) < (rhs.rank, rhs.name)
    }

    private var rank: Int {
        switch self {
        case .model: 0
        case .score: 1
        case .prediction: 2
        case .feature: 3
        case .fairness: 4
        }
    }
}

/// A metric of a subject.
public struct MetricKey: Hashable, Sendable {
    public var subject: MetricSubject
    public var metric: FeatureMetric

    public init(_ subject: MetricSubject, _ metric: FeatureMetric) {
        self.subject = subject
        self.metric = metric
    }
}

/// One computed value with the number of samples behind it (nil value: undefined,
/// e.g. an empty window).
public struct MetricObservation: Sendable, Equatable {
    public var key: MetricKey
    public var value: Double?
    public var samples: Int
}

/// The per-feature, score and predicted-class metrics of a drift window.
enum DriftMetrics {
    static func featureMetrics(of pane: DriftPane, layout: FeatureLayout) -> [MetricObservation] {
        var observations: [MetricObservation] = []
        for (index, name) in layout.numericNames.enumerated() {
            let typeErrors = pane.typeErrors[layout.flatIndex(.numeric(index))]
            observations += numeric(.feature(name), reference: layout.numericReferences[index],
                                    current: pane.numericSummary(index, layout: layout),
                                    typeErrors: typeErrors, outOfRange: pane.outOfRange[index])
        }
        for (index, name) in layout.categoricalNames.enumerated() {
            let typeErrors = pane.typeErrors[layout.flatIndex(.categorical(index))]
            observations += categorical(.feature(name), reference: layout.categoricalReferences[index],
                                        current: pane.categoricalSummary(index, layout: layout), typeErrors: typeErrors)
        }
        if let reference = layout.score, let current = pane.score {
            observations += numeric(.score, reference: reference, current: current, typeErrors: nil, outOfRange: nil)
        }
        if let reference = layout.prediction {
            observations += categorical(.prediction, reference: reference, current: pane.prediction, typeErrors: nil)
        }
        return observations
    }

    private static func numeric(
        _ subject: MetricSubject, reference: NumericReference, current: NumericSummary, typeErrors: Int?, outOfRange: Int?
    ) -> [MetricObservation] {
        guard let drift = try? NumericDriftResult(reference: reference, current: current) else { return [] }
        let present = current.finiteCount
        let total = current.totalCount + (typeErrors ?? 0)
        var values: [(FeatureMetric, Double?, Int)] = [
            (.psi, drift.psi, present), (.js, drift.js, present), (.hellinger, drift.hellinger, present),
            (.ks, drift.ks?.statistic, present), (.ksPValue, drift.ks?.pvalue, present),
            (.wasserstein, drift.wasserstein, present), (.meanShift, drift.meanShift, present),
            (.stdRatio, drift.stdRatio, present),
        ]
        values += missingRateMetrics(drift.missingRate, total: total)
        if let typeErrors { values.append((.typeErrorRate, rate(typeErrors, total), total)) }
        if let outOfRange { values.append((.outOfRangeRate, rate(outOfRange, present), present)) }
        return values.map { MetricObservation(key: MetricKey(subject, $0.0), value: $0.1, samples: $0.2) }
    }

    private static func categorical(
        _ subject: MetricSubject, reference: CategoricalReference, current: CategoricalSummary, typeErrors: Int?
    ) -> [MetricObservation] {
        let drift = CategoricalDriftResult(reference: reference, current: current)
        let present = current.presentCount
        let total = current.totalCount + (typeErrors ?? 0)
        var values: [(FeatureMetric, Double?, Int)] = [
            (.psi, drift.psi, present), (.js, drift.js, present), (.tvd, drift.tvd, present),
            (.chi2, drift.chi2?.statistic, present), (.chi2PValue, drift.chi2?.pValue, present),
            (.newCategoryRate, drift.newCategoryRate, present),
            // Values past the category cap (counted, their category unknown).
            (.categoryOverflowRate, rate(current.overflowCount, present), present),
        ]
        values += missingRateMetrics(drift.missingRate, total: total)
        if let typeErrors { values.append((.typeErrorRate, rate(typeErrors, total), total)) }
        return values.map { MetricObservation(key: MetricKey(subject, $0.0), value: $0.1, samples: $0.2) }
    }

    private static func missingRateMetrics(_ comparison: MissingRateComparison, total: Int) -> [(FeatureMetric, Double?, Int)] {
        let delta = comparison.current.flatMap { current in comparison.reference.map { current - $0 } }
        return [(.missingRate, comparison.current, total), (.missingRateDelta, delta, total),
                (.missingRatePValue, comparison.pvalue, total)]
    }

    static func rate(_ count: Int, _ total: Int) -> Double? {
        total > 0 ? Double(count) / Double(total) : nil
    }
}
