/// An alert event (`firing` or `resolved`), in the spirit of Alertmanager's alerts.
///
/// Its `fingerprint` is stable per rule, model, version and subject, and its `id` per
/// fingerprint, status and start, so re-emitting the same alert (after a restart, or
/// on a replay of the same input) gives the same id and the same bytes.
public struct AlertEvent: Sendable, Equatable {
    public static let schemaVersion = 1

    public enum Status: String, Sendable, Equatable {
        case firing, resolved
    }

    /// The window the rule was judged on.
    public struct Window: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        /// Predictions in it.
        public var count: Int
    }

    /// The reference the window was compared with.
    public struct Reference: Sendable, Equatable {
        public var profileID: String
        public var count: Int
    }

    public var id: String
    public var fingerprint: String
    public var status: Status
    public var rule: String
    public var severity: Severity
    public var model: String
    public var version: String
    public var subject: MetricSubject
    public var metric: MetricName
    public var value: Double?
    public var threshold: ThresholdResult
    public var window: Window
    public var reference: Reference
    public var evidence: [Evidence]
    /// The rule's own labels.
    public var labels: [String: String]
    /// The rule's annotations, rendered.
    public var annotations: [String: String]
    public var startsAt: Int64
    /// For a resolved alert: the end of the window that cleared it.
    public var endsAt: Int64?
    public var rulesDigest: String

    public init(
        id: String, fingerprint: String, status: Status, rule: String, severity: Severity, model: String, version: String,
        subject: MetricSubject, metric: MetricName, value: Double?, threshold: ThresholdResult, window: Window, reference: Reference,
        evidence: [Evidence], labels: [String: String], annotations: [String: String], startsAt: Int64, endsAt: Int64?, rulesDigest: String
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
    }

    init(
        rule: Rule, subject: MetricSubject, context: EvaluationContext, value: Double?, threshold: ThresholdResult,
        evidence: [Evidence], status: AlertLifecycle.Transition, startsAt: Int64, rulesDigest: String
    ) {
        let fingerprint = Self.fingerprint(rule: rule.name, model: context.model, version: context.version, subject: subject)
        let status: Status = status == .fired ? .firing : .resolved
        var templateValues = [
            "model": context.model, "version": context.version, "value": value.map(AnnotationTemplate.format) ?? "undefined",
            "threshold": threshold.displayText, "comparator": threshold.comparatorText,
            "window_start": String(context.windowStart), "window_end": String(context.windowEnd),
        ]
        switch subject {
        case let .feature(name): templateValues["feature"] = name
        case .score, .prediction: templateValues["feature"] = subject.name
        case .fairness: templateValues["segment"] = subject.name
        case .model: break
        }
        self.init(
            id: StableHash.hex(fingerprint, status.rawValue, String(startsAt)), fingerprint: fingerprint, status: status,
            rule: rule.name, severity: rule.severity, model: context.model, version: context.version, subject: subject,
            metric: rule.metric.name, value: value, threshold: threshold,
            window: Window(start: context.windowStart, end: context.windowEnd, count: context.count),
            reference: Reference(profileID: context.reference.identifier, count: context.reference.count),
            evidence: evidence, labels: rule.labels, annotations: rule.renderAnnotations(templateValues), startsAt: startsAt,
            endsAt: status == .resolved ? context.windowEnd : nil, rulesDigest: rulesDigest)
    }

    /// Stable per rule, model, version and subject.
    public static func fingerprint(rule: String, model: String, version: String, subject: MetricSubject) -> String {
        StableHash.hex(rule, model, version, subject.kind, subject.name)
    }
}

/// One piece of an alert's evidence: another statistic of the same subject, or a group
/// of a fairness report.
public struct Evidence: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case count(Int)
        /// A fairness group: its selection rate and predictions.
        case group(selectionRate: Double, predictions: Int)
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// A retraining trigger: which model version, why (the alerts and rules behind it),
/// and on which data window, awaiting approval when the rule says so.
public struct RetrainTrigger: Sendable, Equatable {
    public var id: String
    public var model: String
    public var version: String
    public var rule: String
    /// The alert of the trigger's own rule first, then the alerts firing for the version.
    public var alertIDs: [String]
    /// The trigger's rule first, then the rules of the alerts firing.
    public var rules: [String]
    public var windowStart: Int64
    public var windowEnd: Int64
    public var requiresApproval: Bool
    public var triggeredAt: Int64
    public var labels: [String: String]
    public var annotations: [String: String]
    public var rulesDigest: String

    public init(
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

    init(
        rule: Rule, cause: AlertEvent, alertIDs: [String], alertRules: [String], context: EvaluationContext,
        requiresApproval: Bool, rulesDigest: String
    ) {
        self.init(
            id: StableHash.hex("retrain", cause.id), model: context.model, version: context.version, rule: rule.name,
            alertIDs: [cause.id] + alertIDs, rules: [rule.name] + alertRules.filter { $0 != rule.name },
            windowStart: context.windowStart, windowEnd: context.windowEnd, requiresApproval: requiresApproval,
            triggeredAt: context.windowEnd, labels: rule.labels,
            annotations: rule.renderAnnotations([
                "model": context.model, "version": context.version,
                "window_start": String(context.windowStart), "window_end": String(context.windowEnd),
            ]),
            rulesDigest: rulesDigest)
    }
}

extension MetricSubject {
    /// The kind of subject, as alerts name it.
    public var kind: String {
        switch self {
        case .model: "model"
        case .score, .prediction: "output"
        case .feature: "feature"
        case .fairness: "segment"
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
