import MonitorCore
import Foundation

/// `driftwatch check`: every rule judged once on a batch against the reference, pass or
/// fail per rule and subject. The batch is one window; `for` and `keep_firing_for` do
/// not apply (a breach on the one evaluation fails). Retraining rules are triggers, not
/// checks, and are left out.
package struct RuleCheck: Sendable {
    package enum Outcome: String, Sendable, Equatable {
        case pass, fail, skipped
    }

    package struct Case: Sendable, Equatable {
        package var rule: String
        package var severity: Severity
        package var model: String
        package var version: String
        package var subject: String
        package var metric: String
        package var outcome: Outcome
        package var value: Double?
        /// Why it failed or was skipped.
        package var detail: String
    }

    private var points: [MetricPoint] = []
    private var fired: [String: AlertTransition] = [:]
    /// Metric lines kept at most (one window's worth for every model version of a batch).
    package static let maximumPoints = 200_000
    package private(set) var pointOverflow = 0

    package init() {}

    /// The rules as a check judges them: alert rules only, each firing on its first breach.
    package static func gateRules(_ rules: RuleSet) -> RuleSet {
        RuleSet(rules: rules.rules.filter { !$0.action.isRetrain }.map { rule in
            var gate = rule
            gate.forEvaluations = 1
            gate.keepFiringForEvaluations = 0
            return gate
        }, files: rules.files)
    }

    package mutating func add(_ record: AnalysisRecord) {
        switch record {
        case let .metric(point):
            guard points.count < Self.maximumPoints else { pointOverflow += 1; return }
            points.append(point)
        case let .alert(transition) where transition.status == .firing:
            fired[Self.key(transition.rule, transition.model, transition.version, transition.subject)] = transition
        case .alert, .other:
            break
        }
    }

    private static func key(_ parts: String...) -> String { parts.joined(separator: "\u{0}") }

    /// One case per rule and subject it was evaluated on (the last window of each model version).
    package func cases(rules gate: RuleSet, activity: [RuleActivity]) -> [Case] {
        var latest: [SeriesKey: MetricPoint] = [:]
        for point in points { latest[SeriesKey(model: point.model, version: point.version, metric: point.metric, subject: point.subject)] = point }
        let matcher = RuleMatcher(rules: gate.rules, seriesKeys: latest.keys)
        var cases: [Case] = []
        for key in latest.keys.sorted() {
            let point = latest[key]!
            for rule in matcher.rules(watching: key) {
                let ruleActivity = activity.first { $0.rule == rule.name }
                var outcome = Outcome.pass
                var detail = "\(key.metric) = \(point.value.map(SVG.value) ?? "undefined") (\(rule.condition))"
                if let alert = fired[Self.key(rule.name, key.model, key.version, key.subject)] {
                    outcome = .fail
                    detail = "\(key.metric) = \(alert.value.map(SVG.value) ?? "?") breaches \(rule.condition)"
                        + (alert.threshold.map { " (threshold \(SVG.value($0)))" } ?? "")
                } else if point.samples < rule.minSamples {
                    outcome = .skipped
                    detail = "\(point.samples) samples < min_samples \(rule.minSamples)"
                } else if point.value == nil {
                    outcome = .skipped
                    detail = "\(key.metric) is undefined on the batch"
                } else if let ruleActivity, ruleActivity.evaluated == 0, ruleActivity.skippedForNoReference > 0 {
                    outcome = .skipped
                    detail = "the reference has no value for \(rule.condition)"
                }
                cases.append(Case(rule: rule.name, severity: rule.severity, model: key.model, version: key.version, subject: key.subject,
                                  metric: key.metric, outcome: outcome, value: point.value, detail: detail))
            }
        }
        return cases
    }

    /// Cases at or above `severity` that failed.
    package static func breaches(_ cases: [Case], atOrAbove severity: Severity) -> [Case] {
        cases.filter { $0.outcome == .fail && $0.severity >= severity }
    }

    /// JUnit XML: one test case per rule and subject (class name = rule), failures and skips marked.
    package static func junit(_ cases: [Case], suite: String) -> String {
        func escape(_ text: String) -> String {
            var page = HTMLPage()
            page.text(text)
            return page.html.replacingOccurrences(of: "'", with: "&apos;")
        }
        let failures = cases.filter { $0.outcome == .fail }.count, skipped = cases.filter { $0.outcome == .skipped }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"driftwatch\" tests=\"\(cases.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" errors=\"0\">\n"
        for item in cases {
            xml += "    <testcase classname=\"\(escape(item.rule))\" name=\"\(escape("\(item.model)/\(item.version) \(item.subject)"))\""
            switch item.outcome {
            case .pass: xml += "/>\n"
            case .fail: xml += ">\n      <failure type=\"\(item.severity.rawValue)\" message=\"\(escape(item.detail))\"/>\n    </testcase>\n"
            case .skipped: xml += ">\n      <skipped message=\"\(escape(item.detail))\"/>\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// One line per case: `FAIL  ScoreDrift  credit-risk/v1 score  psi = 0.31 breaches > 0.05`.
    package static func table(_ cases: [Case]) -> String {
        cases.map { "\($0.outcome.rawValue.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)) \($0.rule)  \($0.model)/\($0.version) \($0.subject)  \($0.detail)" }
            .joined(separator: "\n") + "\n"
    }
}
