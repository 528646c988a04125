import DriftCore

/// Judges every applicable rule on each evaluation, keeps each alert instance's
/// lifecycle, and writes alert, retraining and metric events.
final class RuleEvaluator {
    let ruleSet: RuleSet
    /// Share of the reference period's predictions that must have an outcome before its
    /// performance and fairness serve as the baseline of `reference ± x` conditions
    /// (until then such conditions are skipped, neither breached nor cleared).
    let labelReadiness: LabelReadiness

    private struct InstanceKey: Hashable {
        var rule: Int
        var model: String
        var version: String
        var subject: MetricSubject
    }

    private struct Instance {
        var lifecycle = AlertLifecycle()
        var firingID: String?
        /// Evaluations in a row that could not judge the rule, the first one's window end,
        /// and whether a notice said so.
        var skippedInARow = 0
        var skippedSince: Int64 = 0
        var reportedBlind = false
        /// Judged evaluations since the instance last resolved, while a new firing would count as a flap.
        var sinceResolved: Int?

        /// Whether the instance holds nothing a fresh one would not (so it need not be kept).
        var isFresh: Bool { lifecycle.isInactive && skippedInARow == 0 && !reportedBlind && sinceResolved == nil }
    }

    private var instances: [InstanceKey: Instance] = [:]

    private struct ApplicableRulesKey: Hashable {
        var model: String
        var version: String
        var kind: EvaluationContext.Kind
    }

    /// ``applicableRules(to:)`` by version and kind: two entries per version, whose number
    /// the engine caps (`Caps.models`, `Caps.versionsPerModel`).
    private var applicable: [ApplicableRulesKey: [(rule: Int, subjects: [MetricSubject])]] = [:]
    /// What each rule's evaluations came to, by rule position.
    private var activity: [RuleActivity]
    /// Consecutive skipped evaluations of one instance after which a notice says it is blind.
    let blindNoticeAfter: Int
    /// Whether evaluations emit metric events (``MonitorConfiguration/metricEvents``).
    let metricEvents: Bool
    /// The numeric drift statistics a drift evaluation computes: all of them for metric
    /// events, else those the rules read (the KS test and the Wasserstein distance cost
    /// O(B) per feature and window; the default rules read only psi). An alert's evidence,
    /// which lists every statistic of its subject, computes the rest for that subject.
    let numericStatistics: NumericDriftResult.Statistics
    /// Each model's type (declared, or inferred by the engine before the model's first
    /// version is monitored): rules on another type's metrics do not apply to it.
    var modelTypes: ModelTypes
    /// A firing within this many judged evaluations of the same instance's resolution is a flap.
    static let flapEvaluations = 12
    private var lastRetrain: [String: Int64] = [:]
    /// Retraining rules that started firing within the cooldown of the previous trigger
    /// for the same model version (no trigger emitted).
    private(set) var retrainTriggersInCooldown = 0

    init(ruleSet: RuleSet, labelReadiness: LabelReadiness = LabelReadiness(), blindNoticeAfter: Int = MonitorConfiguration.defaultBlindNoticeAfter,
         metricEvents: Bool = true, modelTypes: ModelTypes = ModelTypes()) {
        self.ruleSet = ruleSet
        self.modelTypes = modelTypes
        self.metricEvents = metricEvents
        numericStatistics = metricEvents ? .all : ruleSet.rules.reduce(into: []) { needed, rule in
            switch rule.metric.name {
            case let .feature(metric): needed.formUnion(metric.numericStatistics)
            case .health(.driftedFeatureShare): needed.formUnion(Self.driftedFeatureStatistic(rule).numericStatistics)
            default: break
            }
        }
        self.labelReadiness = labelReadiness
        self.blindNoticeAfter = blindNoticeAfter
        activity = ruleSet.rules.map { RuleActivity(rule: $0.name, minSamples: $0.minSamples) }
    }

    /// What each rule's evaluations came to, in rule order.
    var ruleActivity: [RuleActivity] { activity }

    /// The evaluator of `ruleSet` as `configuration` sets it up: its label readiness, blind
    /// notices, metric events and declared model types.
    convenience init(ruleSet: RuleSet, configuration: MonitorConfiguration) {
        self.init(ruleSet: ruleSet, labelReadiness: configuration.labelReadiness, blindNoticeAfter: configuration.blindNoticeAfter,
                  metricEvents: configuration.emitsMetricEvents, modelTypes: configuration.modelTypes)
    }

    /// Attribute sets to track for a version: every tracked attribute alone, plus the
    /// intersections its fairness rules ask for.
    func fairnessAttributeSets(model: String, version: String, tracked: [String]) -> [[String]] {
        var sets = tracked.sorted().map { [$0] }
        for rule in ruleSet.rules where rule.scope == .fairness && rule.selector.matches(model: model, version: version) && applies(rule, toModel: model) {
            for attributes in rule.selector.attributes where !sets.contains(attributes) { sets.append(attributes) }
        }
        return sets
    }

    /// Whether a rule that applies to a version uses an `estimated_*` metric: its drift
    /// panes then keep the scores by predicted class that CBPE estimates from.
    func estimatesPerformance(model: String, version: String) -> Bool {
        ruleSet.rules.contains { rule in
            guard case .estimated = rule.metric.name else { return false }
            return rule.selector.matches(model: model, version: version) && applies(rule, toModel: model)
        }
    }

    /// A fresh detector for each change-detector rule that applies to a version, with
    /// the rule's position (detectors run on the version's error stream).
    func makeDetectors(model: String, version: String) -> [(rule: Int, detector: ErrorStreamDetector)] {
        ruleSet.rules.enumerated().compactMap { index, rule in
            guard case let .changeDetector(kind) = rule.metric.name, rule.selector.matches(model: model, version: version), applies(rule, toModel: model),
                  let detector = try? ErrorStreamDetector(kind: kind, parameters: rule.parameters) else { return nil }
            return (index, detector)
        }
    }

    /// Every metric of the evaluation as metric lines (when ``metricEvents``), then the
    /// rules' alerts and triggers.
    func evaluate(_ context: EvaluationContext) -> [MonitorOutput] {
        var outputs = metricEvents ? metricLines(context) : []
        for (index, subjects) in applicableRules(to: context) {
            let rule = ruleSet.rules[index]
            for subject in rule.scope == .classes ? classSubjects(of: rule, in: context) : subjects {
                let measured = measure(rule, ruleIndex: index, subject: subject, context: context)
                outputs += judge(rule, ruleIndex: index, subject: subject, measured: measured, context: context)
            }
        }
        return outputs
    }

    /// The rules that apply to an evaluation, by position, each with its subjects. They
    /// depend only on the version, the kind of evaluation, the reference's features and the
    /// fairness attribute sets — all fixed once a version is monitored — so they are worked
    /// out (selectors matched, features sorted) once per version and kind, not per evaluation.
    private func applicableRules(to context: EvaluationContext) -> [(rule: Int, subjects: [MetricSubject])] {
        let key = ApplicableRulesKey(model: context.model, version: context.version, kind: context.kind)
        if let known = applicable[key] { return known }
        let found = ruleSet.rules.indices.compactMap { index -> (rule: Int, subjects: [MetricSubject])? in
            let rule = ruleSet.rules[index]
            guard evaluationKind(of: rule) == context.kind, rule.selector.matches(model: context.model, version: context.version),
                  applies(rule, toModel: context.model) else { return nil }
            return (index, subjects(of: rule, in: context))
        }
        applicable[key] = found
        return found
    }

    // MARK: Which rules, which subjects

    /// Whether a rule's metric exists for the model's type (an accuracy rule selecting
    /// every model skips a regression model's windows; ``MonitorEngine/modelTypeGaps`` says so at start).
    /// A regression model has no predicted class: `prediction`-scoped rules skip it too; a
    /// multiclass classifier has no score: `score`-scoped rules skip it.
    private func applies(_ rule: Rule, toModel model: String) -> Bool {
        let type = modelTypes[model]
        return rule.metric.name.modelTypes.contains(type) && !type.lacks(rule.scope)
    }

    private func evaluationKind(of rule: Rule) -> EvaluationContext.Kind {
        rule.metric.name.evaluationKind
    }

    private func subjects(of rule: Rule, in context: EvaluationContext) -> [MetricSubject] {
        let layout = context.reference.layout
        switch rule.scope {
        case .features:
            let numeric = layout.numericNames.filter { rule.selector.matches(feature: $0, kind: .numeric) }
            let categorical = layout.categoricalNames.filter { rule.selector.matches(feature: $0, kind: .categorical) }
            return (numeric + categorical).sorted().map(MetricSubject.feature)
        case .score: return [.score]
        case .prediction: return [.prediction]
        case .model: return [.model]
        // Classes appear as the stream goes: worked out per evaluation (``classSubjects(of:in:)``).
        case .classes: return []
        case .fairness:
            var sets = rule.selector.attributes
            if rule.selector.everyAttribute {
                // Every attribute of the version is summarised alone (`fairnessAttributeSets`).
                let summarised = (context.selection + context.outcomeFairness).map(\.0) + context.regressionFairness.map(\.0)
                    + context.multiclassFairness.map(\.0)
                for attributes in summarised where attributes.count == 1 && !sets.contains(attributes) {
                    sets.append(attributes)
                }
            }
            return sets.map(MetricSubject.fairness)
        }
    }

    /// A classes-scope rule's subjects: the matching classes of the window's outcomes and of
    /// the reference's, by name (a class the window lacks is judged without a value: skipped);
    /// on a drift window, the classes predicted in it or in the reference.
    private func classSubjects(of rule: Rule, in context: EvaluationContext) -> [MetricSubject] {
        classNames(in: context).filter(rule.selector.matches(class:)).map(MetricSubject.classLabel)
    }

    /// The classes of an evaluation, sorted: see ``classSubjects(of:in:)``.
    private func classNames(in context: EvaluationContext) -> [String] {
        if let window = context.multiclass {
            return Set(window.allClassNames).union(context.referencePerformance.multiclass.allClassNames).sorted()
        }
        guard let predicted = context.predictedClasses else { return [] }
        return Set(predicted.counts.keys).union(context.reference.layout.prediction.map { Array($0.summary.counts.keys) } ?? []).sorted()
    }

    /// A class's share of a drift window's predictions against the reference's, with the
    /// two-proportion z-test of the difference (the noise gate).
    private func measureClassShare(_ name: String, context: EvaluationContext) -> Measured {
        guard let predicted = context.predictedClasses else { return Measured(samples: 0) }
        let window = predicted.share(of: name)
        let baseline = context.reference.layout.prediction?.summary.share(of: name)
        let referenceValue = baseline.flatMap { $0.predictions > 0 ? Double($0.predicted) / Double($0.predictions) : nil }
        var pValue: Double?
        if let baseline, baseline.predictions > 0, window.predictions > 0 {
            pValue = HypothesisTests.twoProportionZTest(successes1: window.predicted, trials1: window.predictions,
                                                        successes2: baseline.predicted, trials2: baseline.predictions)
        }
        return Measured(value: window.predictions > 0 ? Double(window.predicted) / Double(window.predictions) : nil, samples: window.predictions,
                        reference: ReferenceStatistic(value: referenceValue), evidence: .classShare(predicted: window.predicted, predictions: window.predictions),
                        pValue: pValue, noEffect: referenceValue)
    }

    // MARK: Measuring

    private struct Measured {
        var value: Double?
        var samples: Int
        var reference: ReferenceStatistic?
        var evidence = EvidenceSource.none
        /// How likely sampling noise alone is to give this difference from the reference (nil: no test).
        var pValue: Double?
        /// The value that means "no effect", towards which a firing alert must come back to clear.
        var noEffect: Double?
        /// A fairness rule's segment attributes the version does not track: nothing to measure.
        var missingAttributes: [String] = []
    }

    /// What an alert event shows as its evidence, written out only when an event is
    /// built (a transition): nearly every evaluation builds none, and formatting every
    /// metric of every subject for each rule was a large share of an evaluation.
    private enum EvidenceSource {
        case none
        /// Every defined metric of the subject, in the evaluation's order.
        case featureMetrics
        case performance
        /// The window's expected confusion matrix (CBPE).
        case estimatedPerformance(PerformanceEstimate)
        case fairness(FairnessReport)
        /// Each group's mean absolute error (groups without recorded rows left out).
        case regressionFairness(RegressionFairnessReport)
        /// Each group's accuracy (groups without rows left out).
        case groupAccuracy(GroupAccuracyReport)
        /// The drifted features, most drifted first (at most five).
        case driftedFeatures([MetricObservation])
        /// A class's predictions in the window and all its predictions (`class_share`).
        case classShare(predicted: Int, predictions: Int)

        func items(subject: MetricSubject, context: EvaluationContext) -> [Evidence] {
            switch self {
            case .none:
                return []
            case .featureMetrics:
                // Computed anew: the evaluation computed only the statistics rules read.
                guard let window = context.driftWindow else { return [] }
                return DriftMetrics.metrics(of: subject, in: window, layout: context.reference.layout).compactMap { observation in
                    observation.value.map { Evidence(observation.key.metric.rawValue, .number($0)) }
                }
            case .performance:
                return [Evidence("labelled", .count(context.labelled)), Evidence(HealthMetric.labelCoverage.rawValue, .number(context.labelCoverage ?? 0))]
            case let .estimatedPerformance(estimate):
                let basis: [Evidence] = switch estimate.basis {
                case nil: []
                case let .scores(scored, clipped)?: [Evidence("scored_predictions", .count(scored)), Evidence("clipped_scores", .count(clipped))]
                case let .classProbabilities(scored, unscored, uncalibrated)?:
                    [Evidence("scored_predictions", .count(scored)), Evidence("unscored_predictions", .count(unscored)),
                     Evidence("uncalibrated_predictions", .count(uncalibrated))]
                }
                switch estimate {
                case .notTracked, .unavailable: return basis
                case let .binary(matrix, _):
                    return basis + [
                        Evidence("expected_true_positives", .number(matrix.truePositives)),
                        Evidence("expected_false_positives", .number(matrix.falsePositives)),
                        Evidence("expected_true_negatives", .number(matrix.trueNegatives)),
                        Evidence("expected_false_negatives", .number(matrix.falseNegatives))]
                case let .multiclass(matrix, _):
                    return basis + [Evidence("expected_correct", .number(matrix.truePositives.reduce(0, +)))]
                }
            case let .fairness(report):
                return report.groups.map { group in
                    Evidence(group.key.description, .group(selectionRate: group.selectionRate.value, predictions: Int(group.predictionCount)))
                }
            case let .regressionFairness(report):
                return report.groups.compactMap { group in group.meanAbsoluteError.map { Evidence(group.key.description, .number($0)) } }
            case let .groupAccuracy(report):
                return report.groups.compactMap { group in group.accuracy.map { Evidence(group.key.description, .number($0)) } }
            case let .driftedFeatures(drifted):
                return drifted.map { Evidence($0.key.subject.name, .number($0.value!)) }
            case let .classShare(predicted, predictions):
                return [Evidence("class_predictions", .count(predicted)), Evidence("predictions", .count(predictions))]
            }
        }
    }

    private func measure(_ rule: Rule, ruleIndex: Int, subject: MetricSubject, context: EvaluationContext) -> Measured {
        switch rule.metric.name {
        case let .feature(name):
            let key = MetricKey(subject, name)
            guard let observation = context.featureMetrics.first(where: { $0.key == key }) else { return Measured(samples: 0) }
            var reference = context.reference.chunkStatistics[key].map {
                ReferenceStatistic(chunkMean: $0.mean, chunkStandardDeviation: $0.standardDeviation)
            }
            if name == .missingRate, case let .feature(feature) = subject {
                reference = ReferenceStatistic(value: referenceMissingRate(feature, context.reference))
            }
            return Measured(value: observation.value, samples: observation.samples, reference: reference, evidence: .featureMetrics,
                            pValue: observation.pValue, noEffect: reference?.value ?? name.noEffectValue)
        case let .health(name):
            return measureHealth(name, rule, context: context)
        case let .performance(name):
            if let multiclass = context.multiclass {
                // No noise gate: no test of a difference applies to these summaries (as regression metrics).
                let baseline = context.referencePerformance
                let referenceValue = baseline.isSettled(labelReadiness) ? baseline.multiclass.value(name) : nil
                return Measured(value: multiclass.value(name), samples: context.labelled, reference: ReferenceStatistic(value: referenceValue),
                                evidence: .performance, noEffect: referenceValue)
            }
            guard let outcome = context.outcome else { return Measured(samples: 0) }
            let baseline = context.referencePerformance
            let reference = performanceReference(name, samples: context.labelled, context: context)
            return Measured(value: PerformanceMetrics.value(name, of: outcome), samples: context.labelled, reference: reference,
                            evidence: .performance,
                            pValue: baseline.isSettled(labelReadiness)
                                ? PerformanceMetrics.pValue(name, of: outcome, reference: baseline.outcome) : nil,
                            noEffect: reference.value)
        case let .estimated(name):
            // No noise gate: the estimate is an expectation over the window's scores, not a
            // count of outcomes, so no test of realized proportions applies (judged on its value).
            let estimate = context.estimate
            let reference = modelTypes[context.model] == .multiclass
                ? ReferenceStatistic(value: estimatedMulticlassReference(name, context.referencePerformance))
                : performanceReference(name.realized, samples: estimate.samples, context: context)
            return Measured(value: estimate.value(name), samples: estimate.samples, reference: reference,
                            evidence: .estimatedPerformance(estimate), noEffect: reference.value)
        case .changeDetector:
            return Measured(value: context.detectorSignals[ruleIndex].map { $0 ? 1 : 0 }, samples: context.labelled)
        case let .regression(name):
            guard let regression = context.regression else { return Measured(samples: 0) }
            // No noise gate (no test of a difference in errors applies to summaries); the
            // reference is the reference period's value once its outcomes are settled.
            let baseline = context.referencePerformance
            let referenceValue = baseline.isSettled(labelReadiness) ? baseline.regression.value(name) : nil
            return Measured(value: regression.value(name), samples: context.labelled, reference: ReferenceStatistic(value: referenceValue),
                            evidence: .performance, noEffect: referenceValue)
        case let .residualDrift(name):
            // The reference's residuals once its outcomes are settled; no noise gate (as the
            // regression metrics'): judged on the value, with `min_samples` labelled predictions.
            guard let residuals = context.residuals else { return Measured(samples: 0) }
            let baseline = context.referencePerformance
            let value = baseline.isSettled(labelReadiness) ? name.value(of: residuals, reference: baseline.residuals) : nil
            return Measured(value: value, samples: context.labelled, evidence: .performance, noEffect: 0)
        case let .multiclass(name):
            guard let multiclass = context.multiclass else { return Measured(samples: 0) }
            let baseline = context.referencePerformance
            let referenceValue = baseline.isSettled(labelReadiness) ? baseline.multiclass.value(name) : nil
            return Measured(value: multiclass.value(name), samples: context.labelled, reference: ReferenceStatistic(value: referenceValue),
                            evidence: .performance, noEffect: referenceValue)
        case let .perClass(name):
            guard let multiclass = context.multiclass, case let .classLabel(className) = subject else { return Measured(samples: 0) }
            let baseline = context.referencePerformance
            let referenceValue = baseline.isSettled(labelReadiness) ? baseline.multiclass.value(name, of: className) : nil
            return Measured(value: multiclass.value(name, of: className), samples: multiclass.samples(name, of: className),
                            reference: ReferenceStatistic(value: referenceValue), evidence: .performance, noEffect: referenceValue)
        case .classShare:
            guard case let .classLabel(name) = subject else { return Measured(samples: 0) }
            return measureClassShare(name, context: context)
        case let .multiclassFairness(name):
            return measureGroupGap(name, rule, subject: subject, context: context, current: context.multiclassFairness,
                                   reference: context.referencePerformance.multiclassFairness, evidence: EvidenceSource.groupAccuracy)
        case let .regressionFairness(name):
            return measureGroupGap(name, rule, subject: subject, context: context, current: context.regressionFairness,
                                   reference: context.referencePerformance.regressionFairness, evidence: EvidenceSource.regressionFairness)
        case let .fairness(name):
            if let missing = missingAttributes(of: subject, context: context) { return missing }
            guard case let .fairness(attributes) = subject else { return Measured(samples: 0) }
            let minimumGroupSize = rule.parameters.integer("min_group_size") ?? 100
            let summaries = name.usesSelection ? context.selection : context.outcomeFairness
            guard let summary = summaries.first(where: { $0.0 == attributes })?.1 else { return Measured(samples: 0) }
            let report = summary.report(minimumGroupSize: minimumGroupSize)
            let baseline = context.referencePerformance
            let referenceFairness = baseline.isSettled(labelReadiness)
                ? baseline.fairness.first { $0.attributes == attributes } : nil
            let referenceValue = referenceFairness.flatMap { FairnessMetrics.value(name, of: $0.report(minimumGroupSize: minimumGroupSize)) }
            return Measured(value: FairnessMetrics.value(name, of: report), samples: FairnessMetrics.samples(name, of: report),
                            reference: ReferenceStatistic(value: referenceValue), evidence: .fairness(report),
                            pValue: FairnessMetrics.pValue(name, of: report), noEffect: referenceValue ?? name.noEffectValue)
        }
    }

    /// A fairness subject naming attributes the version does not track, as a measurement that skips.
    /// A between-groups gap of a per-group summary (multiclass accuracy, regression MAE) for
    /// the subject's attributes, against the reference period's once its outcomes are settled.
    private func measureGroupGap<Metric: GroupGapMetric>(
        _ name: Metric, _ rule: Rule, subject: MetricSubject, context: EvaluationContext, current: [([String], Metric.Summary)],
        reference: [Metric.Summary], evidence: (Metric.Report) -> EvidenceSource
    ) -> Measured {
        if let missing = missingAttributes(of: subject, context: context) { return missing }
        guard case let .fairness(attributes) = subject,
              let summary = current.first(where: { $0.0 == attributes })?.1 else { return Measured(samples: 0) }
        let minimumGroupSize = rule.parameters.integer("min_group_size") ?? 100
        let report = Metric.report(of: summary, minimumGroupSize: minimumGroupSize)
        let referenceValue = context.referencePerformance.isSettled(labelReadiness)
            ? reference.first { $0.attributes == attributes }.flatMap { name.value(of: Metric.report(of: $0, minimumGroupSize: minimumGroupSize)) }
            : nil
        return Measured(value: name.value(of: report), samples: Metric.samples(of: report),
                        reference: ReferenceStatistic(value: referenceValue), evidence: evidence(report),
                        noEffect: referenceValue ?? name.noEffectValue)
    }

    private func missingAttributes(of subject: MetricSubject, context: EvaluationContext) -> Measured? {
        guard case let .fairness(attributes) = subject else { return nil }
        let missing = attributes.filter(context.missingAttributes.contains)
        return missing.isEmpty ? nil : Measured(samples: 0, missingAttributes: missing)
    }

    /// The reference's realized value of a performance metric once its outcomes are
    /// settled, with its chunks' band scaled to a window of `samples` (`sigma` conditions).
    private func performanceReference(_ metric: PerformanceMetric, samples: Int, context: EvaluationContext) -> ReferenceStatistic {
        let baseline = context.referencePerformance
        let value = baseline.isSettled(labelReadiness) ? PerformanceMetrics.value(metric, of: baseline.outcome) : nil
        let band = context.reference.performanceBand(metric, labelled: samples)
        return ReferenceStatistic(value: value, chunkMean: band?.mean, chunkStandardDeviation: band?.standardDeviation)
    }

    /// A multiclass classifier's realized value, on its settled reference, of what an
    /// `estimated_*` metric estimates: accuracy, the macro averages, and the macro
    /// one-vs-rest ROC AUC of the labelled class probabilities.
    private func estimatedMulticlassReference(_ metric: EstimatedPerformanceMetric, _ baseline: ReferencePerformance) -> Double? {
        guard baseline.isSettled(labelReadiness) else { return nil }
        return switch metric {
        case .accuracy: baseline.multiclass.accuracy
        case .precision: baseline.multiclass.value(.macroPrecision)
        case .recall: baseline.multiclass.value(.macroRecall)
        case .f1: baseline.multiclass.value(.macroF1)
        case .rocAUC: baseline.classProbabilities.rocAUC
        }
    }

    private func measureHealth(_ metric: HealthMetric, _ rule: Rule, context: EvaluationContext) -> Measured {
        switch metric {
        case .volume: return Measured(value: context.volume.map(Double.init), samples: context.count)
        case .lateEventRate: return Measured(value: context.lateEventRate, samples: context.count)
        case .rejectedRate: return Measured(value: context.rejectedRate, samples: context.count)
        case .labelCoverage: return Measured(value: context.labelCoverage, samples: context.count)
        case .driftedFeatureShare:
            let statistic = Self.driftedFeatureStatistic(rule)
            let above = rule.parameters.number("above") ?? 0.2
            let kind = rule.parameters.text("feature_kind").flatMap(FeatureKindFilter.init(rawValue:)) ?? .any
            let layout = context.reference.layout
            let candidates = context.featureMetrics.filter { observation in
                guard observation.key.metric == statistic, observation.value != nil, case let .feature(name) = observation.key.subject else { return false }
                let featureKind: FeatureKindFilter = layout.numericNames.contains(name) ? .numeric : .categorical
                return kind == .any || kind == featureKind
            }
            guard !candidates.isEmpty else { return Measured(samples: 0) }
            let drifted = candidates.filter { $0.value! > above }.sorted { $0.value! > $1.value! }
            return Measured(value: Double(drifted.count) / Double(candidates.count), samples: context.count,
                            evidence: .driftedFeatures(Array(drifted.prefix(5))))
        }
    }

    /// The statistic a `drifted_feature_share` rule counts features by.
    private static func driftedFeatureStatistic(_ rule: Rule) -> FeatureMetric {
        // A choice of the catalogue's effect-size statistics, checked when the rule loaded.
        rule.parameters.text("statistic").flatMap(FeatureMetric.init(rawValue:)) ?? .psi
    }

    private func referenceMissingRate(_ feature: String, _ reference: ActiveReference) -> Double? {
        switch reference.profile.features[feature] {
        case let .numeric(numeric)?: numeric.missingRate
        case let .categorical(categorical)?: categorical.missingRate
        case nil: nil
        }
    }

    // MARK: Judging

    /// What one evaluation makes of a rule's condition.
    private enum Judgement {
        case breached
        case clear
        case skipped(SkipReason)

        var isBreached: Bool {
            if case .breached = self { return true }
            return false
        }
    }

    /// Breached when the value passes the threshold and stands out of sampling noise; a
    /// firing instance stays breached until the value is back past the release threshold
    /// (hysteresis), noise or not.
    private func judgement(of rule: Rule, _ measured: Measured, threshold: ThresholdResult, isFiring: Bool, ruleIndex: Int) -> Judgement {
        guard measured.missingAttributes.isEmpty else { return .skipped(.missingAttributes(measured.missingAttributes)) }
        guard measured.samples >= rule.minSamples else { return .skipped(.tooFewSamples(measured.samples)) }
        guard let value = measured.value else { return .skipped(.noValue) }
        guard threshold.isAvailable else { return .skipped(.noReference) }
        if isFiring { return threshold.released(by: rule.hysteresis, towards: measured.noEffect).isBreached(by: value) ? .breached : .clear }
        guard threshold.isBreached(by: value) else { return .clear }
        guard rule.noiseGate.admits(pValue: measured.pValue) else {
            activity[ruleIndex].heldAsNoise += 1
            return .clear
        }
        return .breached
    }

    private func judge(_ rule: Rule, ruleIndex: Int, subject: MetricSubject, measured: Measured, context: EvaluationContext) -> [MonitorOutput] {
        let threshold = rule.condition.threshold(reference: measured.reference)
        let key = InstanceKey(rule: ruleIndex, model: context.model, version: context.version, subject: subject)
        var instance = instances[key] ?? Instance()
        let judgement = judgement(of: rule, measured, threshold: threshold, isFiring: instance.lifecycle.isFiring, ruleIndex: ruleIndex)
        var notices: [MonitorOutput] = []
        let observation: AlertLifecycle.Observation
        switch judgement {
        case let .skipped(reason):
            observation = .skipped
            activity[ruleIndex].recordSkip(reason)
            if instance.skippedInARow == 0 { instance.skippedSince = context.windowEnd }
            instance.skippedInARow += 1
            if instance.skippedInARow == blindNoticeAfter, !instance.reportedBlind {
                instance.reportedBlind = true
                notices.append(blindnessNotice(rule, subject: subject, instance: instance, reason: reason, context: context))
            }
        case .breached, .clear:
            observation = judgement.isBreached ? .breached : .clear
            activity[ruleIndex].evaluated += 1
            if instance.reportedBlind {
                notices.append(blindnessNotice(rule, subject: subject, instance: instance, reason: nil, context: context))
            }
            instance.skippedInARow = 0
            instance.reportedBlind = false
            if let since = instance.sinceResolved { instance.sinceResolved = since + 1 < Self.flapEvaluations ? since + 1 : nil }
        }
        let transition = instance.lifecycle.observe(
            observation, window: .init(start: context.windowStart, end: context.windowEnd),
            forWindows: rule.forEvaluations, keepFiringFor: rule.keepFiringForEvaluations)
        switch transition {
        case .fired?:
            activity[ruleIndex].firings += 1
            if instance.sinceResolved != nil { activity[ruleIndex].flaps += 1 }
            instance.sinceResolved = nil
        case .resolved?: instance.sinceResolved = 0
        case nil: break
        }
        defer {
            if instance.isFresh { instances[key] = nil } else { instances[key] = instance }
        }
        guard let transition else { return notices }
        let event = AlertEvent(
            rule: rule, subject: subject, context: context, value: measured.value, threshold: threshold,
            evidence: measured.evidence.items(subject: subject, context: context), status: transition, startsAt: instance.lifecycle.firingSince ?? context.windowEnd,
            rulesDigest: ruleSet.rulesDigest)
        if transition == .fired { instance.firingID = event.id }
        switch rule.action {
        case .alert:
            return notices + [MonitorOutput(.alert(event))]
        case let .retrain(cooldown, requiresApproval):
            guard transition == .fired else { return notices }
            let modelVersion = context.model + "\u{0}" + context.version
            if let last = lastRetrain[modelVersion], context.windowEnd - last < cooldown {
                retrainTriggersInCooldown += 1
                return notices
            }
            lastRetrain[modelVersion] = context.windowEnd
            let causes = firingAlerts(model: context.model, version: context.version)
            let trigger = RetrainTrigger(
                rule: rule, cause: event, alertIDs: causes.ids, alertRules: causes.rules, context: context,
                requiresApproval: requiresApproval, rulesDigest: ruleSet.rulesDigest)
            return notices + [MonitorOutput(.retrain(trigger))]
        }
    }

    /// Resolves the alerts firing for the context's version among the rules of its kind,
    /// because the version retired (see ``Retirement``): one resolved alert event each, in
    /// rule and subject order, with the reason `version_retired`, no value, and the rule's
    /// threshold where it needs no reference. A retraining rule's instance just goes back
    /// to inactive (its resolution is never published). Not a flap if it fires again.
    func retire(_ context: EvaluationContext) -> [MonitorOutput] {
        let keys = instances.filter { key, instance in
            key.model == context.model && key.version == context.version && instance.lifecycle.isFiring
                && evaluationKind(of: ruleSet.rules[key.rule]) == context.kind
        }.keys.sorted { ($0.rule, $0.subject) < ($1.rule, $1.subject) }
        return keys.compactMap { key in
            var instance = instances[key]!
            _ = instance.lifecycle.retire()
            instance.sinceResolved = nil
            instances[key] = instance.isFresh ? nil : instance
            let rule = ruleSet.rules[key.rule]
            guard !rule.action.isRetrain else { return nil }
            return MonitorOutput(.alert(AlertEvent(
                rule: rule, subject: key.subject, context: context, value: nil, threshold: rule.condition.threshold(reference: nil),
                evidence: [], status: .resolved, startsAt: instance.lifecycle.firingSince ?? context.windowEnd,
                rulesDigest: ruleSet.rulesDigest, resolution: .versionRetired)))
        }
    }

    /// A notice that an instance has gone `blindNoticeAfter` evaluations without being
    /// judged (`rule_not_evaluated`, with the last reason), or is judged again
    /// (`rule_evaluated_again`, `reason` nil).
    private func blindnessNotice(_ rule: Rule, subject: MetricSubject, instance: Instance, reason: SkipReason?, context: EvaluationContext) -> MonitorOutput {
        MonitorOutput(.notice(.ruleBlindness(Notice.RuleBlindness(
            change: reason.map { .notEvaluated($0) } ?? .evaluatedAgain, rule: rule.name, model: context.model, version: context.version,
            subject: subject, skippedEvaluations: instance.skippedInARow, skippedSince: instance.skippedSince,
            windowEnd: context.windowEnd, minSamples: rule.minSamples))))
    }

    /// Alerts currently firing for a model version (alert rules only), in a stable order.
    private func firingAlerts(model: String, version: String) -> (ids: [String], rules: [String]) {
        let firing = instances.filter { $0.key.model == model && $0.key.version == version && $0.value.lifecycle.isFiring
            && !ruleSet.rules[$0.key.rule].action.isRetrain }
            .sorted { ($0.key.rule, $0.key.subject) < ($1.key.rule, $1.key.subject) }
        return (firing.compactMap(\.value.firingID), Array(Set(firing.map { ruleSet.rules[$0.key.rule].name })).sorted())
    }

    // MARK: Metric events

    private func metricLines(_ context: EvaluationContext) -> [MonitorOutput] {
        var observations: [(subject: MetricSubject, metric: MetricName, value: Double?, samples: Int)] = []
        func fairness(_ groups: [([String], FairnessSummary)], _ metrics: [FairnessMetric]) {
            for (attributes, summary) in groups {
                let report = summary.report()
                for metric in metrics {
                    observations.append((.fairness(attributes), .fairness(metric),
                                         FairnessMetrics.value(metric, of: report), FairnessMetrics.samples(metric, of: report)))
                }
            }
        }
        switch context.kind {
        case .drift:
            observations.append((.model, .health(.volume), context.volume.map(Double.init), context.count))
            observations.append((.model, .health(.lateEventRate), context.lateEventRate, context.count))
            if let rejected = context.rejectedRate { observations.append((.model, .health(.rejectedRate), rejected, context.count)) }
            for observation in context.featureMetrics {
                observations.append((observation.key.subject, .feature(observation.key.metric), observation.value, observation.samples))
            }
            fairness(context.selection, FairnessMetric.allCases.filter(\.usesSelection))
            if let predicted = context.predictedClasses {
                for name in classNames(in: context) {
                    let share = predicted.share(of: name)
                    observations.append((.classLabel(name), .classShare(.share),
                                         share.predictions > 0 ? Double(share.predicted) / Double(share.predictions) : nil, share.predictions))
                }
            }
            // Only for versions whose rules estimate performance: other streams' lines are unchanged.
            if case .notTracked = context.estimate {} else {
                for metric in EstimatedPerformanceMetric.allCases {
                    observations.append((.model, .estimated(metric), context.estimate.value(metric), context.estimate.samples))
                }
            }
        case .performance:
            observations.append((.model, .health(.labelCoverage), context.labelCoverage, context.count))
            if let outcome = context.outcome {
                for metric in PerformanceMetric.allCases {
                    observations.append((.model, .performance(metric), PerformanceMetrics.value(metric, of: outcome), context.labelled))
                }
            }
            if let regression = context.regression {
                for metric in RegressionMetric.allCases {
                    observations.append((.model, .regression(metric), regression.value(metric), context.labelled))
                }
            }
            if let residuals = context.residuals {
                let baseline = context.referencePerformance
                for metric in ResidualDriftMetric.allCases {
                    let value = baseline.isSettled(labelReadiness) ? metric.value(of: residuals, reference: baseline.residuals) : nil
                    observations.append((.model, .residualDrift(metric), value, context.labelled))
                }
            }
            if let multiclass = context.multiclass {
                for metric in PerformanceMetric.allCases where metric.isMulticlass {
                    observations.append((.model, .performance(metric), multiclass.value(metric), context.labelled))
                }
                for metric in MulticlassMetric.allCases {
                    observations.append((.model, .multiclass(metric), multiclass.value(metric), context.labelled))
                }
                for (attributes, summary) in context.multiclassFairness {
                    let report = summary.report()
                    for metric in MulticlassFairnessMetric.allCases {
                        observations.append((.fairness(attributes), .multiclassFairness(metric), metric.value(of: report),
                                             MulticlassFairnessMetric.samples(of: report)))
                    }
                }
                for name in multiclass.allClassNames {
                    for metric in ClassMetric.allCases {
                        observations.append((.classLabel(name), .perClass(metric), multiclass.value(metric, of: name), multiclass.samples(metric, of: name)))
                    }
                }
            }
            for (attributes, summary) in context.regressionFairness {
                let report = summary.report()
                for metric in RegressionFairnessMetric.allCases {
                    observations.append((.fairness(attributes), .regressionFairness(metric), metric.value(of: report),
                                         RegressionFairnessMetric.samples(of: report)))
                }
            }
            fairness(context.outcomeFairness, FairnessMetric.allCases.filter { !$0.usesSelection })
        }
        return observations.map { subject, metric, value, samples in
            MonitorOutput(.metric(MetricEvent(
                evaluation: context.kind, model: context.model, version: context.version, windowStart: context.windowStart,
                windowEnd: context.windowEnd, subject: subject, metric: metric, value: value, samples: samples)))
        }
    }
}

// MARK: Checkpoint

extension RuleEvaluator {
    /// A rule as checkpoints name it: its name and the digest of its own definition, so
    /// restored state only attaches to a rule that is unchanged (positions may move).
    func identity(ofRule index: Int) -> RuleIdentity {
        RuleIdentity(name: ruleSet.rules[index].name, digest: RulesDigest.digest(of: [ruleSet.rules[index]]))
    }

    /// The position of the unchanged rule with this identity in the current rule set.
    func ruleIndex(of identity: RuleIdentity) -> Int? {
        ruleSet.rules.indices.first { ruleSet.rules[$0].name == identity.name && self.identity(ofRule: $0) == identity }
    }

    /// Layout: alert instances sorted by rule, model, version and subject (each with its
    /// rule identity, lifecycle, firing id, skip streak and flap window), the last
    /// retraining time per model version (sorted), the cooldown counter, then each rule's
    /// activity under its identity.
    func encodeState(to writer: inout BinaryWriter) {
        let keys = instances.keys.sorted { ($0.rule, $0.model, $0.version, $0.subject) < ($1.rule, $1.model, $1.version, $1.subject) }
        writer.writeCount(keys.count)
        for key in keys {
            identity(ofRule: key.rule).encode(to: &writer)
            writer.write(key.model)
            writer.write(key.version)
            writer.write(key.subject)
            let instance = instances[key]!
            instance.lifecycle.encode(to: &writer)
            writer.writeOptional(instance.firingID) { $0.write($1) }
            writer.writeCounter(instance.skippedInARow)
            writer.write(instance.skippedSince)
            writer.write(instance.reportedBlind)
            writer.writeOptional(instance.sinceResolved.map(Int64.init))
        }
        writer.writeCount(lastRetrain.count)
        for (modelVersion, time) in lastRetrain.sorted(by: { $0.key < $1.key }) {
            writer.write(modelVersion)
            writer.write(time)
        }
        writer.writeCounter(retrainTriggersInCooldown)
        writer.writeCount(activity.count)
        for (index, rule) in activity.enumerated() {
            identity(ofRule: index).encode(to: &writer)
            rule.encode(to: &writer)
        }
    }

    /// Restores the state written by ``encodeState(to:)``. Instances of rules that are
    /// gone or changed (by name and definition digest) are dropped and counted in the
    /// result; the rest attach to their rule's current position.
    func restoreState(from reader: inout BinaryReader, format: UInt32) throws -> Int {
        instances = [:]
        var dropped = 0
        var indexCache: [RuleIdentity: Int?] = [:]
        let count = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<count {
            let identity = try RuleIdentity(from: &reader)
            let model = try reader.readString()
            let version = try reader.readString()
            let subject = try reader.readMetricSubject()
            var instance = Instance(lifecycle: try AlertLifecycle(from: &reader), firingID: try reader.readOptional { try $0.readString() })
            instance.skippedInARow = try reader.readCounter()
            instance.skippedSince = try reader.readInt64()
            instance.reportedBlind = try reader.readBool()
            instance.sinceResolved = try reader.readOptionalInt64().map { Int($0) }
            if indexCache[identity] == nil { indexCache[identity] = .some(ruleIndex(of: identity)) }
            guard let rule = indexCache[identity]! else {
                dropped += 1
                continue
            }
            let key = InstanceKey(rule: rule, model: model, version: version, subject: subject)
            guard instances.updateValue(instance, forKey: key) == nil else {
                throw SerializationError.invalidValue("duplicate alert instance of \(identity.name) for \(model)/\(version)")
            }
        }
        lastRetrain = [:]
        let retrainCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<retrainCount {
            let modelVersion = try reader.readString()
            guard lastRetrain.updateValue(try reader.readInt64(), forKey: modelVersion) == nil else {
                throw SerializationError.invalidValue("duplicate retraining time")
            }
        }
        retrainTriggersInCooldown = try reader.readCounter()
        activity = ruleSet.rules.map { RuleActivity(rule: $0.name, minSamples: $0.minSamples) }
        let activityCount = try reader.readCount(maximum: reader.remaining)
        for _ in 0..<activityCount {
            let identity = try RuleIdentity(from: &reader)
            var restored = RuleActivity(rule: identity.name, minSamples: 0)
            try restored.restore(from: &reader, format: format)
            // Only an unchanged rule carries its activity on; a changed one starts counting anew.
            if let index = ruleIndex(of: identity) {
                restored.minSamples = activity[index].minSamples
                activity[index] = restored
            }
        }
        return dropped
    }
}

/// A rule's name and the digest of its definition alone.
package struct RuleIdentity: Hashable {
    var name: String
    var digest: String

    func encode(to writer: inout BinaryWriter) {
        writer.write(name)
        writer.write(digest)
    }

    package init(name: String, digest: String) {
        self.name = name
        self.digest = digest
    }

    init(from reader: inout BinaryReader) throws {
        name = try reader.readString()
        digest = try reader.readString()
    }
}
