/// What happens when a rule fires.
package enum RuleAction: Sendable, Equatable, Hashable {
    /// Raise an alert (the default).
    case alert
    /// Trigger retraining of the model/version, at most once per `cooldownMilliseconds` of event time,
    /// and only after a person approves it when `requiresApproval` is set.
    case retrain(cooldownMilliseconds: Int64, requiresApproval: Bool)

    package static let defaultCooldownMilliseconds: Int64 = 86_400_000

    package var isRetrain: Bool {
        if case .retrain = self { return true }
        return false
    }
}

package enum Severity: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case info
    case warning
    case critical

    package static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which models, versions, features and sensitive attributes a rule is evaluated for.
package struct RuleSelector: Sendable, Equatable, Hashable {
    package var models: GlobList
    package var versions: GlobList
    /// Scope `features` only (nil otherwise): the rule is evaluated once for each matching feature.
    package var features: GlobList?
    /// Scope `features` only: the kind of feature the rule applies to. When the rule leaves it out,
    /// it is the metric's own restriction (e.g. `numeric` for `ks`), so it is never wider than the metric.
    package var featureKind: FeatureKindFilter
    /// Scope `fairness` only: each entry is one attribute or an intersection of several.
    package var attributes: [[String]]
    /// Scope `fairness` only (`"*"` in `attributes`): also every segment attribute of the
    /// model version, each alone.
    package var everyAttribute: Bool
    /// Scope `classes` only (nil otherwise): the rule is evaluated once for each matching class.
    package var classes: GlobList?

    package init(models: GlobList = .all, versions: GlobList = .all, features: GlobList? = nil,
                featureKind: FeatureKindFilter = .any, attributes: [[String]] = [], everyAttribute: Bool = false, classes: GlobList? = nil) {
        self.models = models
        self.versions = versions
        self.features = features
        self.featureKind = featureKind
        self.attributes = attributes
        self.everyAttribute = everyAttribute
        self.classes = classes
    }

    /// Whether the rule applies to this model/version at all.
    package func matches(model: String, version: String) -> Bool {
        models.matches(model) && versions.matches(version)
    }

    /// Whether a classes-scope rule applies to this class (false for other scopes).
    package func matches(class name: String) -> Bool {
        classes?.matches(name) ?? false
    }

    /// Whether a features-scope rule applies to this feature (false for other scopes).
    package func matches(feature: String, kind: FeatureKindFilter) -> Bool {
        guard let features else { return false }
        return featureKind.admits(kind) && features.matches(feature)
    }
}

/// Validated metric parameters, with the catalogue's defaults filled in.
package struct RuleParameters: Sendable, Equatable, Hashable {
    package var values: [String: ParameterValue]

    package init(_ values: [String: ParameterValue] = [:]) {
        self.values = values
    }

    package func integer(_ name: String) -> Int? {
        if case let .integer(value) = values[name] { return value }
        return nil
    }

    /// Numbers; integers given for a number parameter are stored as numbers already.
    package func number(_ name: String) -> Double? {
        switch values[name] {
        case let .number(value): value
        case let .integer(value): Double(value)
        default: nil
        }
    }

    package func text(_ name: String) -> String? {
        if case let .text(value) = values[name] { return value }
        return nil
    }
}

/// Whether a breach must also be unlikely under sampling noise alone.
///
/// Effect-size thresholds mean the same on every window, but a small window's statistic
/// scatters: PSI over 10 bins averages about 9/n on a window of n events drawn from the
/// reference itself. With a level, a value beyond the threshold breaches only when the
/// metric's test against the reference (Pearson's χ² on the bins for psi/js/hellinger/tvd,
/// KS for the shape statistics, two-proportion z-tests for rates and performance
/// proportions, Good–Turing for new categories, min/max groups for demographic parity)
/// gives a p-value at or below it. Metrics without a test are judged on their value alone.
/// The default level is ``default``.
package enum NoiseGate: Sendable, Equatable, Hashable, CustomStringConvertible {
    case off
    case level(Double)

    /// 1e-4: sliding windows test the same events up to a window's panes times, and a rule
    /// over a month of 5-minute slides is judged ~10,000 times per subject; at this level
    /// noise alone breaches about once in that many evaluations, and `for: 2` covers the rest.
    package static let `default` = NoiseGate.level(0.0001)

    /// Whether a breach with this p-value (nil: no test) stands out of the noise.
    func admits(pValue: Double?) -> Bool {
        guard case let .level(level) = self, let pValue else { return true }
        return pValue <= level
    }

    package var description: String {
        switch self {
        case .off: "off"
        case let .level(level): "\(level)"
        }
    }
}

/// One validated rule, ready to evaluate.
package struct Rule: Sendable, Equatable, Hashable {
    package var name: String
    package var action: RuleAction
    package var scope: RuleScope
    package var selector: RuleSelector
    package var metric: MetricDefinition
    package var parameters: RuleParameters
    package var condition: Condition
    /// Evaluations with fewer samples in the window are skipped (neither breaching nor resolving).
    package var minSamples: Int
    /// Consecutive breaching evaluations before the rule fires (Prometheus `for`, counted in evaluations).
    package var forEvaluations: Int
    /// Evaluations a firing rule stays firing after its condition clears.
    package var keepFiringForEvaluations: Int
    /// A breach must also stand out of sampling noise (see ``NoiseGate``).
    package var noiseGate: NoiseGate
    /// How far back towards "no effect" a firing rule's value must come to clear: a share of
    /// the distance from the threshold to the metric's no-effect value (its reference value
    /// for relative conditions, the chunk mean for `sigma` ones). 0: it clears at the threshold.
    package var hysteresis: Double
    package var severity: Severity
    package var labels: [String: String]
    package var annotations: [String: AnnotationTemplate]
    package static let defaultHysteresis = 0.2

    /// Where the rule starts (its first key), for messages and `rules check`.
    package var source: SourceLocation
    /// The model, version, feature and attribute names and patterns of the selector, where
    /// they are written (for `rules check --profile / --sample`; not part of the digest).
    package var selectorNames: [SelectorName] = []

    package init(
        name: String, action: RuleAction, scope: RuleScope, selector: RuleSelector, metric: MetricDefinition,
        parameters: RuleParameters, condition: Condition, minSamples: Int, forEvaluations: Int, keepFiringForEvaluations: Int,
        noiseGate: NoiseGate, hysteresis: Double, severity: Severity, labels: [String: String],
        annotations: [String: AnnotationTemplate], source: SourceLocation, selectorNames: [SelectorName] = []
    ) {
        self.name = name
        self.action = action
        self.scope = scope
        self.selector = selector
        self.metric = metric
        self.parameters = parameters
        self.condition = condition
        self.minSamples = minSamples
        self.forEvaluations = forEvaluations
        self.keepFiringForEvaluations = keepFiringForEvaluations
        self.noiseGate = noiseGate
        self.hysteresis = hysteresis
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
        self.source = source
        self.selectorNames = selectorNames
    }

    /// The values every annotation of this rule can use besides the evaluation's own
    /// (`labels.<key>`, `rule`, `metric`, `severity`).
    package var staticTemplateValues: [String: String] {
        var values = ["rule": name, "metric": metric.name.rawValue, "severity": severity.rawValue]
        for (key, value) in labels { values["labels." + key] = value }
        return values
    }

    /// Renders every annotation with the rule's static values plus `values` (which win on conflict).
    package func renderAnnotations(_ values: [String: String]) -> [String: String] {
        let merged = staticTemplateValues.merging(values) { _, evaluation in evaluation }
        return annotations.mapValues { $0.render(merged) }
    }
}

/// The rules loaded from a set of files, all valid, with names unique across files.
package struct RuleSet: Sendable, Equatable {
    /// In load order: files in the order given (directories sorted by name), rules in file order.
    package var rules: [Rule]
    /// The files the rules were read from.
    package var files: [String]
    /// FNV-1a 64 (hex) over the canonical form of the rules, to tell whether two rule sets mean the
    /// same thing: formatting, comments, key order, rule order and file layout do not change it.
    /// Not a cryptographic hash.
    package var rulesDigest: String

    package init(rules: [Rule], files: [String]) {
        self.rules = rules
        self.files = files
        self.rulesDigest = RulesDigest.digest(of: rules)
    }

    package func rule(named name: String) -> Rule? { rules.first { $0.name == name } }
}
