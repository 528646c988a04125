import Foundation
import Kafka
import Logging
@testable import Monitor
@testable import MonitorCore
import Prometheus
@testable import Service
import Testing

@Suite(.serialized) struct AlertmanagerClientTests {
    typealias Support = ServiceTestSupport

    static func alert(_ fingerprint: String, endsAt: String? = nil) -> AlertmanagerAlert {
        AlertmanagerAlert(labels: ["alertname": "psi_high", "model": "m"], annotations: [:], startsAt: "2026-01-01T00:00:00.000Z",
                          endsAt: endsAt, generatorURL: "http://driftwatch/v1/alerts/\(fingerprint)", fingerprint: fingerprint)
    }

    static func client(_ configure: (inout AlertmanagerSettings) -> Void = { _ in }) -> (AlertmanagerClient, PrometheusCollectorRegistry) {
        var settings = AlertmanagerSettings()
        settings.urls = ["http://127.0.0.1:1"]
        settings.resendInterval = .seconds(60)
        configure(&settings)
        let registry = PrometheusCollectorRegistry()
        return (AlertmanagerClient(settings: settings, registry: registry, logger: Support.quietLogger), registry)
    }

    /// The request body lists members in key order, labels and annotations included,
    /// whatever order their dictionaries iterate in.
    @Test func requestBodiesAreTheSameBytesForTheSameAlerts() throws {
        var labels: [String: String] = [:]
        for name in (0..<30).map({ "label_\($0)" }).reversed() { labels[name] = "v" }
        var alert = Self.alert("f1")
        alert.labels = labels
        alert.annotations = ["summary": "s", "description": "d", "runbook_url": "r"]
        let body = String(decoding: try AlertmanagerAlert.requestBody([alert]), as: UTF8.self)
        let positions = (0..<30).map { "label_\($0)" }.sorted().map { body.range(of: #""\#($0)""#)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(body.hasPrefix(#"[{"annotations":{"description":"d","runbook_url":"r","summary":"s"},"fingerprint":"f1","generatorURL""#))
        var rebuilt = alert
        rebuilt.labels = Dictionary(uniqueKeysWithValues: labels.sorted { $0.key < $1.key })
        #expect(try AlertmanagerAlert.requestBody([rebuilt]) == AlertmanagerAlert.requestBody([alert]))
    }

    @Test func newAlertsGoAtOnceAndFiringOnesAreResentWithEndsAtFourResendsAhead() {
        let (client, _) = Self.client()
        let start = ContinuousClock.now
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        client.submit(Self.alert("a"))
        let first = client.due(at: start, wallClock: wall)
        #expect(first.map(\.fingerprint) == ["a"])
        #expect(first.first?.endsAt == "2027-01-15T08:04:00.000Z")  // wall + 4 × 60 s
        // Nothing changed and no resend due: nothing to send.
        #expect(client.due(at: start + .seconds(1), wallClock: wall).isEmpty)
        // A new alert goes alone; a resolution goes with its own endsAt.
        client.submit(Self.alert("b"))
        #expect(client.due(at: start + .seconds(2), wallClock: wall).map(\.fingerprint) == ["b"])
        client.submit(Self.alert("a", endsAt: "2026-01-01T01:00:00.000Z"))
        let resolved = client.due(at: start + .seconds(3), wallClock: wall)
        #expect(resolved.map(\.endsAt) == ["2026-01-01T01:00:00.000Z"])
        // At the resend: every firing alert with a new endsAt, and the resolved one again.
        let resend = client.due(at: start + .seconds(60), wallClock: wall.addingTimeInterval(60))
        #expect(resend.map(\.fingerprint) == ["a", "b"])
        #expect(resend.map(\.endsAt) == ["2026-01-01T01:00:00.000Z", "2027-01-15T08:05:00.000Z"])
        // Past its retention, a resolved alert is forgotten; a firing one never is.
        let later = client.due(at: start + .seconds(60 + 15 * 60), wallClock: wall)
        #expect(later.map(\.fingerprint) == ["b"])
    }

    @Test func alertsBeyondTheMaximumAreDroppedAndCounted() {
        let (client, registry) = Self.client { $0.maximumAlerts = 2 }
        for fingerprint in ["a", "b", "c"] { client.submit(Self.alert(fingerprint)) }
        client.submit(Self.alert("a", endsAt: "2026-01-01T01:00:00.000Z"))  // a tracked alert still changes
        let due = client.due(at: .now, wallClock: Date())
        #expect(due.map(\.fingerprint) == ["a", "b"])
        #expect(due.first?.endsAt == "2026-01-01T01:00:00.000Z")
        let text = registry.emitToString()
        #expect(text.contains("driftwatch_alertmanager_alerts_dropped_total 1\n"))
        #expect(text.contains("driftwatch_alertmanager_alerts_tracked 2"))
    }

    @Test func anUnreachableAlertmanagerIsRetriedWithBackOffAndCounted() async throws {
        let url = "http://127.0.0.1:\(try RealComponents.freePort())"
        let (client, registry) = Self.client {
            $0.urls = [url]
            $0.attempts = 3
            $0.initialBackoff = .milliseconds(100)
            // async-http-client retries a refused connection until the request's deadline.
            $0.requestTimeout = .milliseconds(300)
        }
        let running = Task { try await client.run() }
        let started = ContinuousClock.now
        client.submit(Self.alert("a"))
        func count(_ family: String) -> Int {
            let line = registry.emitToString().split(separator: "\n").first { $0.hasPrefix("\(family){alertmanager=\"\(url)\"} ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        }
        #expect(await Support.eventually(.seconds(10)) { count("driftwatch_alertmanager_alerts_failed_total") == 1 })
        #expect(count("driftwatch_alertmanager_send_errors_total") == 3)
        #expect(count("driftwatch_alertmanager_alerts_sent_total") == 0)
        #expect(ContinuousClock.now - started >= .milliseconds(300), "back-off of 100 ms, then 200 ms")
        running.cancel()
        try await running.value
    }
}
