/// An alert event (`firing` or `resolved`), in the spirit of Alertmanager's alerts.
///
/// Its `fingerprint` is stable per rule, model, version and subject, and its `id` per
/// fingerprint, status and start, so re-emitting the same alert (after a restart, or
/// on a replay of the same input) gives the same id and the same bytes.
package struct AlertEvent: Sendable, Equatable {
    /// Version 2: RFC 3339 `startsAt`/`endsAt` beside `starts_at_ms`/`ends_at_ms`, identity
    /// labels, evidence as numbers, readable times in annotations.
    package static let schemaVersion = 2

    package enum Status: String, Sendable, Equatable {
        case firing, resolved
    }

    /// Why a resolved alert stopped firing.
    package enum Resolution: String, Sendable, Equatable {
        /// Its condition cleared (past the hysteresis) on `keep_firing_for` + 1 independent windows.
        case cleared
        /// Its model version received no predictions for longer than its windows (and, for
        /// performance rules, the label time-to-live) could still judge: nothing will ever
        /// clear it (see ``MonitorEngine``'s retirement of idle versions).
        case versionRetired = "version_retired"
    }

    /// The window the rule was judged on.
    package struct Window: Sendable, Equatable {
        package var start: Int64
        package var end: Int64
        /// Predictions in it.
        package var count: Int
    }

    /// The reference the window was compared with.
    package struct Reference: Sendable, Equatable {
        package var profileID: String
        package var count: Int
    }

    package var id: String
    package var fingerprint: String
    package var status: Status
    package var rule: String
    package var severity: Severity
    package var model: String
    package var version: String
    package var subject: MetricSubject
    package var metric: MetricName
    package var value: Double?
    package var threshold: ThresholdResult
    package var window: Window
    package var reference: Reference
    package var evidence: [Evidence]
    /// Identity (see ``labels(of:model:version:subject:)``) over the rule's own labels.
    package var labels: [String: String]
    /// The rule's annotations, rendered.
    package var annotations: [String: String]
    package var startsAt: Int64
    /// For a resolved alert: the end of the window that cleared it, or the event time at
    /// which its version counted as retired.
    package var endsAt: Int64?
    package var rulesDigest: String
    /// For a resolved alert, why (``Resolution/cleared`` unless said otherwise); nil while firing.
    package private(set) var resolution: Resolution?

    package init(
        id: String, fingerprint: String, status: Status, rule: String, severity: Severity, model: String, version: String,
        subject: MetricSubject, metric: MetricName, value: Double?, threshold: ThresholdResult, window: Window, reference: Reference,
        evidence: [Evidence], labels: [String: String], annotations: [String: String], startsAt: Int64, endsAt: Int64?, rulesDigest: String,
        resolution: Resolution? = nil
    ) {
        self.id = id
        self.fingerprint = fingerprint
        self.status = status
        self.rule = rule
        self.severity = severity
        self.model = model
        self.version = version
        self.subject = subject
        self.metric = metric
        self.value = value
        self.threshold = threshold
        self.window = window
        self.reference = reference
        self.evidence = evidence
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.rulesDigest = rulesDigest
        self.resolution = status == .resolved ? resolution ?? .cleared : nil
    }

    init(
        rule: Rule, subject: MetricSubject, context: EvaluationContext, value: Double?, threshold: ThresholdResult,
        evidence: [Evidence], status: AlertLifecycle.Transition, startsAt: Int64, rulesDigest: String, resolution: Resolution? = nil
    ) {
        let fingerprint = Self.fingerprint(rule: rule.name, model: context.model, version: context.version, subject: subject)
        let status: Status = status == .fired ? .firing : .resolved
        let templateValues = Self.templateValues(subject: subject, context: context, value: value, threshold: threshold)
        self.init(
            id: StableHash.hex(fingerprint, status.rawValue, String(startsAt)), fingerprint: fingerprint, status: status,
            rule: rule.name, severity: rule.severity, model: context.model, version: context.version, subject: subject,
            metric: rule.metric.name, value: value, threshold: threshold,
            window: Window(start: context.windowStart, end: context.windowEnd, count: context.count),
            reference: Reference(profileID: context.reference.identifier, count: context.reference.count),
            evidence: evidence, labels: Self.labels(of: rule, model: context.model, version: context.version, subject: subject),
            annotations: rule.renderAnnotations(templateValues), startsAt: startsAt,
            endsAt: status == .resolved ? context.windowEnd : nil, rulesDigest: rulesDigest, resolution: resolution)
    }

    /// What annotation templates can use: `model`, `version`, `value`, `threshold`,
    /// `comparator`, `window_start` and `window_end` (RFC 3339, UTC), and `feature`,
    /// `segment` or `class` where the subject has one.
    static func templateValues(subject: MetricSubject, context: EvaluationContext, value: Double?, threshold: ThresholdResult) -> [String: String] {
        var values = [
            "model": context.model, "version": context.version, "value": value.map(AnnotationTemplate.format) ?? "undefined",
            "threshold": threshold.displayText, "comparator": threshold.comparatorText,
            "window_start": ISO8601Time.string(milliseconds: context.windowStart),
            "window_end": ISO8601Time.string(milliseconds: context.windowEnd),
        ]
        switch subject {
        case let .feature(name): values["feature"] = name
        case .score, .prediction: values["feature"] = subject.name
        case .fairness: values["segment"] = subject.name
        case .classLabel: values["class"] = subject.name
        case .model: break
        }
        return values
    }

    /// The alert's identity as labels (`alertname` = the rule, `severity`, `model`,
    /// `version`, `subject` = the subject's kind, and `feature`, `attribute` or `class` where it
    /// applies) over the rule's own labels: one alert instance, one label set.
    static func labels(of rule: Rule, model: String, version: String, subject: MetricSubject?) -> [String: String] {
        var labels = rule.labels
        labels["alertname"] = rule.name
        labels["severity"] = rule.severity.rawValue
        labels["model"] = model
        labels["version"] = version
        if let subject {
            labels["subject"] = subject.kind
            switch subject {
            case .feature, .score, .prediction: labels["feature"] = subject.name
            case .fairness: labels["attribute"] = subject.name
            case .classLabel: labels["class"] = subject.name
            case .model: break
            }
        }
        return labels
    }

    /// Stable per rule, model, version and subject.
    package static func fingerprint(rule: String, model: String, version: String, subject: MetricSubject) -> String {
        StableHash.hex(rule, model, version, subject.kind, subject.name)
    }
}

/// One piece of an alert's evidence: another statistic of the same subject, or a group
/// of a fairness report.
package struct Evidence: Sendable, Equatable {
    package enum Value: Sendable, Equatable {
        case number(Double)
        case count(Int)
        /// A fairness group: its selection rate and predictions.
        case group(selectionRate: Double, predictions: Int)
    }

    package var name: String
    package var value: Value

    package init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// A retraining trigger: which model version, why (the alerts and rules behind it),
/// and on which data window, awaiting approval when the rule says so.
package struct RetrainTrigger: Sendable, Equatable {
    package var id: String
    package var model: String
    package var version: String
    package var rule: String
    /// The alerts firing for the version when it triggered (ids of published alert events).
    package var alertIDs: [String]
    /// The trigger's rule first, then the rules of the alerts firing.
    package var rules: [String]
    package var windowStart: Int64
    package var windowEnd: Int64
    package var requiresApproval: Bool
    package var triggeredAt: Int64
    /// Identity (`alertname` = the rule, `severity`, `model`, `version`) over the rule's own labels.
    package var labels: [String: String]
    package var annotations: [String: String]
    package var rulesDigest: String

    package init(
        id: String, model: String, version: String, rule: String, alertIDs: [String], rules: [String], windowStart: Int64,
        windowEnd: Int64, requiresApproval: Bool, triggeredAt: Int64, labels: [String: String], annotations: [String: String],
        rulesDigest: String
    ) {
        self.id = id
        self.model = model
        self.version = version
        self.rule = rule
        self.alertIDs = alertIDs
        self.rules = rules
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.requiresApproval = requiresApproval
        self.triggeredAt = triggeredAt
        self.labels = labels
        self.annotations = annotations
        self.rulesDigest = rulesDigest
    }

    /// `alertIDs`: the alerts firing for the version (published alert events); the
    /// trigger's own rule judged `cause`, which is not published as an alert.
    init(
        rule: Rule, cause: AlertEvent, alertIDs: [String], alertRules: [String], context: EvaluationContext,
        requiresApproval: Bool, rulesDigest: String
    ) {
        self.init(
            id: StableHash.hex("retrain", cause.id), model: context.model, version: context.version, rule: rule.name,
            alertIDs: alertIDs, rules: [rule.name] + alertRules.filter { $0 != rule.name },
            windowStart: context.windowStart, windowEnd: context.windowEnd, requiresApproval: requiresApproval,
            triggeredAt: context.windowEnd, labels: AlertEvent.labels(of: rule, model: context.model, version: context.version, subject: nil),
            annotations: rule.renderAnnotations(
                AlertEvent.templateValues(subject: cause.subject, context: context, value: cause.value, threshold: cause.threshold)),
            rulesDigest: rulesDigest)
    }
}

extension MetricSubject {
    /// The kind of subject, as alerts name it.
    package var kind: String {
        switch self {
        case .model: "model"
        case .score, .prediction: "output"
        case .feature: "feature"
        case .fairness: "segment"
        case .classLabel: "class"
        }
    }
}

extension ThresholdResult {
    var isAvailable: Bool {
        if case .unavailable = self { return false }
        return true
    }
}

/// Short stable ids: 16 hex digits of FNV-1a 64 over length-prefixed fields.
enum StableHash {
    static func hex(_ fields: String...) -> String {
        var hash = FNV1a64()
        for field in fields { hash.add(field: field) }
        return hash.hex
    }
}
