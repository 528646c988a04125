import Foundation
@testable import Monitor
@testable import Service
import Testing

@Suite struct AlertmanagerMappingTests {
    /// An alert of the default rules' first feature rule, as the engine builds its labels.
    static func alert(status: AlertEvent.Status) throws -> AlertEvent {
        let rule = try #require(ServiceTestSupport.defaultRules.rules.first { $0.scope == .features })
        let subject = MetricSubject.feature("f_income")
        return AlertEvent(
            id: "0123456789abcdef", fingerprint: AlertEvent.fingerprint(rule: rule.name, model: "credit-risk", version: "v3", subject: subject),
            status: status, rule: rule.name, severity: rule.severity, model: "credit-risk", version: "v3", subject: subject,
            metric: rule.metric.name, value: 0.31, threshold: .bound(.greater, 0.2),
            window: AlertEvent.Window(start: 1_767_266_700_000, end: 1_767_270_300_000, count: 500),
            reference: AlertEvent.Reference(profileID: "stream", count: 1000), evidence: [],
            labels: AlertEvent.labels(of: rule, model: "credit-risk", version: "v3", subject: subject),
            annotations: ["summary": "drift"], startsAt: 1_767_270_300_000, endsAt: status == .resolved ? 1_767_273_900_123 : nil,
            rulesDigest: "d")
    }

    @Test func aFiringAlertCarriesItsIdentityAsLabelsAndNoEnd() throws {
        let alert = try Self.alert(status: .firing)
        let mapped = AlertmanagerMapping.alert(alert, baseURL: "http://monitor:9464/")
        #expect(mapped.labels["alertname"] == alert.rule)
        #expect(mapped.labels["severity"] == alert.severity.rawValue)
        #expect(mapped.labels["model"] == "credit-risk" && mapped.labels["version"] == "v3")
        #expect(mapped.labels["subject"] == "feature" && mapped.labels["feature"] == "f_income" && mapped.labels["attribute"] == nil)
        #expect(mapped.annotations == ["summary": "drift"])
        #expect(mapped.startsAt == "2026-01-01T12:25:00.000Z")
        #expect(mapped.endsAt == nil)
        #expect(mapped.generatorURL == "http://monitor:9464/v1/alerts/\(alert.fingerprint)")
        #expect(mapped.fingerprint == alert.fingerprint)
    }

    @Test func aResolvedAlertEndsAtItsEventTimeAndEncodesAsAlertmanagerReadsIt() throws {
        let mapped = AlertmanagerMapping.alert(try Self.alert(status: .resolved), baseURL: "http://monitor:9464")
        #expect(mapped.endsAt == "2026-01-01T13:25:00.123Z")
        #expect(mapped.generatorURL.hasPrefix("http://monitor:9464/v1/alerts/"))
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(mapped)) as? [String: Any])
        #expect(Set(object.keys) == ["labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
    }

    @Test func aFairnessAlertNamesItsAttribute() {
        let labels = AlertEvent.labels(of: ServiceTestSupport.defaultRules.rules[0], model: "m", version: "v", subject: .fairness(["gender", "age_band"]))
        #expect(labels["subject"] == "segment" && labels["attribute"] == "gender×age_band" && labels["feature"] == nil)
    }
}
