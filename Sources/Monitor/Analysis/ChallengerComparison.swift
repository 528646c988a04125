import DriftCore
import MonitorCore
import Foundation

/// `check --candidate`: one batch scored by the champion and by a challenger, compared side
/// by side — performance over the labelled predictions, per segment group, and fairness —
/// with 95 % Wilson intervals for each side's proportions and Newcombe's hybrid score
/// interval for the difference (challenger − champion).
///
/// Each side is read as `compare` reads a dataset (``OutcomeCollector``: labels join
/// predictions by id within that side's files). The gate judges accuracy, precision and
/// recall, overall and in every group of every segment attribute: a metric fails when the
/// whole interval of the difference lies below −tolerance (the challenger is worse by more
/// than the tolerance with 95 % confidence), passes otherwise, and is undetermined when a
/// side has no trials for it. F1 (not a proportion: no interval here) and the selection
/// rates and fairness gaps are shown, not judged.
package struct ChallengerComparison: Sendable {
    package enum Metric: String, Sendable, CaseIterable {
        case accuracy, precision, recall, f1
        case selectionRate = "selection_rate"

        /// Metrics the gate judges: proportions whose decrease is a regression.
        package var isGated: Bool {
            switch self {
            case .accuracy, .precision, .recall: true
            case .f1, .selectionRate: false
            }
        }

        /// The value as the engine computes it.
        func value(of outcome: BinaryOutcomeSummary) -> Double? {
            switch self {
            case .accuracy: outcome.accuracy
            case .precision: outcome.labelledCount == 0 ? nil : outcome.precision
            case .recall: outcome.labelledCount == 0 ? nil : outcome.recall
            case .f1: outcome.labelledCount == 0 ? nil : outcome.f1
            case .selectionRate: outcome.selectionRate
            }
        }

        /// Successes and trials of a proportion; nil for F1.
        func counts(of outcome: BinaryOutcomeSummary) -> (successes: UInt64, trials: UInt64)? {
            switch self {
            case .accuracy: (outcome.truePositives + outcome.trueNegatives, outcome.labelledCount)
            case .precision: (outcome.truePositives, outcome.truePositives + outcome.falsePositives)
            case .recall: (outcome.truePositives, outcome.actualPositives)
            case .selectionRate: (outcome.predictedPositiveCount, outcome.predictionCount)
            case .f1: nil
            }
        }
    }

    /// The whole batch, or one group of one segment attribute.
    package enum Segment: Sendable, Hashable, Comparable, CustomStringConvertible {
        case all
        case group(attributes: [String], key: FairnessGroupKey)

        package var description: String {
            switch self {
            case .all: "all"
            case let .group(attributes, key): attributes.joined(separator: " × ") + "=" + key.description
            }
        }

        package static func < (lhs: Self, rhs: Self) -> Bool {
            switch (lhs, rhs) {
            case (.all, .all), (.group, .all): false
            case (.all, .group): true
            case let (.group(left, leftKey), .group(right, rightKey)):
                left == right ? leftKey < rightKey : left.lexicographicallyPrecedes(right)
            }
        }
    }

    /// One side's value of a metric on a segment.
    package struct Estimate: Sendable, Equatable {
        package var value: Double?
        package var successes: UInt64?
        package var trials: UInt64?
        package var interval: WilsonInterval?

        init(_ metric: Metric, _ outcome: BinaryOutcomeSummary) {
            value = metric.value(of: outcome)
            let counts = metric.counts(of: outcome)
            successes = counts?.successes
            trials = counts?.trials
            interval = counts.flatMap { WilsonInterval(successes: $0.successes, trials: $0.trials) }
        }
    }

    package enum Verdict: Sendable, Equatable {
        case pass
        /// The challenger is worse beyond the tolerance.
        case fail
        /// Gated, but a side has no trials for the metric on this segment.
        case undetermined(String)
        /// Shown side by side, not judged (F1, selection rate).
        case shown
    }

    package struct Row: Sendable, Equatable {
        package var segment: Segment
        package var metric: Metric
        package var champion: Estimate
        package var challenger: Estimate
        /// challenger − champion, nil without trials on a side (and for F1).
        package var difference: NewcombeInterval?
        package var verdict: Verdict
    }

    /// One side: the model version(s) its predictions name and what the join found.
    package struct Batch: Sendable {
        /// `model/version` of its predictions, in order of appearance (at most ``maximumVersions``).
        package var versions: [String]
        package var outcomes: DatasetOutcomes
        package var counters: DatasetReadCounters
        /// Predictions beyond the join's row cap, left out (counted).
        package var overflow: Int
        package var unclassified: Int
        package var duplicateLabels: Int

        package static let maximumVersions = 16

        /// Reads `paths` (JSON lines or CSV) as one side; labels join predictions by id across them.
        /// A regression model's labelled predictions are a clear error: the gate's metrics are a binary classifier's.
        package static func read(paths: [String], options: DatasetOptions, maximumRows: Int = 10_000_000, maximumAttributes: Int) throws -> Batch {
            var collector = OutcomeCollector(maximumRows: maximumRows, maximumAttributes: maximumAttributes)
            var versions: [String] = []
            var counters = DatasetReadCounters()
            for path in paths {
                let read = try DatasetReader.read(path: path, options: options) { event in
                    if case let .prediction(prediction) = event, versions.count < maximumVersions {
                        let version = prediction.model + "/" + prediction.version
                        if !versions.contains(version) { versions.append(version) }
                    }
                    collector.add(event)
                }
                counters.predictions += read.predictions
                counters.labels += read.labels
                counters.filteredOut += read.filteredOut
                counters.rejected.merge(read.rejected, uniquingKeysWith: +)
            }
            let outcomes = collector.finish(intersections: [], maximumGroups: FairnessSummary.defaultMaximumGroups)
            guard outcomes.modelType == .binary else {
                let (model, shown) = outcomes.isRegression
                    ? ("a regression model's", "regression datasets' MAE, RMSE, bias and residual drift")
                    : ("a multiclass classifier's", "multiclass datasets' accuracy, F1 and per-class metrics")
                throw DatasetError("\(paths.joined(separator: ", ")): \(model) predictions; the challenger comparison judges binary "
                    + "classifiers (`driftwatch compare` shows two \(shown) side by side)")
            }
            return Batch(versions: versions, outcomes: outcomes,
                         counters: counters, overflow: collector.overflowCount, unclassified: collector.unclassifiedCount,
                         duplicateLabels: collector.duplicateLabelCount)
        }

        /// `model/version`, or nil unless the side holds exactly one.
        package var version: String? { versions.count == 1 ? versions[0] : nil }
    }

    /// Demographic parity and equal opportunity gaps of one segment attribute on each side.
    package struct FairnessGaps: Sendable, Equatable {
        package var attributes: [String]
        package var champion: FairnessReport
        package var challenger: FairnessReport
    }

    package var champion: Batch
    package var challenger: Batch
    package var tolerance: Double
    package var rows: [Row]
    package var gaps: [FairnessGaps]

    /// Compares the sides; `minimumGroupSize` applies to the fairness gaps only (every group is judged, its interval
    /// carrying its size).
    package init(champion: Batch, challenger: Batch, tolerance: Double, minimumGroupSize: Int = 100) {
        self.champion = champion
        self.challenger = challenger
        self.tolerance = tolerance
        var segments: [(Segment, BinaryOutcomeSummary, BinaryOutcomeSummary)] = [(.all, champion.outcomes.performance, challenger.outcomes.performance)]
        var gaps: [FairnessGaps] = []
        let attributeSets = Set(champion.outcomes.fairness.map(\.attributes) + challenger.outcomes.fairness.map(\.attributes))
        for attributes in attributeSets.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let empty = try! FairnessSummary(attributes: attributes)  // non-empty attributes
            let left = champion.outcomes.fairness.first { $0.attributes == attributes } ?? empty
            let right = challenger.outcomes.fairness.first { $0.attributes == attributes } ?? empty
            let none = try! BinaryOutcomeSummary(scoreBins: 0)  // valid bins
            let (leftGroups, rightGroups) = (left.groups, right.groups)  // built on each access
            for key in Set(leftGroups.keys).union(rightGroups.keys).sorted() {
                segments.append((.group(attributes: attributes, key: key), leftGroups[key] ?? none, rightGroups[key] ?? none))
            }
            gaps.append(FairnessGaps(attributes: attributes, champion: left.report(minimumGroupSize: minimumGroupSize),
                                     challenger: right.report(minimumGroupSize: minimumGroupSize)))
        }
        self.gaps = gaps
        rows = segments.flatMap { segment, championOutcome, challengerOutcome in
            Metric.allCases.map { metric in
                let before = Estimate(metric, championOutcome), after = Estimate(metric, challengerOutcome)
                var difference: NewcombeInterval?
                if let successes = after.successes, let trials = after.trials, let baseline = before.successes, let baselineTrials = before.trials {
                    difference = NewcombeInterval(successes: successes, trials: trials, minus: baseline, trials: baselineTrials)
                }
                let verdict: Verdict = switch (metric.isGated, difference) {
                case (false, _): .shown
                case (true, nil): .undetermined("no \(metric.rawValue) trials on " + (before.trials == 0 ? "the champion" : "the challenger"))
                case let (true, interval?): interval.upper < -tolerance ? .fail : .pass
                }
                return Row(segment: segment, metric: metric, champion: before, challenger: after, difference: difference, verdict: verdict)
            }
        }
    }

    package var failures: [Row] { rows.filter { $0.verdict == .fail } }

    /// The gated rows as check cases (class name `challenger <metric>`), for the table and JUnit; a regression is critical.
    package var cases: [RuleCheck.Case] {
        let name = challenger.version ?? challenger.versions.joined(separator: ",")
        let model = String(name.prefix { $0 != "/" }), version = String(name.drop { $0 != "/" }.dropFirst())
        return rows.compactMap { row in
            let outcome: RuleCheck.Outcome
            var detail = row.difference.map { "vs \(champion.version ?? "champion"): \(row.metric.rawValue) \(Self.format(row.champion.value)) → \(Self.format(row.challenger.value)), difference "
                + "\(Self.format($0.difference)) [\(Self.format($0.lower)), \(Self.format($0.upper))]" } ?? ""
            switch row.verdict {
            case .shown: return nil
            case .pass: outcome = .pass
            case .fail:
                outcome = .fail
                detail += " entirely below -\(Self.format(tolerance))"
            case let .undetermined(reason):
                outcome = .skipped
                detail = reason
            }
            return RuleCheck.Case(rule: "challenger \(row.metric.rawValue)", severity: .critical, model: model,
                                  version: version, subject: row.segment.description,
                                  metric: row.metric.rawValue, outcome: outcome, value: row.difference?.difference, detail: detail)
        }
    }

    /// Side-by-side table: per segment and metric, each side's value [95 % Wilson] and the difference [Newcombe 95 %].
    package func table() -> String {
        func side(_ batch: Batch) -> String {
            "\(batch.version ?? batch.versions.joined(separator: ",")) (\(batch.outcomes.predictions) predictions, "
                + "\(batch.outcomes.performance.labelledCount) labelled)"
        }
        func estimate(_ value: Estimate) -> String {
            Self.format(value.value) + (value.interval.map { " [\(Self.format($0.lower)), \(Self.format($0.upper))]" } ?? "")
        }
        var lines = [["segment", "metric", "champion [95 % CI]", "challenger [95 % CI]", "difference [95 % CI]", "verdict"]]
        for row in rows {
            let verdict = switch row.verdict {
            case .pass: "PASS"
            case .fail: "FAIL"
            case .undetermined: "SKIP"
            case .shown: "-"
            }
            lines.append([row.segment.description, row.metric.rawValue, estimate(row.champion), estimate(row.challenger),
                          row.difference.map { "\(Self.signed($0.difference)) [\(Self.signed($0.lower)), \(Self.signed($0.upper))]" } ?? "-", verdict])
        }
        let widths = lines[0].indices.map { column in lines.map { $0[column].count }.max()! }
        var text = "champion \(side(champion)) vs challenger \(side(challenger)); tolerance \(Self.format(tolerance))\n"
        for line in lines {
            text += zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces) + "\n"
        }
        for gap in gaps {
            func gaps(_ report: FairnessReport) -> String {
                "demographic parity \(Self.format(report.demographicParity?.difference)), equal opportunity \(Self.format(report.equalOpportunity?.difference))"
            }
            text += "fairness \(gap.attributes.joined(separator: " × ")): champion \(gaps(gap.champion)); challenger \(gaps(gap.challenger))\n"
        }
        return text
    }

    static func format(_ value: Double?) -> String {
        value.map { String(format: "%.4f", $0) } ?? "-"
    }

    static func signed(_ value: Double) -> String { String(format: "%+.4f", value) }
}
