import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

@Suite struct AlertmanagerFeedTests {
    typealias Support = ServiceTestSupport

    /// An alert of the default rules' first feature rule, as the engine builds its labels.
    static func alert(status: AlertEvent.Status, subject: MetricSubject = .feature("f_income")) throws -> AlertEvent {
        let rule = try #require(ServiceTestSupport.defaultRules.rules.first { $0.scope == .features })
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

    /// The record serve publishes for an alert on the alerts topic.
    static func record(_ alert: AlertEvent, offset: Int64 = 0) -> KafkaMessage {
        KafkaMessage(topic: "driftwatch-alerts", partition: 0, offset: offset, key: Array(alert.fingerprint.utf8),
                     value: Array(MonitorOutput(.alert(alert)).json.utf8))
    }

    static func feed(_ client: AlertmanagerClient, base: String = "http://monitor:9464/") -> AlertmanagerFeed {
        AlertmanagerFeed(client: client, generatorBase: { base }, logger: Support.quietLogger)
    }

    @Test func aFiringAlertCarriesItsIdentityAsLabelsAndNoEnd() throws {
        let alert = try Self.alert(status: .firing)
        let mapped = try #require(Self.feed(AlertmanagerClientTests.client().0).alert(from: Self.record(alert)))
        #expect(mapped.labels["alertname"] == alert.rule)
        #expect(mapped.labels["severity"] == alert.severity.rawValue)
        #expect(mapped.labels["model"] == "credit-risk" && mapped.labels["version"] == "v3")
        #expect(mapped.labels["subject"] == "feature" && mapped.labels["feature"] == "f_income" && mapped.labels["attribute"] == nil)
        #expect(mapped.labels == alert.labels)
        #expect(mapped.annotations == ["summary": "drift"])
        #expect(mapped.startsAt == "2026-01-01T12:25:00.000Z")
        #expect(mapped.endsAt == nil)
        #expect(mapped.generatorURL == "http://monitor:9464/v1/alerts/\(alert.fingerprint)")
        #expect(mapped.fingerprint == alert.fingerprint)
    }

    @Test func aResolvedAlertEndsAtItsEventTimeAndEncodesAsAlertmanagerReadsIt() throws {
        let feed = Self.feed(AlertmanagerClientTests.client().0, base: "http://monitor:9464")
        let mapped = try #require(feed.alert(from: Self.record(try Self.alert(status: .resolved))))
        #expect(mapped.endsAt == "2026-01-01T13:25:00.123Z")
        #expect(mapped.generatorURL.hasPrefix("http://monitor:9464/v1/alerts/"))
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(mapped)) as? [String: Any])
        #expect(Set(object.keys) == ["labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
    }

    @Test func aFairnessAlertNamesItsAttribute() {
        let labels = AlertEvent.labels(of: ServiceTestSupport.defaultRules.rules[0], model: "m", version: "v", subject: .fairness(["gender", "age_band"]))
        #expect(labels["subject"] == "segment" && labels["attribute"] == "gender×age_band" && labels["feature"] == nil)
    }

    /// At start only the alerts still firing at the topic's end are sent (a resolution read
    /// later removes its alert); after that every event goes as it arrives.
    @Test func atStartOnlyTheAlertsStillFiringAreSentThenEveryEvent() throws {
        let (client, registry) = AlertmanagerClientTests.client()
        let feed = Self.feed(client)
        let income = try Self.alert(status: .firing)
        let rate = try Self.alert(status: .firing, subject: .feature("f_rate"))
        feed.read(Self.record(income, offset: 0))
        feed.read(Self.record(rate, offset: 1))
        feed.read(Self.record(try Self.alert(status: .resolved), offset: 2))
        feed.read(KafkaMessage(topic: "driftwatch-alerts", partition: 0, offset: 3, key: nil, value: Array("not an alert".utf8)))
        #expect(client.due(at: .now, wallClock: Date()).isEmpty, "nothing is sent while catching up")
        feed.caughtUp()
        #expect(client.due(at: .now, wallClock: Date()).map(\.fingerprint) == [rate.fingerprint])
        // Following: a resolution of an alert this member never sent firing goes too (another
        // member's alert that this one now takes over, or one fired before the topic's start).
        feed.read(Self.record(try Self.alert(status: .resolved), offset: 4))
        let sent = client.due(at: .now, wallClock: Date())
        #expect(sent.map(\.fingerprint) == [income.fingerprint] && sent.first?.endsAt != nil)
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_alertmanager_records_unreadable_total 1\n"), "\(metrics)")
    }

    /// While catching up, alerts beyond the client's maximum are dropped and counted.
    @Test func catchingUpHoldsAtMostTheClientsMaximum() throws {
        let (client, registry) = AlertmanagerClientTests.client { $0.maximumAlerts = 1 }
        let feed = Self.feed(client)
        feed.read(Self.record(try Self.alert(status: .firing), offset: 0))
        feed.read(Self.record(try Self.alert(status: .firing, subject: .feature("f_rate")), offset: 1))
        feed.caughtUp()
        #expect(client.due(at: .now, wallClock: Date()).count == 1)
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_alertmanager_alerts_dropped_total 1\n"), "\(metrics)")
    }
}
