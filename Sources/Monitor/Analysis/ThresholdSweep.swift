import MonitorCore

/// A threshold (and `for`) sweep of one rule, evaluated in one pass: the rule is cloned
/// once per candidate under a derived name, and one engine runs every clone over the history.
package struct ThresholdSweep: Sendable {
    package struct Candidate: Sendable, Equatable, Hashable {
        /// The clone's rule name, e.g. `ScoreDrift@0.1/for=2`.
        package var name: String
        /// The number of the condition as written (absolute threshold, reference offset, factor or k).
        package var threshold: Double
        package var forEvaluations: Int
    }

    package struct IncidentResult: Sendable, Equatable {
        package var incident: String
        /// The first episode concerning the incident that started inside it; nil: not detected.
        package var detectedAt: Int64?
        package var delay: Int64? { detectedAt.map { $0 - incidentStart } }
        package var incidentStart: Int64
    }

    package struct Result: Sendable, Equatable {
        package var candidate: Candidate
        package var episodes: [AlertEpisode]
        /// Share of the evaluated time with at least one instance firing (0...1).
        package var firingShare: Double
        package var flaps: Int
        package var incidents: [IncidentResult]
        /// Episodes that start outside every incident they could concern (only with incidents).
        package var outsideIncidents: Int?
    }

    package let base: Rule
    package let candidates: [Candidate]
    /// The clones, one per candidate, in candidate order: the rule set the sweep's engine runs.
    package let ruleSet: RuleSet
    private var collector = EpisodeCollector()
    /// Event time the metric lines cover (earliest window start, latest window end).
    private var first: Int64 = .max
    private var last: Int64 = .min

    package struct SweepError: Error, CustomStringConvertible, Equatable {
        package var description: String
    }

    package init(rules: RuleSet, rule name: String, thresholds: [Double], forEvaluations: [Int]? = nil) throws {
        guard let base = rules.rule(named: name) else {
            throw SweepError(description: "no rule named \(name) (rules: \(rules.rules.map(\.name).joined(separator: ", ")))")
        }
        guard !thresholds.isEmpty else { throw SweepError(description: "no thresholds to try") }
        if let bad = forEvaluations?.first(where: { $0 < 1 }) { throw SweepError(description: "`for` must be at least 1, not \(bad)") }
        self.base = base
        let fors = forEvaluations ?? [base.forEvaluations]
        candidates = thresholds.flatMap { threshold in
            fors.map { Candidate(name: "\(name)@\(threshold)/for=\($0)", threshold: threshold, forEvaluations: $0) }
        }
        guard Set(candidates.map(\.name)).count == candidates.count else { throw SweepError(description: "candidates repeat") }
        ruleSet = RuleSet(rules: candidates.map { candidate in
            var clone = ThresholdSweep.rule(base, threshold: candidate.threshold, forEvaluations: candidate.forEvaluations)
            clone.name = candidate.name
            return clone
        }, files: rules.files)
    }

    /// `rule` with its condition's number replaced by `threshold` (a relative offset keeps
    /// its sign: `< reference - 0.05` with 0.1 is `< reference - 0.1`) and `for` by `forEvaluations`.
    package static func rule(_ rule: Rule, threshold: Double, forEvaluations: Int) -> Rule {
        var changed = rule
        switch rule.condition {
        case let .absolute(comparator, _): changed.condition = .absolute(comparator, threshold)
        case let .relativeOffset(comparator, offset): changed.condition = .relativeOffset(comparator, offset: offset < 0 ? -abs(threshold) : abs(threshold))
        case let .relativeFactor(comparator, _): changed.condition = .relativeFactor(comparator, factor: threshold)
        case let .statistical(_, side): changed.condition = .statistical(k: threshold, side: side)
        }
        changed.forEvaluations = forEvaluations
        return changed
    }

    /// Takes in what the engine running ``ruleSet`` produced.
    package mutating func add(_ record: AnalysisRecord) {
        switch record {
        case let .metric(point):
            first = min(first, point.windowStart)
            last = max(last, point.windowEnd)
        case let .alert(transition):
            collector.add(transition)
        case .other:
            break
        }
    }

    /// Episodes beyond the collector's cap (not in the results).
    package var episodeOverflow: Int { collector.overflow }

    /// Each candidate's episodes, share of time firing, flaps (from the engine's rule
    /// activity) and, with incidents, detection per incident and the episodes outside them.
    package func results(activity: [RuleActivity], incidents: [Incident]) -> [Result] {
        let horizon = last == .min ? 0 : last
        let span = Double(max(0, horizon - (first == .max ? horizon : first)))
        return candidates.map { candidate in
            let episodes = collector.episodes.filter { $0.rule == candidate.name }
            let firing = Self.unionLength(episodes.map { ($0.start, $0.end(or: horizon)) })
            let detections = incidents.map { incident in
                IncidentResult(incident: incident.name, detectedAt: episodes.filter(incident.covers).map(\.start).min(), incidentStart: incident.start)
            }
            let outside = incidents.isEmpty ? nil : episodes.filter { episode in !incidents.contains { $0.covers(episode) } }.count
            return Result(candidate: candidate, episodes: episodes, firingShare: span > 0 ? Double(firing) / span : 0,
                          flaps: activity.first { $0.rule == candidate.name }?.flaps ?? 0, incidents: detections, outsideIncidents: outside)
        }
    }

    /// Total length of the union of intervals.
    static func unionLength(_ intervals: [(Int64, Int64)]) -> Int64 {
        var total: Int64 = 0
        var current: (Int64, Int64)?
        for (start, end) in intervals.sorted(by: { $0 < $1 }) {
            if let (s, e) = current, start <= e {
                current = (s, max(e, end))
            } else {
                if let (s, e) = current { total += e - s }
                current = (start, end)
            }
        }
        if let (s, e) = current { total += e - s }
        return total
    }
}
