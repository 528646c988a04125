import MonitorCore

/// How much of a run's input was rejected, and whether that is too much: a run over files
/// that read mostly input it could not accept (a wrong field mapping, a wrong file) must
/// fail rather than pass as a quiet success with nothing in it.
package struct RejectionTally: Sendable, Equatable {
    /// The default of `--max-rejected-share` and `limits.max_rejected_share`.
    package static let defaultMaximumShare = 0.5

    /// Records read as events (whether or not they were used afterwards).
    package var accepted: Int
    /// Records rejected, by reason code.
    package var rejected: [String: Int]

    package init(accepted: Int, rejected: [String: Int]) {
        self.accepted = accepted
        self.rejected = rejected
    }

    package var rejectedTotal: Int { rejected.values.reduce(0, +) }

    /// Rejected records / all records; nil when there were none.
    package var share: Double? {
        let total = accepted + rejectedTotal
        return total > 0 ? Double(rejectedTotal) / Double(total) : nil
    }

    /// Nil when at most `maximumShare` of the records were rejected; otherwise what to tell:
    /// the share, then every reason with its count, most frequent first.
    package func excess(maximumShare: Double) -> [String]? {
        guard let share, share > maximumShare else { return nil }
        let total = accepted + rejectedTotal
        return ["\(rejectedTotal) of \(total) records rejected (share \(AnnotationTemplate.format(share)), more than the maximum \(AnnotationTemplate.format(maximumShare))); reasons:"]
            + rejected.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "  \($0.key): \($0.value)" }
    }
}

extension MonitorEngine.Counters {
    package var rejectionTally: RejectionTally { RejectionTally(accepted: predictions + labels, rejected: rejected) }
}

extension DatasetReadCounters {
    package var rejectionTally: RejectionTally { RejectionTally(accepted: predictions + labels + filteredOut, rejected: rejected) }
}
