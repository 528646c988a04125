/// A person's decision on a retraining trigger that required approval, published on the
/// retrain topic beside the trigger (same key: the model, so on the same partition and
/// after it). Every `serve` member reads the retrain topic, so a decision taken on any
/// member reaches all of them (see `RetrainLedger` in `Service`).
package struct RetrainDecision: Sendable, Equatable {
    package enum Verdict: String, Sendable, CaseIterable {
        case approved, rejected
    }

    /// The trigger decided on.
    package var triggerID: String
    package var verdict: Verdict
    package var model: String
    package var version: String
    /// The trigger's retraining rule.
    package var rule: String
    /// When the decision was taken: wall-clock epoch milliseconds (a person's act has no event time).
    package var decidedAt: Int64

    package init(triggerID: String, verdict: Verdict, model: String, version: String, rule: String, decidedAt: Int64) {
        self.triggerID = triggerID
        self.verdict = verdict
        self.model = model
        self.version = version
        self.rule = rule
        self.decidedAt = decidedAt
    }

    /// 16 hex digits, one per trigger: two members deciding the same trigger at once
    /// publish the same id, and the first decision on the topic is the one that counts.
    package var id: String { StableHash.hex("retrain-decision", triggerID) }

    /// The event's JSON (`type: retrain_decision`, schema 2).
    package var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("type", "retrain_decision")
        writer.member("schema", AlertEvent.schemaVersion)
        writer.member("id", id)
        writer.member("trigger_id", triggerID)
        writer.member("decision", verdict.rawValue)
        writer.member("model", model)
        writer.member("version", version)
        writer.member("rule", rule)
        writer.member("decidedAt", ISO8601Time.string(milliseconds: decidedAt))
        writer.member("decided_at_ms", decidedAt)
        writer.endObject()
        return writer.text
    }
}
