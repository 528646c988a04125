import MonitorCore

/// What the analysis tools (`tune`, `report`, `replay --metrics-csv`) read from the
/// engine's outputs. Every read of ``MonitorOutput`` by those tools happens here, in one
/// place, so a change of the output's payload touches this file alone.
package enum AnalysisRecord: Sendable, Equatable {
    /// One metric value of one evaluation window.
    case metric(MetricPoint)
    /// An alert instance started or stopped firing (retraining triggers are not episodes).
    case alert(AlertTransition)
    /// Anything else (retraining triggers, notices): not used by the analysis tools.
    case other

    /// Reads one engine output.
    package init(_ output: MonitorOutput) {
        switch output.event {
        case let .metric(metric):
            self = .metric(MetricPoint(
                evaluation: metric.evaluation == .performance ? .performance : .drift, model: metric.model, version: metric.version,
                subject: metric.subject.name, metric: metric.metric.rawValue, windowStart: metric.windowStart, windowEnd: metric.windowEnd,
                value: metric.value, samples: metric.samples))
        case let .alert(alert):
            let threshold: Double? = if case let .bound(_, value) = alert.threshold { value } else { nil }
            self = .alert(AlertTransition(
                status: alert.status == .firing ? .firing : .resolved, rule: alert.rule, severity: alert.severity, model: alert.model,
                version: alert.version, subject: alert.subject.name, metric: alert.metric.rawValue, windowStart: alert.window.start,
                at: alert.window.end, startsAt: alert.startsAt, value: alert.value, threshold: threshold, evidence: alert.evidence))
        case .retrain, .notice:
            self = .other
        }
    }
}

/// A metric's value on one window of one model version.
package struct MetricPoint: Sendable, Equatable {
    /// Drift windows (inputs, outputs, data quality) and performance windows (labelled predictions) are evaluated apart.
    package enum Evaluation: String, Sendable { case drift, performance }
    package var evaluation: Evaluation
    package var model: String
    package var version: String
    package var subject: String
    package var metric: String
    package var windowStart: Int64
    package var windowEnd: Int64
    package var value: Double?
    /// What the value was computed on (events, labelled predictions, group members).
    package var samples: Int
}

/// An alert instance's start or end.
package struct AlertTransition: Sendable, Equatable {
    package enum Status: String, Sendable { case firing, resolved }
    package var status: Status
    package var rule: String
    package var severity: Severity
    package var model: String
    package var version: String
    package var subject: String
    package var metric: String
    /// The window start of the evaluation that made the transition.
    package var windowStart: Int64
    /// The window end of the evaluation that made the transition.
    package var at: Int64
    /// When the episode started firing.
    package var startsAt: Int64
    package var value: Double?
    /// A one-sided threshold (nil for a band or an unavailable one).
    package var threshold: Double?
    /// The evidence the alert carries (e.g. per-group selection rates of a fairness alert).
    package var evidence: [Evidence] = []
}
