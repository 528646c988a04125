import MonitorCore
import Yams

/// Turns one rule file's text into rules, collecting every error instead of stopping at the first.
/// Works on Yams' node tree through ``YAMLReader`` (shared with `driftwatch.yaml`), so that
/// every message can point at a line and column.
struct RuleFileParser {
    private var yaml: YAMLReader
    /// Every well-formed rule name with the position of its value, including rules with other
    /// errors, so that duplicate names are reported together with everything else.
    private(set) var names: [(name: String, location: SourceLocation)] = []
    /// The names and patterns of the rule being parsed, with their positions.
    private var selectorNames: [SelectorName] = []

    /// A rule's keys in the order the format reference documents them.
    static let ruleKeys = [
        "name", "action", "models", "versions", "scope", "features", "feature_kind", "attributes", "classes", "metric",
        "params", "condition", "min_samples", "for", "keep_firing_for", "significance", "hysteresis", "severity", "labels", "annotations",
        "cooldown", "requires_approval",
    ]

    init(path: String, text: String) {
        yaml = YAMLReader(path: path, text: text)
    }

    /// Every problem found, in reading order (line, then column).
    var errors: [RuleError] { yaml.errors }

    /// Parses the whole file; the rules are only meaningful when `errors` is empty.
    /// Errors come out in reading order (line, then column).
    mutating func parse(_ text: String) -> [Rule] {
        let root: Node
        switch yaml.compose(text) {
        case .unreadable: return []
        case .empty:
            yaml.fileError("empty file", expected: "a mapping with a 'rules' list")
            return []
        case let .root(node): root = node
        }
        guard let fields = yaml.mapping(root, knownKeys: ["rules"], what: "the file") else { return [] }
        guard let rulesNode = fields["rules"]?.value else {
            yaml.error(at: root, "missing required key 'rules'", expected: "rules: [ ... ]")
            return []
        }
        guard case let .sequence(entries) = rulesNode else {
            yaml.error(at: rulesNode, "'rules' must be a list, found \(yaml.describe(rulesNode))", expected: "a list of rules")
            return []
        }
        return entries.compactMap { parseRule($0) }
    }

    // MARK: Rule

    private mutating func parseRule(_ node: Node) -> Rule? {
        let errorsBefore = yaml.errorCount
        selectorNames = []
        guard let fields = yaml.mapping(node, knownKeys: Self.ruleKeys, what: "a rule") else { return nil }
        let name = parseName(fields, ruleNode: node)
        // nil when `action` is invalid: then action-specific keys are not judged either.
        let action: RuleActionKind? = if let field = fields["action"] {
            yaml.enumeration(field.value, RuleActionKind.self, what: "action")
        } else {
            .alert
        }
        let models = fields["models"].flatMap { globList($0.value, naming: .model) } ?? .all
        let versions = fields["versions"].flatMap { globList($0.value, naming: .version) } ?? .all

        let metric = parseMetric(fields, ruleNode: node)
        let scope = parseScope(fields, metric: metric, ruleNode: node)
        let selector = parseSelector(fields, scope: scope, metric: metric, ruleNode: node, models: models, versions: versions)
        let parameters = metric.map { parseParameters(fields["params"], metric: $0) } ?? RuleParameters()
        if metric == nil, let params = fields["params"] { _ = yaml.mapping(params.value, knownKeys: nil, what: "'params'") }
        let condition = parseCondition(fields, metric: metric, ruleNode: node)

        let minSamples = fields["min_samples"].flatMap { yaml.integer($0.value, in: 0...Int.max, what: "'min_samples'") }
        let forEvaluations = fields["for"].flatMap { yaml.integer($0.value, in: 1...1_000_000, what: "'for'") } ?? 1
        let keepFiring = fields["keep_firing_for"].flatMap { yaml.integer($0.value, in: 0...1_000_000, what: "'keep_firing_for'") } ?? 0
        let noiseGate = fields["significance"].map { parseNoiseGate($0.value) } ?? .default
        let hysteresis = fields["hysteresis"].map { fraction($0.value, what: "'hysteresis'") } ?? Rule.defaultHysteresis
        let severity = fields["severity"].flatMap { yaml.enumeration($0.value, Severity.self, what: "severity") } ?? .warning
        let labels = fields["labels"].map { parseLabels($0.value) } ?? [:]
        let annotations = fields["annotations"].map { parseAnnotations($0.value, labels: Set(labels.keys)) } ?? [:]
        let ruleAction = action.flatMap { parseAction($0, fields) }

        guard yaml.errorCount == errorsBefore, let name, let metric, let scope, let selector, let condition, let ruleAction,
              let noiseGate, let hysteresis
        else { return nil }
        return Rule(
            name: name, action: ruleAction, scope: scope, selector: selector, metric: metric, parameters: parameters,
            condition: condition, minSamples: minSamples ?? metric.defaultMinSamples, forEvaluations: forEvaluations,
            keepFiringForEvaluations: keepFiring, noiseGate: noiseGate, hysteresis: hysteresis, severity: severity, labels: labels,
            annotations: annotations, source: yaml.location(of: node), selectorNames: selectorNames)
    }

    /// `significance: 0.001` (a level in (0, 1)) or `significance: off`.
    private mutating func parseNoiseGate(_ node: Node) -> NoiseGate? {
        if case let .scalar(scalar) = node, scalar.string == "off" { return .off }
        let expected = "a level in (0, 1) such as 0.001, or off"
        guard node.tagName == .int || node.tagName == .float, let level = yaml.number(node, what: "'significance'") else {
            if node.tagName != .int, node.tagName != .float { yaml.error(at: node, "'significance' must be a level or off, found \(yaml.describe(node))", expected: expected) }
            return nil
        }
        guard level > 0, level < 1 else {
            yaml.error(at: node, "'significance' is out of range: \(level.formattedForRules)", expected: expected)
            return nil
        }
        return .level(level)
    }

    /// A number in [0, 1).
    private mutating func fraction(_ node: Node, what: String) -> Double? {
        guard let value = yaml.number(node, what: what) else { return nil }
        guard value >= 0, value < 1 else {
            yaml.error(at: node, "\(what) is out of range: \(value.formattedForRules)", expected: "a number in [0, 1)")
            return nil
        }
        return value
    }

    private enum RuleActionKind: String, CaseIterable {
        case alert, retrain
    }

    private mutating func parseName(_ fields: YAMLReader.Fields, ruleNode: Node) -> String? {
        guard let field = fields["name"] else {
            yaml.error(at: ruleNode, "missing required key 'name'", expected: "a rule name such as HighPSI")
            return nil
        }
        guard let name = yaml.string(field.value, what: "'name'") else { return nil }
        let scalars = Array(name.unicodeScalars)
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) || ("a"..."z").contains(s) }
        let validUpTo = scalars.firstIndex { !(isLetter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        if scalars.isEmpty || !isLetter(scalars[0]) || validUpTo != nil || scalars.count > 200 {
            let offset = scalars.isEmpty || !isLetter(scalars[0]) ? 0 : (validUpTo ?? 200)
            yaml.error(at: field.value, offset: offset, "invalid rule name '\(name)'",
                  expected: "a letter followed by letters, digits, '_' or '-', at most 200 characters")
            return nil
        }
        names.append((name, yaml.location(of: field.value)))
        return name
    }

    private mutating func parseMetric(_ fields: YAMLReader.Fields, ruleNode: Node) -> MetricDefinition? {
        guard let field = fields["metric"] else {
            yaml.error(at: ruleNode, "missing required key 'metric'", expected: "a metric such as psi; see `driftwatch rules check --list-metrics`")
            return nil
        }
        guard let name = yaml.string(field.value, what: "'metric'") else { return nil }
        guard let metric = MetricCatalog.metric(named: name) else {
            let close = Suggestions.closest(to: name, in: MetricCatalog.names)
            let hint = close.isEmpty ? "" : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
            yaml.error(at: field.value, "unknown metric '\(name)'\(hint)", expected: "a metric from `driftwatch rules check --list-metrics`")
            return nil
        }
        return metric
    }

    private mutating func parseScope(_ fields: YAMLReader.Fields, metric: MetricDefinition?, ruleNode: Node) -> RuleScope? {
        if let field = fields["scope"] {
            guard let scope = yaml.enumeration(field.value, RuleScope.self, what: "scope") else { return nil }
            if let metric, !metric.scopes.contains(scope) {
                yaml.error(at: field.value, "metric '\(metric.name)' is not defined for scope \(scope.rawValue)",
                      expected: metric.scopes.map(\.rawValue).joined(separator: " or "))
                return nil
            }
            return scope
        }
        guard let metric else { return nil }
        if let implied = metric.impliedScope { return implied }
        if fields["features"] != nil || fields["feature_kind"] != nil { return .features }
        yaml.error(at: ruleNode, "missing key 'scope': metric '\(metric.name)' applies to several scopes",
              expected: "scope: " + metric.scopes.map(\.rawValue).joined(separator: " | "))
        return nil
    }

    private mutating func parseSelector(
        _ fields: YAMLReader.Fields, scope: RuleScope?, metric: MetricDefinition?, ruleNode: Node, models: GlobList, versions: GlobList
    ) -> RuleSelector? {
        var selector = RuleSelector(models: models, versions: versions)
        let errorsBefore = yaml.errorCount

        if let field = fields["features"] {
            checkKey(field, appliesTo: .features, scope: scope)
            selector.features = globList(field.value, naming: .feature)
        } else if scope == .features {
            selector.features = .all
        }

        var kind = FeatureKindFilter.any
        if let field = fields["feature_kind"] {
            checkKey(field, appliesTo: .features, scope: scope)
            if let written = yaml.enumeration(field.value, FeatureKindFilter.self, what: "feature kind") {
                kind = written
                if let metric, written != .any, !metric.featureKind.admits(written) {
                    yaml.error(at: field.value, "metric '\(metric.name)' is not defined for \(written.rawValue) features",
                          expected: "feature_kind: \(metric.featureKind.rawValue)")
                }
            }
        }
        // A metric defined for one kind only narrows the rule to that kind.
        if let metric, kind == .any { kind = metric.featureKind }
        if scope == .features { selector.featureKind = kind }

        if let field = fields["classes"] {
            checkKey(field, appliesTo: .classes, scope: scope)
            selector.classes = globList(field.value, naming: .classLabel)
        } else if scope == .classes {
            selector.classes = .all
        }

        if let field = fields["attributes"] {
            checkKey(field, appliesTo: .fairness, scope: scope)
            if let (sets, everyAttribute) = parseAttributes(field.value) {
                selector.attributes = sets
                selector.everyAttribute = everyAttribute
            }
        } else if scope == .fairness {
            yaml.error(at: ruleNode, "missing required key 'attributes' for scope fairness",
                  expected: "attributes: [\"*\"] or [gender, [gender, age_band]]")
        }
        return yaml.errorCount == errorsBefore ? selector : nil
    }

    /// Reports a key given on a rule whose (known) scope it does not apply to.
    private mutating func checkKey(_ field: YAMLReader.Field, appliesTo allowed: RuleScope, scope: RuleScope?) {
        guard let scope, scope != allowed else { return }
        let key = field.key.scalar?.string ?? ""
        yaml.error(at: field.key, "'\(key)' applies only to scope \(allowed.rawValue) (this rule's scope is \(scope.rawValue))")
    }

    /// The attribute sets, and whether `"*"` (every attribute, each alone) is among them.
    private mutating func parseAttributes(_ node: Node) -> (sets: [[String]], everyAttribute: Bool)? {
        guard case let .sequence(entries) = node, !entries.isEmpty else {
            yaml.error(at: node, "'attributes' must be a non-empty list, found \(yaml.describe(node))",
                  expected: "\"*\", attribute names or lists of names, e.g. [gender, [gender, age_band]]")
            return nil
        }
        var attributes: [[String]] = []
        var everyAttribute = false
        for entry in entries {
            if case let .sequence(members) = entry {
                let names = members.compactMap { attributeName($0, wildcard: false) }
                if members.isEmpty {
                    yaml.error(at: entry, "an intersection needs at least one attribute", expected: "[gender, age_band]")
                } else if names.count == members.count {
                    attributes.append(names)
                }
            } else if let name = attributeName(entry, wildcard: true) {
                if name == Self.everyAttribute { everyAttribute = true } else { attributes.append([name]) }
            }
        }
        return (attributes, everyAttribute)
    }

    /// `attributes: ["*"]`: every segment attribute, each alone.
    private static let everyAttribute = "*"

    /// An attribute name, or `*` alone where `wildcard` allows it (not inside an intersection).
    private mutating func attributeName(_ node: Node, wildcard: Bool) -> String? {
        guard let name = yaml.string(node, what: "an attribute name") else { return nil }
        guard !name.isEmpty else {
            yaml.error(at: node, "empty attribute name")
            return nil
        }
        if let offset = Array(name.unicodeScalars).firstIndex(where: { $0 == "*" || $0 == "?" }),
           !(wildcard && name == Self.everyAttribute) {
            yaml.error(at: node, offset: offset,
                  wildcard ? "attribute names are not patterns: '*' alone means every attribute"
                      : "'*' (every attribute) cannot be part of an intersection",
                  expected: "\"*\" or attribute names")
            return nil
        }
        selectorNames.append(SelectorName(dimension: .attribute, written: name, location: yaml.location(of: node, offset: 0)))
        return name
    }

    private mutating func parseParameters(_ field: YAMLReader.Field?, metric: MetricDefinition) -> RuleParameters {
        var values: [String: ParameterValue] = [:]
        if let field, let given = yaml.mapping(field.value, knownKeys: nil, what: "'params'") {
            for (name, pair) in given.sortedByPosition {
                guard let definition = metric.parameter(named: name) else {
                    let known = metric.parameters.map(\.name)
                    yaml.error(at: pair.key, "metric '\(metric.name)' has no parameter '\(name)'" + Suggestions.didYouMean(name, in: known),
                          expected: known.isEmpty ? "no params" : known.joined(separator: ", "))
                    continue
                }
                if let value = parameterValue(pair.value, definition) { values[name] = value }
            }
        }
        for definition in metric.parameters where values[definition.name] == nil {
            values[definition.name] = definition.defaultValue
        }
        checkStatisticSupportsKind(values, metric: metric, params: field)
        return RuleParameters(values)
    }

    /// `drifted_feature_share` counting a numeric-only statistic over categorical features can never count anything.
    private mutating func checkStatisticSupportsKind(_ values: [String: ParameterValue], metric: MetricDefinition, params: YAMLReader.Field?) {
        guard case let .text(statisticName)? = values["statistic"], case let .text(kindName)? = values["feature_kind"],
              let statistic = MetricCatalog.metric(named: statisticName), let kind = FeatureKindFilter(rawValue: kindName),
              kind != .any, !statistic.featureKind.admits(kind), let params
        else { return }
        yaml.error(at: params.value, "statistic '\(statisticName)' is not defined for \(kindName) features",
              expected: "feature_kind: \(statistic.featureKind.rawValue)")
    }

    private mutating func parameterValue(_ node: Node, _ definition: ParameterDefinition) -> ParameterValue? {
        let what = "parameter '\(definition.name)'"
        switch definition.type {
        case let .integer(range):
            return yaml.integer(node, in: range, what: what).map(ParameterValue.integer)
        case let .number(range):
            guard let value = yaml.number(node, what: what) else { return nil }
            guard range.contains(value) else {
                yaml.error(at: node, "\(what) is out of range: \(value.formattedForRules)", expected: range.description)
                return nil
            }
            return .number(value)
        case let .choice(choices):
            guard let value = yaml.string(node, what: what) else { return nil }
            guard choices.contains(value) else {
                yaml.error(at: node, "invalid \(what) '\(value)'" + Suggestions.didYouMean(value, in: choices),
                      expected: "one of " + choices.joined(separator: ", "))
                return nil
            }
            return .text(value)
        }
    }

    private mutating func parseCondition(_ fields: YAMLReader.Fields, metric: MetricDefinition?, ruleNode: Node) -> Condition? {
        guard let field = fields["condition"] else {
            yaml.error(at: ruleNode, "missing required key 'condition'", expected: "e.g. condition: \"> 0.2\"")
            return nil
        }
        guard case let .scalar(scalar) = field.value, field.value.tagName == .str else {
            yaml.error(at: field.value, "'condition' must be a string, found \(yaml.describe(field.value))",
                  expected: "a quoted condition such as \"> 0.2\"")
            return nil
        }
        let condition: Condition
        do {
            condition = try ConditionParser.parse(scalar.string)
        } catch {
            yaml.error(at: field.value, offset: error.offset, "invalid condition: \(error.message)", expected: error.expected)
            return nil
        }
        guard let metric else { return condition }
        if condition.needsReferenceValue, !metric.reference.allowsRelative {
            let alternative = metric.reference.allowsStatistical
                ? "an absolute threshold or a statistical condition such as 'above reference + 3 sigma'"
                : "an absolute threshold"
            yaml.error(at: field.value, "metric '\(metric.name)' has no value on the reference, so it cannot be compared with 'reference'",
                  expected: alternative)
            return nil
        }
        if condition.isStatistical, !metric.reference.allowsStatistical {
            let relative = metric.reference.allowsRelative
            yaml.error(at: field.value, relative ? "metric '\(metric.name)' keeps no spread across reference chunks for a statistical condition"
                                            : "metric '\(metric.name)' has no reference distribution for a statistical condition",
                  expected: relative ? "an absolute threshold or a relative condition such as '< reference - 0.05'" : "an absolute threshold")
            return nil
        }
        return condition
    }

    private mutating func parseAction(_ kind: RuleActionKind, _ fields: YAMLReader.Fields) -> RuleAction? {
        let retrainOnly = ["cooldown", "requires_approval"]
        guard kind == .retrain else {
            for key in retrainOnly {
                if let field = fields[key] { yaml.error(at: field.key, "'\(key)' applies only to action retrain") }
            }
            return .alert
        }
        var cooldown = RuleAction.defaultCooldownMilliseconds
        if let field = fields["cooldown"] {
            guard let text = yaml.string(field.value, what: "'cooldown'") else { return nil }
            do {
                cooldown = try RuleDuration.milliseconds(text)
            } catch {
                yaml.error(at: field.value, offset: error.offset, "invalid duration '\(text)': \(error.message)",
                           expected: "a duration such as 30m, 24h, 1h30m or 7d")
                return nil
            }
        }
        var requiresApproval = true
        if let field = fields["requires_approval"] {
            guard field.value.tagName == .bool, let value = field.value.bool else {
                yaml.error(at: field.value, "'requires_approval' must be true or false, found \(yaml.describe(field.value))")
                return nil
            }
            requiresApproval = value
        }
        return .retrain(cooldownMilliseconds: cooldown, requiresApproval: requiresApproval)
    }

    private mutating func parseLabels(_ node: Node) -> [String: String] {
        guard let fields = yaml.mapping(node, knownKeys: nil, what: "'labels'") else { return [:] }
        var labels: [String: String] = [:]
        for (key, pair) in fields.sortedByPosition where checkIdentifier(key, at: pair.key, what: "label name") {
            if let value = yaml.string(pair.value, what: "label '\(key)'") { labels[key] = value }
        }
        return labels
    }

    private mutating func parseAnnotations(_ node: Node, labels: Set<String>) -> [String: AnnotationTemplate] {
        guard let fields = yaml.mapping(node, knownKeys: nil, what: "'annotations'") else { return [:] }
        var annotations: [String: AnnotationTemplate] = [:]
        for (key, pair) in fields.sortedByPosition where checkIdentifier(key, at: pair.key, what: "annotation name") {
            guard let text = yaml.string(pair.value, what: "annotation '\(key)'") else { continue }
            do {
                annotations[key] = try AnnotationTemplate(parsing: text, labels: labels)
            } catch {
                yaml.error(at: pair.value, offset: error.offset, "annotation '\(key)': \(error.message)", expected: error.expected)
            }
        }
        return annotations
    }

    /// Label and annotation names follow Prometheus: `[A-Za-z_][A-Za-z0-9_]*`.
    private mutating func checkIdentifier(_ name: String, at node: Node, what: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        func isStart(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) || ("a"..."z").contains(s) || s == "_" }
        if let bad = scalars.indices.first(where: { !(isStart(scalars[$0]) || ($0 > 0 && ("0"..."9").contains(scalars[$0]))) }) {
            yaml.error(at: node, offset: bad, "invalid \(what) '\(name)'", expected: "letters, digits and '_', not starting with a digit")
            return false
        }
        if scalars.isEmpty {
            yaml.error(at: node, "empty \(what)")
            return false
        }
        return true
    }

    private mutating func globList(_ node: Node, naming dimension: SelectorName.Dimension) -> GlobList? {
        guard case let .sequence(entries) = node, !entries.isEmpty else {
            yaml.error(at: node, "expected a non-empty list of patterns, found \(yaml.describe(node))", expected: "e.g. [\"*\", \"!test_*\"]")
            return nil
        }
        var patterns: [String] = []
        for entry in entries {
            guard let written = yaml.string(entry, what: "a pattern") else { continue }
            do {
                _ = try GlobList(validating: [written])
                patterns.append(written)
                selectorNames.append(SelectorName(dimension: dimension, written: written, location: yaml.location(of: entry, offset: 0)))
            } catch {
                yaml.error(at: entry, offset: error.offset, "invalid pattern: \(error.message)",
                           expected: "names with * and ?, optionally preceded by !")
            }
        }
        return patterns.count == entries.count ? try? GlobList(validating: patterns) : nil
    }
}
