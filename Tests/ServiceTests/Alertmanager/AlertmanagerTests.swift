import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// `serve --alertmanager-url` against a real Alertmanager (Debian's
/// `prometheus-alertmanager`, from `scripts/deps/alertmanager.sh`) with a 5 s
/// `resolve_timeout`: two members of an HA pair — here two Alertmanagers — each get every alert.
@Suite(.serialized) struct AlertmanagerTests {
    typealias Support = ServiceTestSupport

    static func startAlertmanager() async throws -> RealComponents.Server {
        let server = try RealComponents.Server("prometheus-alertmanager") { directory, port in
            let config = """
            global: {resolve_timeout: 5s}
            route: {receiver: blackhole, group_wait: 1s, group_interval: 1s}
            receivers: [{name: blackhole}]
            """
            try? config.write(to: directory.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
            return ["--config.file=\(directory.path)/alertmanager.yml", "--storage.path=\(directory.path)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"]
        }
        try server.start()
        guard await server.waitUntilAnswering("/-/ready") else {
            server.stop()
            throw RealComponents.ComponentError("alertmanager did not start: \(server.output)")
        }
        return server
    }

    /// `GET /api/v2/alerts`: the alerts Alertmanager holds and has not seen resolved.
    struct Listed: Decodable {
        struct Status: Decodable { var state: String }
        var labels: [String: String]
        var generatorURL: String
        var startsAt: String
        var endsAt: String
        var status: Status
    }

    static func alerts(_ server: RealComponents.Server) async throws -> [Listed] {
        try JSONDecoder().decode([Listed].self, from: try await server.get("/api/v2/alerts").body)
    }

    @Test func alertsStayActiveWhileFiringAndResolveWhenDriftwatchResolvesThem() async throws {
        let primary = try await Self.startAlertmanager()
        defer { primary.stop() }
        let secondary = try await Self.startAlertmanager()
        defer { secondary.stop() }

        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = MonitorServiceTests.Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        // Income drifts and recovers (its alerts resolve); the interest rate's variance
        // changes after that and stays changed (its alert is still firing at the end).
        let messages = try Support.driftingThenRecovering(events: 24_000, scenario: "income_shift@0.2", recoverAt: 0.4, then: "rate_variance@0.6")
        // What the engine says: the alerts firing at the end, and those that fired and resolved.
        var latest: [String: (status: AlertEvent.Status, labels: [String: String])] = [:]
        for output in Support.engineOutputs(messages).outputs {
            if case let .alert(alert) = output.event { latest[alert.fingerprint] = (alert.status, alert.labels) }
        }
        let firing = latest.filter { $0.value.status == .firing }
        let resolved = latest.filter { $0.value.status == .resolved }
        #expect(!firing.isEmpty && !resolved.isEmpty, "the stream must leave alerts firing and resolve others")

        var settings = MonitorServiceTests.settings(broker, topics, group: "alertmanager-\(topics.suffix)")
        settings.alertmanager.urls = ["http://127.0.0.1:\(primary.port)", "http://127.0.0.1:\(secondary.port)"]
        settings.alertmanager.resendInterval = .seconds(1)
        let service = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let port = await Support.httpPort(of: service)
        #expect(try await Support.eventually(.seconds(60)) { try await Support.get(port: port, "/readyz").status == 200 })
        try await Support.feed(messages, to: topics.input, bootstrap: broker.bootstrapServers, state: service.state)

        func active(_ server: RealComponents.Server) async throws -> Set<String> {
            Set(try await Self.alerts(server).filter { $0.status.state == "active" }.map { $0.generatorURL.split(separator: "/").last.map(String.init) ?? "" })
        }
        // Both Alertmanagers hold exactly the firing alerts, with driftwatch's labels.
        for server in [primary, secondary] {
            let held = try await Support.eventually(.seconds(20), every: .milliseconds(250)) {
                try await active(server) == Set(firing.keys)
            }
            let labels = try await Self.alerts(server).map(\.labels)
            #expect(held, "\(labels)")
        }
        let listed = try await Self.alerts(primary)
        for alert in listed {
            let fingerprint = try #require(alert.generatorURL.split(separator: "/").last.map(String.init))
            let expected = try #require(firing[fingerprint])
            #expect(alert.labels == expected.labels)
            #expect(alert.labels["alertname"] != nil && alert.labels["severity"] != nil)
            #expect(alert.labels["model"] == "credit-risk" && alert.labels["version"] == "v1")
            #expect(alert.generatorURL == "http://127.0.0.1:\(port)/v1/alerts/\(fingerprint)")
            // The generatorURL serves the alert's latest event.
            let event = try await Support.get(port: port, "/v1/alerts/\(fingerprint)")
            #expect(event.status == 200 && event.body.contains(#""fingerprint":"\#(fingerprint)""#) && event.body.contains(#""status":"firing""#))
        }
        #expect(try await Support.get(port: port, "/v1/alerts/unknown").status == 404)

        // Long after resolve_timeout (5 s) and 4 × resend, the firing alerts are still active: they are re-sent.
        try await Task.sleep(for: .seconds(12))
        #expect(try await active(primary) == Set(firing.keys))
        #expect(try await active(secondary) == Set(firing.keys))
        // The resolved ones were sent resolved: not active anywhere.
        #expect(try await active(primary).isDisjoint(with: resolved.keys))

        let metrics = String(decoding: service.metrics.exposition(), as: UTF8.self)
        #expect(metrics.contains("driftwatch_alertmanager_alerts_sent_total{alertmanager=\"http://127.0.0.1:\(primary.port)\"}"))
        #expect(metrics.contains("driftwatch_alertmanager_send_errors_total{alertmanager=\"http://127.0.0.1:\(primary.port)\"} 0\n"))
        await service.shutdown()
        try await running.value

        // A member that takes over (here: the next one started in the group, which fired
        // none of these alerts itself) keeps them active: it reads them from the alerts
        // topic. Without it Alertmanager would expire them 4 s after the last resend.
        let successor = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let succeeding = Task { try await successor.run() }
        defer { succeeding.cancel() }
        try await Task.sleep(for: .seconds(8))
        #expect(try await active(primary) == Set(firing.keys))
        #expect(try await active(secondary) == Set(firing.keys))

        // Stopping every member stops the resends: Alertmanager expires the alerts at their endsAt (≤ 4 s).
        await successor.shutdown()
        try await succeeding.value
        #expect(try await Support.eventually(.seconds(15), every: .milliseconds(500)) { try await active(primary).isEmpty })
    }

    /// One alert's life as Alertmanager sees it: driftwatch's firing event (active, and
    /// still active long after resolve_timeout), then its resolved event (resolved).
    @Test func oneAlertFiresStaysActiveAndResolves() async throws {
        let server = try await Self.startAlertmanager()
        defer { server.stop() }
        let outputs = Support.engineOutputs(try Support.driftingThenRecovering(events: 24_000, scenario: "income_shift@0.2", recoverAt: 0.4)).outputs
        let feed = AlertmanagerFeedTests.feed(AlertmanagerClientTests.client().0, base: "http://driftwatch")
        let alerts = outputs.compactMap { output -> AlertmanagerAlert? in
            guard case let .alert(alert) = output.event else { return nil }
            return feed.alert(from: AlertmanagerFeedTests.record(alert))
        }
        let resolved = try #require(alerts.first { $0.endsAt != nil })
        let fired = try #require(alerts.first { $0.fingerprint == resolved.fingerprint && $0.endsAt == nil })
        var settings = AlertmanagerSettings()
        settings.urls = ["http://127.0.0.1:\(server.port)"]
        settings.resendInterval = .seconds(1)
        let client = AlertmanagerClient(settings: settings, registry: .init(), logger: Support.quietLogger)
        let running = Task { try await client.run() }
        defer { running.cancel() }
        func state() async throws -> String? {
            try await Self.alerts(server).first { $0.generatorURL == fired.generatorURL }?.status.state
        }
        client.submit(fired)
        #expect(try await Support.eventually(.seconds(10), every: .milliseconds(200)) { try await state() == "active" })
        let listed = try #require(try await Self.alerts(server).first)
        #expect(listed.labels == fired.labels)
        #expect(listed.startsAt.hasPrefix(String(fired.startsAt.prefix(19))))
        try await Task.sleep(for: .seconds(12))
        #expect(try await state() == "active")
        client.submit(resolved)
        #expect(try await Support.eventually(.seconds(10), every: .milliseconds(200)) { try await state() == nil })
    }
}
