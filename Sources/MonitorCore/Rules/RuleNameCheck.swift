import DriftCore

/// A name or pattern a rule selects models, versions, features or segment attributes by,
/// as written and where: what `rules check --profile / --sample` compares with the data.
package struct SelectorName: Sendable, Equatable, Hashable {
    package enum Dimension: String, Sendable, CaseIterable {
        case model, version, feature
        case attribute = "segment attribute"
        /// A multiclass classifier's class (scope `classes`).
        case classLabel = "class"
    }

    package var dimension: Dimension
    /// As written, with a leading `!` for an exclusion.
    package var written: String
    package var location: SourceLocation

    package init(dimension: Dimension, written: String, location: SourceLocation) {
        self.dimension = dimension
        self.written = written
        self.location = location
    }
}

/// A problem that does not stop rules from loading: a name the data does not have.
package struct RuleWarning: Sendable, Equatable, CustomStringConvertible {
    package var location: SourceLocation
    package var message: String

    /// `path:line:column: warning: message`.
    package var description: String { "\(location): warning: \(message)" }
}

/// The model, version, feature and segment attribute names some data has, to check rules
/// against. A dimension no source told anything about is not checked.
package struct KnownNames: Sendable, Equatable {
    private var names: [SelectorName.Dimension: Set<String>] = [:]
    private var sources: [SelectorName.Dimension: [String]] = [:]
    /// Feature kinds where a source says (a profile does; a sample's values are not typed reliably).
    private var featureKinds: [String: FeatureKindFilter] = [:]

    package init() {}

    /// A reference profile's features (its outputs `@score` / `@prediction` are not features) and,
    /// when its file names them, its model and version. A profile has no segment attributes.
    package init(profile: ReferenceProfile, model: String?, version: String?, source: String) {
        let features = profile.features.filter { $0.key != OutputSubject.score && $0.key != OutputSubject.prediction }
        add(.feature, features.keys, from: source)
        for (name, feature) in features { featureKinds[name] = feature.kind == .numeric ? .numeric : .categorical }
        if let model { add(.model, [model], from: source) }
        if let version { add(.version, [version], from: source) }
    }

    /// Adds the names of one prediction event of a sample.
    package mutating func add(_ prediction: PredictionEvent, from source: String = "the sample") {
        add(.model, [prediction.model], from: source)
        add(.version, [prediction.version], from: source)
        add(.feature, prediction.features.map(\.name), from: source)
        add(.attribute, prediction.segment.map(\.name), from: source)
    }

    private mutating func add(_ dimension: SelectorName.Dimension, _ names: some Sequence<String>, from source: String) {
        self.names[dimension, default: []].formUnion(names)
        if !sources[dimension, default: []].contains(source) { sources[dimension, default: []].append(source) }
    }

    /// Warnings for every name a rule selects by that the data does not have, in rule order:
    /// a plain name missing (with the closest names), a pattern matching nothing, a feature of
    /// the wrong kind for the rule. An exclusion is reported only when it is a plain name that
    /// is missing (a likely typo); `!id_*` guarding against nothing is fine.
    package func check(_ ruleSet: RuleSet) -> [RuleWarning] {
        ruleSet.rules.flatMap { rule in rule.selectorNames.compactMap { check($0, of: rule) } }
    }

    private func check(_ reference: SelectorName, of rule: Rule) -> RuleWarning? {
        guard let known = names[reference.dimension] else { return nil }
        let source = sources[reference.dimension, default: []].joined(separator: " or ")
        let what = reference.dimension.rawValue
        let isExclusion = reference.written.hasPrefix("!")
        let pattern = isExclusion ? String(reference.written.dropFirst()) : reference.written
        let isPlainName = !pattern.contains("*") && !pattern.contains("?")
        func warning(_ message: String) -> RuleWarning { RuleWarning(location: reference.location, message: message) }

        // Only features of the rule's kind are candidates; kinds are known where a profile says.
        let kind = reference.dimension == .feature ? rule.selector.featureKind : .any
        let candidates = known.filter { kind == .any || featureKinds[$0].map(kind.admits) ?? true }
        if isPlainName {
            if isExclusion {
                return known.contains(pattern) ? nil
                    : warning("excluded \(what) '\(pattern)' is not in \(source)" + Suggestions.didYouMean(pattern, in: known))
            }
            if candidates.contains(pattern) { return nil }
            if known.contains(pattern), let actual = featureKinds[pattern] {
                return warning("feature '\(pattern)' is \(actual.rawValue) in \(source); rule '\(rule.name)' applies to \(kind.rawValue) features only")
            }
            return warning("\(what) '\(pattern)' is not in \(source)" + Suggestions.didYouMean(pattern, in: known))
        }
        guard !isExclusion, let glob = try? GlobPattern(validating: pattern) else { return nil }
        if candidates.contains(where: glob.matches) { return nil }
        let kindText = kind == .any ? "" : "\(kind.rawValue) "
        return warning("pattern '\(pattern)' matches no \(kindText)\(what) in \(source)")
    }
}
