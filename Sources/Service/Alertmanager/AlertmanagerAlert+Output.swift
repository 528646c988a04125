import Foundation
import Monitor

extension AlertmanagerAlert {
    /// The alert an alert output announces (`nil` for other outputs): labels `alertname`
    /// (the rule), `severity`, `model`, `version`, `subject` (`kind:name`), `feature` or
    /// `attribute` where the subject is one, then the rule's own labels; the rendered
    /// annotations; `endsAt` only once resolved; `generatorURL` = `baseURL/v1/alerts/{fingerprint}`.
    init?(output: MonitorOutput, baseURL: String) {
        guard let fields = AlertOutputFields(output) else { return nil }
        var labels = fields.labels
        labels.merge([
            "alertname": fields.rule, "severity": fields.severity, "model": fields.model, "version": fields.version,
            "subject": "\(fields.subject.kind):\(fields.subject.name)",
        ]) { _, identity in identity }
        switch fields.subject.kind {
        case "feature", "output": labels["feature"] = fields.subject.name
        case "segment": labels["attribute"] = fields.subject.name
        default: break
        }
        func rfc3339(_ milliseconds: Int64) -> String { Self.rfc3339(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) }
        self.init(labels: labels, annotations: fields.annotations, startsAt: rfc3339(fields.startsAt),
                  endsAt: fields.status == "resolved" ? rfc3339(fields.endsAt ?? fields.startsAt) : nil,
                  generatorURL: "\(baseURL)/v1/alerts/\(fields.fingerprint)", fingerprint: fields.fingerprint)
    }
}
