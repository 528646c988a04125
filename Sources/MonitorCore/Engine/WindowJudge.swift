import DriftCore

/// Turns a version's complete windows into the evaluations its rules read: a drift window's
/// feature metrics, selection rates, predicted classes and CBPE estimate; a performance
/// window's outcomes for its model type, with its groups, coverage and detector signals.
/// What `VersionMonitor` does with the windows its sliding window and performance tracker
/// make, and what a merge stage does with those a ``PaneMerge`` makes (issue 11): both
/// judge a window the same way, whoever recorded its panes.
///
/// Cost: a drift window's metrics, O(features × bins); CBPE's estimator is fitted once per
/// settled state of the reference's outcomes (see ``estimate(_:against:)``); a performance
/// window O(groups).
struct WindowJudge {
    let model: String
    let version: String
    let modelType: ModelType
    private let rules: RuleEvaluator
    /// Event-time windows' pane width (nil for count windows, whose panes have no time).
    let paneMilliseconds: Int64?
    /// CBPE's estimator, fitted on the reference's labelled outcomes once they are settled
    /// (a profile's: at the first estimate), keyed by the reference predictions resolved when
    /// it was fitted: refitted only when more reference labels arrived since. A function of
    /// those outcomes alone, so a restored checkpoint refits the same one. Nil estimator:
    /// the outcomes cannot calibrate (no scored labelled prediction).
    private var calibration: (resolved: Int, estimator: BinaryConfidenceBasedEstimator?)?

    /// What the version's windows are judged against: its reference, the reference's
    /// outcomes, its fairness attribute sets, and those of their attributes it does not
    /// track (rules on them are skipped, saying so).
    struct Basis {
        var reference: ActiveReference
        var referencePerformance: ReferencePerformance
        var fairnessAttributes: [[String]]
        var missingAttributes: Set<String>
    }

    init(model: String, version: String, modelType: ModelType, rules: RuleEvaluator, window: WindowSpec.Kind) {
        self.model = model
        self.version = version
        self.modelType = modelType
        self.rules = rules
        if case let .eventTime(width, _) = window { paneMilliseconds = width } else { paneMilliseconds = nil }
    }

    /// Forgets the fitted estimator (the version starts over against a new reference).
    mutating func resetCalibration() {
        calibration = nil
    }

    /// The evaluations of drift windows closed together: they share the arrivals'
    /// `lateEventRate` since the last evaluation.
    mutating func driftEvaluations(_ closed: [ClosedWindow<DriftPane>], basis: Basis, lateEventRate: Double?) -> [Evaluation] {
        closed.map { window in
            var context = EvaluationContext(
                model: model, version: version, kind: .drift, windowStart: window.start, windowEnd: window.end,
                count: window.eventCount, reference: basis.reference, referencePerformance: basis.referencePerformance)
            context.driftWindow = window.summary
            context.featureMetrics = DriftMetrics.featureMetrics(of: window.summary, layout: basis.reference.layout, statistics: rules.numericStatistics)
            // Selection rates are a binary classifier's (a regression model predicts no class).
            if modelType == .binary { context.selection = zip(basis.fairnessAttributes, window.summary.selection).map { ($0, $1) } }
            if modelType == .multiclass { context.predictedClasses = window.summary.prediction }
            context.missingAttributes = basis.missingAttributes
            context.volume = window.eventCount
            context.lateEventRate = lateEventRate
            if let scores = window.summary.predictedScores { context.estimate = estimate(scores, against: basis.referencePerformance) }
            if let rows = window.summary.classProbabilities { context.estimate = rows.estimate }
            return Evaluation(context: context)
        }
    }

    /// CBPE on a window's scores, calibrated on the reference's settled outcomes.
    private mutating func estimate(_ scores: PredictedScoreHistogram, against referencePerformance: ReferencePerformance) -> PerformanceEstimate {
        let scored = Int(scores.scoredCount), clipped = Int(scores.clippedScoreCount)
        let basis = EstimateBasis.scores(scored: scored, clipped: clipped)
        guard referencePerformance.isSettled(rules.labelReadiness) else { return .unavailable(basis) }
        if calibration?.resolved != referencePerformance.resolved {
            let fitted = try? IsotonicCalibration(outcomes: referencePerformance.outcome)
            calibration = (referencePerformance.resolved, fitted.map(BinaryConfidenceBasedEstimator.init))
        }
        guard let estimated = calibration?.estimator?.estimate(scores) else { return .unavailable(basis) }
        return .binary(estimated, basis)
    }

    /// The evaluations of ready performance windows.
    func performanceEvaluations(_ ready: [PerformanceTracker.Window], basis: Basis) -> [Evaluation] {
        ready.map { window in
            var context = EvaluationContext(
                model: model, version: version, kind: .performance,
                windowStart: paneMilliseconds.map { window.firstPane * $0 } ?? window.start,
                windowEnd: paneMilliseconds.map { (window.lastPane + 1) * $0 } ?? window.end,
                count: window.predictions, reference: basis.reference, referencePerformance: basis.referencePerformance)
            switch modelType {
            case .binary: context.outcome = window.outcome
            case .regression:
                context.regression = window.regression
                context.residuals = window.residuals
                context.regressionFairness = zip(basis.fairnessAttributes, window.regressionFairness).map { ($0, $1) }
            case .multiclass:
                context.multiclass = window.multiclass
                context.multiclassFairness = zip(basis.fairnessAttributes, window.multiclassFairness).map { ($0, $1) }
            }
            context.missingAttributes = basis.missingAttributes
            context.labelled = window.labelled
            context.labelCoverage = window.coverage
            context.outcomeFairness = zip(basis.fairnessAttributes, window.fairness).map { ($0, $1) }
            context.detectorSignals = window.detectorSignals
            return Evaluation(context: context)
        }
    }
}
