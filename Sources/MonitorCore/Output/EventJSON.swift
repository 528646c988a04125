/// The JSON of each output event type: one renderer per type, called only where an
/// event is written (replay's files, serve's topics). Members in a fixed order, maps
/// with sorted keys: the same event gives the same bytes.
extension OutputEvent {
    package func render(into writer: inout JSONWriter) {
        switch self {
        case let .alert(alert): alert.render(into: &writer)
        case let .retrain(trigger): trigger.render(into: &writer)
        case let .metric(metric): metric.render(into: &writer)
        case let .notice(notice): notice.render(into: &writer)
        }
    }
}

extension AlertEvent {
    package func render(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("type", "alert")
        writer.member("schema", Self.schemaVersion)
        writer.member("id", id)
        writer.member("fingerprint", fingerprint)
        writer.member("status", status.rawValue)
        writer.member("rule", rule)
        writer.member("severity", severity.rawValue)
        writer.member("model", model)
        writer.member("version", version)
        writer.key("subject")
        writer.beginObject()
        writer.member("kind", subject.kind)
        writer.member("name", subject.name)
        writer.endObject()
        writer.member("metric", metric.rawValue)
        writer.member("value", value)
        threshold.render(into: &writer)
        writer.key("window")
        writer.beginObject()
        writer.member("start", window.start)
        writer.member("end", window.end)
        writer.member("count", window.count)
        writer.endObject()
        writer.key("reference")
        writer.beginObject()
        writer.member("profile_id", reference.profileID)
        writer.member("count", reference.count)
        writer.endObject()
        writer.key("evidence")
        writer.beginObject()
        for item in evidence {
            writer.key(item.name)
            item.value.render(into: &writer)
        }
        writer.endObject()
        writer.member("labels", sortedMap: labels)
        writer.member("annotations", sortedMap: annotations)
        writer.member("startsAt", ISO8601Time.string(milliseconds: startsAt))
        writer.member("endsAt", endsAt.map(ISO8601Time.string(milliseconds:)))
        writer.member("starts_at_ms", startsAt)
        if let endsAt { writer.member("ends_at_ms", endsAt) } else { writer.member("ends_at_ms", nil as Double?) }
        // Written only when it is not the usual one, so that schema-2 events stay as they were.
        if let resolution, resolution != .cleared { writer.member("resolution", resolution.rawValue) }
        writer.member("rules_digest", rulesDigest)
        writer.endObject()
    }
}

extension Evidence.Value {
    func render(into writer: inout JSONWriter) {
        switch self {
        case let .number(value): writer.value(value)
        case let .count(count): writer.value(count)
        case let .group(selectionRate, predictions):
            writer.beginObject()
            writer.member("selection_rate", selectionRate)
            writer.member("n", predictions)
            writer.endObject()
        }
    }
}

extension ThresholdResult {
    func render(into writer: inout JSONWriter) {
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

extension RetrainTrigger {
    package func render(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("type", "retrain")
        writer.member("schema", AlertEvent.schemaVersion)
        writer.member("id", id)
        writer.member("model", model)
        writer.member("version", version)
        writer.member("rule", rule)
        writer.member("alert_ids", strings: alertIDs)
        writer.member("rules", strings: rules)
        writer.key("window")
        writer.beginObject()
        writer.member("start", windowStart)
        writer.member("end", windowEnd)
        writer.endObject()
        writer.member("requires_approval", requiresApproval)
        writer.member("triggeredAt", ISO8601Time.string(milliseconds: triggeredAt))
        writer.member("triggered_at_ms", triggeredAt)
        writer.member("labels", sortedMap: labels)
        writer.member("annotations", sortedMap: annotations)
        writer.member("rules_digest", rulesDigest)
        writer.endObject()
    }
}

extension MetricEvent {
    package func render(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("type", "metric")
        writer.member("evaluation", evaluation.rawValue)
        writer.member("model", model)
        writer.member("version", version)
        writer.member("window_start", windowStart)
        writer.member("window_end", windowEnd)
        writer.member("subject", subject.name)
        writer.member("metric", metric.rawValue)
        writer.member("value", value)
        writer.member("samples", samples)
        writer.endObject()
    }
}

extension Notice {
    package func render(into writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case let .versionSeen(seen):
            writer.noticeHead("version_seen", model: seen.model, version: seen.version)
            writer.member("first_ts", seen.firstTimestamp)
            writer.member("previous_versions", seen.previousVersions)
        case let .modelTypeInferred(inferred):
            writer.noticeHead("model_type_inferred", model: inferred.model, version: inferred.version)
            writer.member("model_type", inferred.type.rawValue)
            writer.member("first_ts", inferred.firstTimestamp)
            writer.member("declare", inferred.declaration)
            writer.member("skipped_rules", strings: inferred.skippedRules)
        case let .featureNotInReference(feature):
            writer.noticeHead("feature_not_in_reference", model: feature.model, version: feature.version)
            writer.member("feature", feature.feature)
            writer.member("first_ts", feature.firstTimestamp)
        case let .ruleBlindness(blindness):
            let reason: SkipReason? = if case let .notEvaluated(reason) = blindness.change { reason } else { nil }
            writer.member("type", reason == nil ? "rule_evaluated_again" : "rule_not_evaluated")
            writer.member("rule", blindness.rule)
            writer.member("model", blindness.model)
            writer.member("version", blindness.version)
            writer.member("subject", blindness.subject.name)
            writer.member("skipped_evaluations", blindness.skippedEvaluations)
            writer.member("skipped_since", blindness.skippedSince)
            writer.member("window_end", blindness.windowEnd)
            if let reason {
                writer.member("reason", reason.code)
                switch reason {
                case let .tooFewSamples(samples):
                    writer.member("samples", samples)
                    writer.member("min_samples", blindness.minSamples)
                case let .missingAttributes(names): writer.member("attributes", strings: names)
                case .noValue, .noReference: break
                }
            }
        }
        writer.endObject()
    }
}

extension JSONWriter {
    /// A notice's first members: its type, model and version.
    fileprivate mutating func noticeHead(_ type: String, model: String, version: String) {
        member("type", type)
        member("model", model)
        member("version", version)
    }

    fileprivate mutating func member(_ name: String, strings: [String]) {
        key(name)
        beginArray()
        for string in strings { value(string) }
        endArray()
    }
}
