import DriftCore

/// What both stages of the scale-out (issue 11) make of a model version monitored against a
/// provided reference profile: its reference, model type, fairness attribute sets, outcome
/// shape and fresh drift pane — derived from the configuration and the rules alone, never
/// from the events a task happened to see first, so that every join task records panes
/// and outcome parts every merge task reads and merges slot by slot.
///
/// The fairness attribute sets are the one thing an engine derives from its events (the
/// segment attributes of its version's first prediction, each alone, plus the rules'
/// intersections): two join tasks could track different sets, and their panes would not
/// merge. Here they come from `segmentAttributes`, the attributes every task tracks alike
/// (each alone, plus the rules' intersections, as ``RuleEvaluator/fairnessAttributeSets(model:version:tracked:)``
/// orders them). A version with no provided reference has none: its stream reference is
/// built across partitions by plan step 2, not here.
///
/// Cost: the reference's layout and a fresh pane, once per version.
struct ProvidedVersion {
    let reference: ActiveReference
    let referencePerformance: ReferencePerformance
    let modelType: ModelType
    let fairnessAttributes: [[String]]
    let outcomes: OutcomeShape
    /// The version's empty drift pane: its fairness sets, and CBPE's predicted scores or
    /// class probabilities when its rules estimate performance.
    let template: DriftPane

    /// The version `key` as `configuration` and `rules` monitor it, tracking fairness over
    /// `segmentAttributes`; nil when no reference is provided for it.
    init?(_ key: VersionKey, configuration: MonitorConfiguration, rules: RuleEvaluator, segmentAttributes: [String]) {
        guard let given = configuration.references.lookup(model: key.model, version: key.version) else { return nil }
        modelType = rules.modelTypes[key.model]
        fairnessAttributes = rules.fairnessAttributeSets(model: key.model, version: key.version, tracked: segmentAttributes)
        outcomes = OutcomeShape(modelType: modelType, fairnessAttributes: fairnessAttributes)
        reference = given.active(modelType: modelType)
        referencePerformance = given.performance(shape: outcomes)
        template = DriftPane(layout: reference.layout, fairnessAttributes: fairnessAttributes, maximumGroups: FairnessSummary.defaultMaximumGroups,
                             estimatesPerformance: rules.estimatesPerformance(model: key.model, version: key.version) ? modelType : nil)
    }

    /// How the version's hand-overs write and read its drift panes.
    var panes: PaneCoding<DriftPane> { .drift(layout: reference.layout, template: template) }

    /// What the version's windows are judged against (every fairness attribute is tracked).
    var basis: WindowJudge.Basis {
        WindowJudge.Basis(reference: reference, referencePerformance: referencePerformance, fairnessAttributes: fairnessAttributes, missingAttributes: [])
    }
}

extension JoinPartition<DriftPane>.Version {
    /// A join task's source of the version (see ``ProvidedVersion``).
    init(_ provided: ProvidedVersion) {
        let template = provided.template
        self.init(outcomes: provided.outcomes, makePane: { template }, panes: provided.panes)
    }
}

extension MergeTask.Version {
    /// A merge task's merge of the version from `sources` source partitions, with its
    /// change detectors (see ``ProvidedVersion``); nil for count windows, which have no
    /// time to merge by.
    init?(_ provided: ProvidedVersion, key: VersionKey, configuration: MonitorConfiguration, rules: RuleEvaluator, sources: Int) {
        guard let merge = PaneMerge<DriftPane>(spec: configuration.window, sources: sources,
                                               tracker: configuration.performanceTracker(outcomes: provided.outcomes)) else { return nil }
        self.init(merge: .init(merge: merge, detectors: VersionDetectors(rules.makeDetectors(model: key.model, version: key.version)),
                               panes: provided.panes, outcomes: provided.outcomes),
                  modelType: provided.modelType, basis: provided.basis)
    }
}
