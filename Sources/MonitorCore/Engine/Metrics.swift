import DriftCore

/// What a metric is about.
package enum MetricSubject: Hashable, Sendable, Comparable {
    case model
    case score
    case prediction
    case feature(String)
    /// A sensitive attribute or an intersection of attributes.
    case fairness([String])
    /// A multiclass classifier's class.
    case classLabel(String)

    /// The subject as alerts and metric lines name it.
    package var name: String {
        switch self {
        case .model: "model"
        case .score: "score"
        case .prediction: "prediction"
        case let .feature(name): name
        case let .fairness(attributes): attributes.joined(separator: "×")
        case let .classLabel(name): name
        }
    }

    /// Orders model, outputs, features, segments, then classes; by name within each.
    package static func < (lhs: MetricSubject, rhs: MetricSubject) -> Bool {
        (lhs.rank, lhs.name) < (rhs.rank, rhs.name)
    }

    private var rank: Int {
        switch self {
        case .model: 0
        case .score: 1
        case .prediction: 2
        case .feature: 3
        case .fairness: 4
        case .classLabel: 5
        }
    }
}

/// A metric of a subject.
package struct MetricKey: Hashable, Sendable {
    package var subject: MetricSubject
    package var metric: FeatureMetric

    package init(_ subject: MetricSubject, _ metric: FeatureMetric) {
        self.subject = subject
        self.metric = metric
    }
}

/// One computed value with the number of samples behind it (nil value: undefined,
/// e.g. an empty window), and how likely sampling noise alone is to give a difference
/// from the reference at least this large (nil where no test applies).
package struct MetricObservation: Sendable, Equatable {
    package var key: MetricKey
    package var value: Double?
    package var samples: Int
    package var pValue: Double?
}

/// The per-feature, score and predicted-class metrics of a drift window.
enum DriftMetrics {
    /// Every subject's metrics, in subject order. Numeric subjects compute the `statistics`
    /// asked for; the others' observations are listed with no value (the ones rules read
    /// are always asked for: ``RuleEvaluator/numericStatistics``).
    static func featureMetrics(
        of pane: DriftPane, layout: FeatureLayout, statistics: NumericDriftResult.Statistics = .all
    ) -> [MetricObservation] {
        var observations: [MetricObservation] = []
        for index in layout.numericNames.indices {
            observations += numericFeature(index, of: pane, layout: layout, statistics: statistics)
        }
        for index in layout.categoricalNames.indices {
            observations += categoricalFeature(index, of: pane, layout: layout)
        }
        observations += score(of: pane, layout: layout, statistics: statistics)
        observations += prediction(of: pane, layout: layout)
        return observations
    }

    /// One subject's metrics, every statistic computed (what an alert's evidence lists).
    static func metrics(of subject: MetricSubject, in pane: DriftPane, layout: FeatureLayout) -> [MetricObservation] {
        switch subject {
        case let .feature(name):
            switch layout.slot(of: name) {
            case let .numeric(index)?: numericFeature(index, of: pane, layout: layout, statistics: .all)
            case let .categorical(index)?: categoricalFeature(index, of: pane, layout: layout)
            case nil: []
            }
        case .score: score(of: pane, layout: layout, statistics: .all)
        case .prediction: prediction(of: pane, layout: layout)
        case .model, .fairness, .classLabel: []
        }
    }

    private static func numericFeature(
        _ index: Int, of pane: DriftPane, layout: FeatureLayout, statistics: NumericDriftResult.Statistics
    ) -> [MetricObservation] {
        numeric(.feature(layout.numericNames[index]), reference: layout.numericReferences[index],
                current: pane.numericSummary(index, layout: layout), statistics: statistics,
                typeErrors: pane.typeErrors[layout.flatIndex(.numeric(index))], outOfRange: pane.outOfRange[index])
    }

    private static func categoricalFeature(_ index: Int, of pane: DriftPane, layout: FeatureLayout) -> [MetricObservation] {
        categorical(.feature(layout.categoricalNames[index]), reference: layout.categoricalReferences[index],
                    current: pane.categoricalSummary(index, layout: layout), typeErrors: pane.typeErrors[layout.flatIndex(.categorical(index))])
    }

    private static func score(of pane: DriftPane, layout: FeatureLayout, statistics: NumericDriftResult.Statistics) -> [MetricObservation] {
        guard let reference = layout.score, let current = pane.score else { return [] }
        return numeric(.score, reference: reference, current: current, statistics: statistics, typeErrors: nil, outOfRange: nil)
    }

    private static func prediction(of pane: DriftPane, layout: FeatureLayout) -> [MetricObservation] {
        guard let reference = layout.prediction else { return [] }
        return categorical(.prediction, reference: reference, current: pane.prediction, typeErrors: nil)
    }

    private static func numeric(
        _ subject: MetricSubject, reference: NumericReference, current: NumericSummary, statistics: NumericDriftResult.Statistics,
        typeErrors: Int?, outOfRange: Int?
    ) -> [MetricObservation] {
        guard let drift = try? NumericDriftResult(reference: reference, current: current, statistics: statistics) else { return [] }
        let present = current.finiteCount
        let total = current.totalCount + (typeErrors ?? 0)
        // The binned divergences share Pearson's test on the coarse bins; the shape statistics the KS test.
        let binned = drift.binned?.pValue
        let ks = drift.ks?.pvalue
        var values: [(FeatureMetric, Double?, Int, Double?)] = [
            (.psi, drift.psi, present, binned), (.js, drift.js, present, binned), (.hellinger, drift.hellinger, present, binned),
            (.ks, drift.ks?.statistic, present, ks), (.ksPValue, drift.ks?.pvalue, present, nil),
            (.wasserstein, drift.wasserstein, present, ks), (.meanShift, drift.meanShift, present, ks),
            (.stdRatio, drift.stdRatio, present, ks),
        ]
        values += missingRateMetrics(drift.missingRate, total: total)
        if let typeErrors { values.append((.typeErrorRate, rate(typeErrors, total), total, nil)) }
        if let outOfRange { values.append((.outOfRangeRate, rate(outOfRange, present), present, nil)) }
        return values.map { MetricObservation(key: MetricKey(subject, $0.0), value: $0.1, samples: $0.2, pValue: $0.3) }
    }

    private static func categorical(
        _ subject: MetricSubject, reference: CategoricalReference, current: CategoricalSummary, typeErrors: Int?
    ) -> [MetricObservation] {
        let drift = CategoricalDriftResult(reference: reference, current: current)
        let present = current.presentCount
        let total = current.totalCount + (typeErrors ?? 0)
        let homogeneity = drift.chi2?.pValue
        var values: [(FeatureMetric, Double?, Int, Double?)] = [
            (.psi, drift.psi, present, homogeneity), (.js, drift.js, present, homogeneity), (.tvd, drift.tvd, present, homogeneity),
            (.chi2, drift.chi2?.statistic, present, homogeneity), (.chi2PValue, drift.chi2?.pValue, present, nil),
            (.newCategoryRate, drift.newCategoryRate, present, drift.newCategoryPValue),
            // Values past the category cap (counted, their category unknown).
            (.categoryOverflowRate, rate(current.overflowCount, present), present, nil),
        ]
        values += missingRateMetrics(drift.missingRate, total: total)
        if let typeErrors { values.append((.typeErrorRate, rate(typeErrors, total), total, nil)) }
        return values.map { MetricObservation(key: MetricKey(subject, $0.0), value: $0.1, samples: $0.2, pValue: $0.3) }
    }

    private static func missingRateMetrics(_ comparison: MissingRateComparison, total: Int) -> [(FeatureMetric, Double?, Int, Double?)] {
        let delta = comparison.current.flatMap { current in comparison.reference.map { current - $0 } }
        return [(.missingRate, comparison.current, total, comparison.pvalue), (.missingRateDelta, delta, total, comparison.pvalue),
                (.missingRatePValue, comparison.pvalue, total, nil)]
    }

    static func rate(_ count: Int, _ total: Int) -> Double? {
        total > 0 ? Double(count) / Double(total) : nil
    }
}

extension FeatureMetric {
    /// The numeric drift statistics this metric's value and p-value rest on (none: it
    /// costs nothing of its own, or it is categorical).
    var numericStatistics: NumericDriftResult.Statistics {
        switch self {
        case .psi, .js, .hellinger: .binned
        // Mean shift and std ratio are the moments', their p-value the KS test's.
        case .ks, .ksPValue, .meanShift, .stdRatio: .kolmogorovSmirnov
        case .wasserstein: [.wasserstein, .kolmogorovSmirnov]
        case .tvd, .chi2, .chi2PValue, .newCategoryRate, .categoryOverflowRate, .missingRate, .missingRateDelta,
             .missingRatePValue, .typeErrorRate, .outOfRangeRate: []
        }
    }
}
