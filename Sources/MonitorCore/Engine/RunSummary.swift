import DriftCore

extension MonitorEngine {
    /// A human-readable account of a run, for `driftwatch replay` to print at the end:
    /// volumes, every counter (rejections by reason, lateness, caps, the label join, what
    /// was left waiting for labels or for a reference) and each rule's firings with the
    /// first one's event time. Deterministic: the same run gives the same lines.
    package func summaryLines() -> [String] {
        let counters = counters
        let join = joinCounters
        var lines = [
            "replayed \(counters.predictions) predictions and \(counters.labels) labels; \(counters.rejectedTotal) rejected, \(counters.lateEvents) late",
        ]
        if !counters.rejected.isEmpty {
            lines.append("rejected by reason: " + counters.rejected.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        lines.append("caps: models=\(counters.cappedModels), versions=\(counters.cappedVersions), segment values=\(counters.cappedSegmentValues), "
            + "untracked segment attributes=\(counters.untrackedSegmentAttributes), reference events=\(counters.cappedReferenceEvents)")
        lines.append("labels: joined=\(join.joined) (after waiting \(join.joinedAfterWaiting)), unmatched=\(join.unmatchedLabels), "
            + "duplicate labels=\(join.duplicateLabels), duplicate predictions=\(join.duplicatePredictions), expired=\(join.expiredPredictions), "
            + "evicted predictions=\(join.evictedPredictions), evicted early labels=\(join.evictedEarlyLabels), "
            + "late labels=\(counters.lateLabels), predictions kept for joining=\(pendingLabels)")
        if counters.labelsAfterDetectors > 0 {
            lines.append("labels too late for the change detectors (their pane was judged; they reach the performance windows still open to them): "
                + "\(counters.labelsAfterDetectors)")
        }
        let inferred = modelTypes.inferred.filter { $0.value != .binary }.sorted { $0.key < $1.key }
        if !inferred.isEmpty {
            lines.append("model types inferred from first predictions (declare them in models: to make them firm): "
                + inferred.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        if counters.mismatchedLabels > 0 {
            lines.append("labels not of their prediction's model type (not 0 or 1 for a binary classifier, not a number for a regression model, "
                + "not a class for a multiclass one; left out of performance): \(counters.mismatchedLabels)")
        }
        let unreferenced = unreferencedFeatures
        if !unreferenced.isEmpty {
            lines.append("features not in their version's reference (not monitored for drift; a new version or a reference that has them "
                + "monitors them): " + unreferenced.map { version in
                    "\(version.model)/\(version.version): \(version.features.joined(separator: ", "))"
                        + "\(version.features.count == UnreferencedFeatures.maximumNames ? ", …" : "") (\(version.values) values)"
                }.joined(separator: "; "))
        }
        if counters.cappedClasses > 0 {
            lines.append("labelled multiclass predictions naming a class beyond the first \(MulticlassOutcomeSummary.defaultMaximumClasses) "
                + "of their version (left out of performance): \(counters.cappedClasses)")
        }
        if counters.cappedProbabilityClasses > 0 {
            lines.append("reference probabilities naming a class beyond the first \(MulticlassOutcomeSummary.defaultMaximumClasses) "
                + "of their version (left out of the CBPE calibration): \(counters.cappedProbabilityClasses)")
        }
        lines.append("evaluations: \(counters.evaluations); performance windows still waiting for labels: \(counters.performanceWindowsAwaitingLabels), "
            + "evaluated below coverage (partial wait or pane cap): \(counters.belowCoveragePerformanceEvaluations); versions without a reference: \(counters.versionsWithoutReference)")
        let fired = firings.values.reduce(0) { $0 + $1.count }
        lines.append("alerts fired: \(fired - counters.retrainTriggers), retraining triggers: \(counters.retrainTriggers), suppressed by cooldown: \(counters.retrainTriggersInCooldown) (rules digest \(rulesDigest))")
        for (rule, tally) in firings.sorted(by: { ($0.value.first, $0.key) < ($1.value.first, $1.key) }) {
            lines.append("  \(rule): \(tally.count) firing, first at \(tally.first) (\(ISO8601Time.string(milliseconds: tally.first)))")
        }
        // Never silently blind: every rule says how many of its evaluations could judge it.
        lines.append("rule evaluations:")
        for activity in ruleActivity { lines.append("  " + activity.summary) }
        return lines
    }
}

/// UTC timestamps as ISO 8601 text without Foundation (civil-from-days, after Howard
/// Hinnant's `chrono`-compatible date algorithms).
package enum ISO8601Time {
    package static func string(milliseconds: Int64) -> String {
        let (days, inDay) = daysAndRemainder(milliseconds)
        let (year, month, day) = civil(days: days)
        func padded(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(inDay / 3_600_000, 2)):\(padded(inDay / 60000 % 60, 2))"
            + ":\(padded(inDay / 1000 % 60, 2)).\(padded(inDay % 1000, 3))Z"
    }

    /// The UTC calendar year of an epoch time.
    static func year(milliseconds: Int64) -> Int64 {
        civil(days: daysAndRemainder(milliseconds).days).year
    }

    private static func daysAndRemainder(_ milliseconds: Int64) -> (days: Int64, inDay: Int64) {
        let days = floorDivide(milliseconds, 86_400_000)
        return (days, milliseconds - days * 86_400_000)
    }

    /// Year, month and day of a day count from 1970-01-01.
    private static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
