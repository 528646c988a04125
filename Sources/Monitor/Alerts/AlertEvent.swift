/// An alert event (`firing` or `resolved`), in the spirit of Alertmanager's alerts.
///
/// Its `fingerprint` is stable per rule, model, version and subject, and its `id` per
/// fingerprint, status and start, so re-emitting the same alert (after a restart, or
/// on a replay of the same input) gives the same id and the same bytes.
struct AlertEvent {
    static let schemaVersion = 1

    let id: String
    let json: String

    init(
        rule: Rule, subject: MetricSubject, context: EvaluationContext, value: Double?, threshold: ThresholdResult,
        evidence: [(String, String)], status: AlertLifecycle.Transition, startsAt: Int64, rulesDigest: String
    ) {
        let fingerprint = StableHash.hex(rule.name, context.model, context.version, subject.kind, subject.name)
        let statusText = status == .fired ? "firing" : "resolved"
        id = StableHash.hex(fingerprint, statusText, String(startsAt))
        let formattedValue = value.map(AnnotationTemplate.format) ?? "undefined"
        var templateValues = [
            "model": context.model, "version": context.version, "value": formattedValue,
            "threshold": threshold.displayText, "comparator": threshold.comparatorText,
            "window_start": String(context.windowStart), "window_end": String(context.windowEnd),
        ]
        switch subject {
        case let .feature(name): templateValues["feature"] = name
        case .score, .prediction: templateValues["feature"] = subject.name
        case .fairness: templateValues["segment"] = subject.name
        case .model: break
        }

        var writer = JSONWriter()
        writer.beginObject()
        writer.member("type", "alert")
        writer.member("schema", Self.schemaVersion)
        writer.member("id", id)
        writer.member("fingerprint", fingerprint)
        writer.member("status", statusText)
        writer.member("rule", rule.name)
        writer.member("severity", rule.severity.rawValue)
        writer.member("model", context.model)
        writer.member("version", context.version)
        writer.key("subject")
        writer.beginObject()
        writer.member("kind", subject.kind)
        writer.member("name", subject.name)
        writer.endObject()
        writer.member("metric", rule.metric.name.rawValue)
        writer.member("value", value)
        threshold.write(to: &writer)
        writer.key("window")
        writer.beginObject()
        writer.member("start", context.windowStart)
        writer.member("end", context.windowEnd)
        writer.member("count", context.count)
        writer.endObject()
        writer.key("reference")
        writer.beginObject()
        writer.member("profile_id", context.reference.identifier)
        writer.member("count", context.reference.count)
        writer.endObject()
        writer.key("evidence")
        writer.beginObject()
        for (name, text) in evidence { writer.member(name, text) }
        writer.endObject()
        writer.member("labels", sortedMap: rule.labels)
        writer.member("annotations", sortedMap: rule.renderAnnotations(templateValues))
        writer.member("startsAt", startsAt)
        if status == .resolved { writer.member("endsAt", context.windowEnd) } else { writer.member("endsAt", nil as String?) }
        writer.member("rules_digest", rulesDigest)
        writer.endObject()
        json = writer.text
    }
}

/// A retraining trigger: which model version, why (the alerts and rules behind it),
/// and on which data window, awaiting approval when the rule says so.
struct RetrainTrigger {
    let id: String
    let json: String

    init(
        rule: Rule, cause: AlertEvent, alertIDs: [String], alertRules: [String], context: EvaluationContext,
        requiresApproval: Bool, rulesDigest: String
    ) {
        id = StableHash.hex("retrain", cause.id)
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("type", "retrain")
        writer.member("schema", AlertEvent.schemaVersion)
        writer.member("id", id)
        writer.member("model", context.model)
        writer.member("version", context.version)
        writer.member("rule", rule.name)
        writer.key("alert_ids")
        writer.beginArray()
        for alertID in [cause.id] + alertIDs { writer.value(alertID) }
        writer.endArray()
        writer.key("rules")
        writer.beginArray()
        for name in [rule.name] + alertRules.filter({ $0 != rule.name }) { writer.value(name) }
        writer.endArray()
        writer.key("window")
        writer.beginObject()
        writer.member("start", context.windowStart)
        writer.member("end", context.windowEnd)
        writer.endObject()
        writer.member("requires_approval", requiresApproval)
        writer.member("triggeredAt", context.windowEnd)
        writer.member("labels", sortedMap: rule.labels)
        writer.member("annotations", sortedMap: rule.renderAnnotations([
            "model": context.model, "version": context.version,
            "window_start": String(context.windowStart), "window_end": String(context.windowEnd),
        ]))
        writer.member("rules_digest", rulesDigest)
        writer.endObject()
        json = writer.text
    }
}

extension MetricSubject {
    /// The kind of subject, as alerts name it.
    var kind: String {
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

    func write(to writer: inout JSONWriter) {
        switch self {
        case let .bound(comparator, threshold):
            writer.member("threshold", threshold)
            writer.member("comparator", comparator.rawValue)
        case let .band(lower, upper):
            writer.key("threshold")
            writer.beginArray()
            writer.value(lower)
            writer.value(upper)
            writer.endArray()
            writer.member("comparator", "outside")
        case .unavailable:
            writer.member("threshold", nil as Double?)
            writer.member("comparator", nil as String?)
        }
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
