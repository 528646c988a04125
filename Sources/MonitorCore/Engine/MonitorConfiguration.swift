import DriftCore

/// Everything that shapes what the monitor computes, besides the rules.
package struct MonitorConfiguration: Sendable {
    package var window = WindowSpec.hourlySlidingByFiveMinutes
    package var join = LabelJoin<JoinedPrediction>.Configuration()
    /// When a performance window's labels are complete enough to judge it.
    package var labelReadiness = LabelReadiness()
    /// Reference profiles by model and version (see ``ReferenceProfiles``); a version
    /// without one uses its own first window.
    package var references = ReferenceProfiles()
    /// Resolution of profiles built from the stream.
    package var profile = ProfileConfiguration()
    /// Feature kinds that override inference (for profiles built from the stream).
    package var featureKinds: [String: FeatureKind] = [:]
    package var caps = Caps()
    /// Each model's type (the configuration's `models`; undeclared models are binary).
    package var modelTypes = ModelTypes()
    /// Evaluations in a row that cannot judge a rule (for one model, version and subject)
    /// before a `rule_not_evaluated` notice says so.
    package var blindNoticeAfter = defaultBlindNoticeAfter
    package static let defaultBlindNoticeAfter = 12
    /// Whether evaluations emit metric events (every metric of every window): only when a
    /// sink wants them (`replay --metrics-out`, serve's gauges and metrics topic); off, the
    /// engine does not build them.
    package var emitsMetricEvents = true

    package init() {}

    /// Bounds on everything that grows with the input; what exceeds them is counted.
    package struct Caps: Sendable, Equatable {
        package var models = 100
        package var versionsPerModel = 20
        /// Distinct values kept per segment attribute; further values share `(other)`.
        package var segmentValuesPerAttribute = 100
        /// Segment attributes tracked for fairness (the first ones seen, in name order).
        package var segmentAttributes = 8
        /// Events kept to build a stream reference (beyond it, the reference is built
        /// from the first events only).
        package var referenceEvents = 500_000
        /// Events held at once by all versions still building a stream reference (each
        /// is kept whole until its reference is built: about 1 KB with 20 features), so
        /// many versions starting together cannot each hold `referenceEvents`.
        package var referenceEventsInTotal = 1_000_000
        /// Estimated bytes (``PredictionEvent/estimatedBytes``) of the events held at once
        /// for stream references. The event caps alone do not bound memory: one event may
        /// carry up to the decoder's 1 MiB (a thousand features), a thousand ordinary ones'
        /// worth, so a flood of wide events would otherwise hold up to a million of them.
        package var referenceBytesInTotal = 1 << 30
        /// Performance panes kept while waiting for labels.
        package var performancePanes = 2016

        package init() {}
    }
}

/// When a performance window has waited long enough for its labels (`labels` in the
/// configuration file). A window is judged once `coverageThreshold` of its predictions are
/// labelled; or, once `partialWaitMilliseconds` have passed since it closed, on the labels
/// it has if they are at least `partialMinimumLabelled`; or when the label time-to-live has
/// passed for all of its predictions. Waiting for coverage keeps accuracy from being judged
/// on the labels that happen to come first; the partial wait keeps a stream whose labels
/// trickle in over days (or of which fewer than `coverageThreshold` are ever labelled) from
/// holding its performance windows until the TTL, where a window holds enough labels for
/// every default performance threshold to stand out of sampling noise (with 5,000 labels
/// the standard error of an accuracy is at most 0.007). Sparse streams, whose windows hold
/// fewer labels, wait for coverage as before: there every label counts.
package struct LabelReadiness: Sendable, Equatable {
    package var coverageThreshold = 0.8
    package var partialWaitMilliseconds: Int64 = 2 * 3_600_000
    package var partialMinimumLabelled = 5_000

    package init() {}

    /// Whether a period's outcomes can be judged: `labelled` of its `predictions` have an
    /// outcome, `waited` milliseconds after its end (nil: no end in time, as count windows).
    func isReady(predictions: Int, labelled: Int, waited: Int64?) -> Bool {
        predictions == 0 || isCovered(predictions: predictions, labelled: labelled)
            || (waited.map { $0 >= partialWaitMilliseconds } ?? false) && labelled >= max(partialMinimumLabelled, 1)
    }

    func isCovered(predictions: Int, labelled: Int) -> Bool {
        Double(labelled) >= coverageThreshold * Double(predictions)
    }
}

/// A reference given up front: a profile (e.g. from `driftwatch profile` on training data)
/// and what the profile file adds to it.
package struct ProvidedReference: Sendable {
    package var profile: ReferenceProfile
    /// An id for the audit trail (e.g. the file name).
    package var identifier: String
    /// Outcomes of the reference's labelled predictions (nil: unlabelled data).
    package var outcomes: ReferenceOutcomes?
    /// Spread of each drift statistic across the reference's chunks (empty: not measured).
    package var chunkStatistics: [MetricKey: ChunkStatistic]

    package init(profile: ReferenceProfile, identifier: String, outcomes: ReferenceOutcomes? = nil, chunkStatistics: [MetricKey: ChunkStatistic] = [:]) {
        self.profile = profile
        self.identifier = identifier
        self.outcomes = outcomes
        self.chunkStatistics = chunkStatistics
    }
}

extension ProvidedReference {
    /// The reference a version of `modelType` is judged against: the profile's features and
    /// the outputs of its type, its chunk spreads and its outcomes' chunks.
    func active(modelType: ModelType) -> ActiveReference {
        ActiveReference(profile: profile.outputs(of: modelType), identifier: identifier, count: profile.rowCount, chunkStatistics: chunkStatistics,
                        performanceChunks: outcomes?.chunks ?? [:], performanceChunkSize: outcomes?.chunkSize ?? 0)
    }

    /// The reference's labelled outcomes in `shape` (none: unlabelled data).
    func performance(shape: OutcomeShape) -> ReferencePerformance {
        outcomes.map { ReferencePerformance($0, shape: shape) } ?? ReferencePerformance(shape)
    }
}

extension MonitorConfiguration {
    /// A version's performance panes and windows, in `outcomes`' shape (count windows'
    /// performance windows are fixed: they have no time to grow over).
    func performanceTracker(outcomes: OutcomeShape) -> PerformanceTracker {
        let sizing: WindowSpec.Sizing = if case .eventTime = window.kind { window.sizing } else { .fixed }
        return PerformanceTracker(panesPerWindow: window.panesPerWindow, readiness: labelReadiness, timeToLive: join.timeToLiveMilliseconds,
                                  maximumPanes: caps.performancePanes, outcomes: outcomes, sizing: sizing)
    }
}

/// References given up front, by model and version; `"*"` as version matches every version
/// of a model, and `"*"` as model every model.
package struct ReferenceProfiles: Sendable {
    package private(set) var references: [String: [String: ProvidedReference]] = [:]

    package init() {}

    package mutating func set(_ reference: ProvidedReference, model: String = "*", version: String = "*") {
        references[model, default: [:]][version] = reference
    }

    /// A bare profile, without outcomes or chunk spread.
    package mutating func set(_ profile: ReferenceProfile, identifier: String, model: String = "*", version: String = "*") {
        set(ProvidedReference(profile: profile, identifier: identifier), model: model, version: version)
    }

    func lookup(model: String, version: String) -> ProvidedReference? {
        for candidateModel in [model, "*"] {
            for candidateVersion in [version, "*"] {
                if let reference = references[candidateModel]?[candidateVersion] { return reference }
            }
        }
        return nil
    }

    /// Every reference with the model and version patterns it is registered under, in a stable order.
    var all: [(model: String, version: String, reference: ProvidedReference)] {
        references.sorted { $0.key < $1.key }.flatMap { model, versions in
            versions.sorted { $0.key < $1.key }.map { (model, $0.key, $0.value) }
        }
    }
}

/// The names under which the model's outputs appear in a profile, beside the features.
package enum OutputSubject {
    package static let score = "@score"
    package static let prediction = "@prediction"

    /// The category a predicted class is counted under in the `@prediction` profile:
    /// its decimal text. Classes are 0 or 1, whose texts are constants, so the per-event
    /// path does not format an integer.
    static func category(ofPredictedClass predicted: Int) -> String {
        switch predicted {
        case 0: "0"
        case 1: "1"
        default: String(predicted)
        }
    }
}
