import Foundation
@testable import Monitor
@testable import MonitorCore
import Prometheus
@testable import Service
import Testing

/// The retraining webhook against a real HTTP receiver: the templated body and headers,
/// the idempotency key kept across retries, back-off, and what is counted.
@Suite(.serialized) struct RetrainWebhookTests {
    typealias Support = ServiceTestSupport

    static func trigger(_ id: String = "0123456789abcdef", requiresApproval: Bool = false) -> PublishedTrigger {
        let trigger = RetrainTrigger(
            id: id, model: "credit \"risk\"", version: "v3", rule: "RetrainOnAccuracyDrop", alertIDs: [], rules: ["RetrainOnAccuracyDrop"],
            windowStart: 1_767_225_600_000, windowEnd: 1_767_229_200_000, requiresApproval: requiresApproval,
            triggeredAt: 1_767_229_200_000, labels: ["alertname": "RetrainOnAccuracyDrop", "severity": "critical", "kind": "performance"],
            annotations: ["summary": "accuracy 0.61 (threshold 0.72)"], rulesDigest: "d")
        return try! PublishedTrigger(json: Array(MonitorOutput(.retrain(trigger)).json.utf8))
    }

    static func settings(_ url: String, template: String = "airflow") throws -> RetrainWebhookSettings {
        var settings = RetrainWebhookSettings()
        settings.url = url + "/api/v1/dags/retrain_model/dagRuns"
        settings.bodyTemplate = try String(contentsOfFile: Support.repositoryRoot + "/deploy/webhooks/\(template).mustache", encoding: .utf8)
        settings.headerTemplates = [("Authorization", "Basic YWRtaW46YWRtaW4="), ("X-Driftwatch-Model", "{{model}}/{{version}}")]
        settings.initialBackoff = .milliseconds(20)
        settings.attempts = 4
        return settings
    }

    /// Runs a webhook with `settings`, after `submitting` queued its triggers, until `done` holds (at most 10 s).
    static func run(_ settings: RetrainWebhookSettings, registry: PrometheusCollectorRegistry,
                    submitting: (RetrainWebhook) -> Void, until done: () -> Bool) async throws {
        let webhook = try RetrainWebhook(url: try #require(settings.url), settings: settings, registry: registry, logger: Support.quietLogger)
        submitting(webhook)
        let task = Task { try await webhook.run() }
        #expect(await Support.eventually(.seconds(10), done))
        task.cancel()
    }

    @Test func airflowRequestIsRetriedWithTheSameDagRunIdUntilTheReceiverTakesIt() async throws {
        let receiver = WebhookReceiver(failFirst: 2)
        let registry = PrometheusCollectorRegistry()
        try await receiver.serve { base in
            let approval = RetrainDecision(triggerID: "0123456789abcdef", verdict: .approved, model: "credit \"risk\"", version: "v3",
                                           rule: "RetrainOnAccuracyDrop", decidedAt: 1_767_230_000_000)
            try await Self.run(try Self.settings(base), registry: registry, submitting: { $0.submit(Self.trigger(), approval: approval) },
                               until: { registry.emitToString().contains("driftwatch_retrain_webhook_sent_total 1\n") })
        }
        let requests = receiver.requests
        #expect(requests.count == 3)  // two 503s, then accepted
        for request in requests {
            #expect(request.path == "/api/v1/dags/retrain_model/dagRuns")
            #expect(request.headers["idempotency-key"] == "0123456789abcdef")
            #expect(request.headers["authorization"] == "Basic YWRtaW46YWRtaW4=")
            #expect(request.headers["x-driftwatch-model"] == "credit \"risk\"/v3")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.body == requests[0].body)
        }
        let body = try #require(requests.first?.json, "the body must be JSON even with a quote in the model name")
        #expect(body["dag_run_id"] as? String == "0123456789abcdef")
        #expect(body["note"] as? String == "accuracy 0.61 (threshold 0.72)")
        let conf = try #require(body["conf"] as? [String: Any])
        #expect(conf["model"] as? String == "credit \"risk\"")
        #expect(conf["decision"] as? String == "approved")
        #expect(conf["window_start"] as? String == "2026-01-01T00:00:00.000Z")
        #expect(conf["triggered_at"] as? String == "2026-01-01T01:00:00.000Z")
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_retrain_webhook_errors_total 2\n"))
        #expect(metrics.contains("driftwatch_retrain_webhook_failed_total 0\n"))
    }

    @Test func prefectTemplateCarriesTheIdempotencyKeyAndAConflictCountsAsSent() async throws {
        // 409: the receiver already has a run under this key (an earlier attempt got through).
        let receiver = WebhookReceiver(failFirst: 1, failStatus: .conflict)
        let registry = PrometheusCollectorRegistry()
        try await receiver.serve { base in
            try await Self.run(try Self.settings(base, template: "prefect"), registry: registry,
                               submitting: { $0.submit(Self.trigger(), approval: nil) },
                               until: { registry.emitToString().contains("driftwatch_retrain_webhook_sent_total 1\n") })
        }
        #expect(receiver.requests.count == 1)
        let body = try #require(receiver.requests.first?.json)
        #expect(body["idempotency_key"] as? String == "0123456789abcdef")
        #expect((body["parameters"] as? [String: Any])?["version"] as? String == "v3")
    }

    @Test func aRefusedRequestFailsAtOnceAndAFullQueueDropsCounted() async throws {
        let receiver = WebhookReceiver(failFirst: .max, failStatus: .badRequest)
        let registry = PrometheusCollectorRegistry()
        try await receiver.serve { base in
            var settings = try Self.settings(base)
            settings.maximumQueued = 2
            try await Self.run(settings, registry: registry, submitting: { webhook in
                // Submitted before the sender takes any: two queue, the rest are dropped.
                for index in 0..<5 { webhook.submit(Self.trigger(String(format: "%016x", index)), approval: nil) }
            }, until: { registry.emitToString().contains("driftwatch_retrain_webhook_failed_total 2\n") })
        }
        #expect(receiver.requests.count == 2)  // a 400 is not retried
        #expect(receiver.requests.map { $0.headers["idempotency-key"] } == ["0000000000000000", "0000000000000001"])
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_retrain_webhook_dropped_total 3\n"))
        #expect(metrics.contains("driftwatch_retrain_webhook_sent_total 0\n"))
    }

    @Test func triggersStillQueuedWhenServeStopsAreCountedAsDropped() async throws {
        var settings = RetrainWebhookSettings()
        settings.url = "http://127.0.0.1:1/unreachable"  // refused: the first trigger backs off for a minute
        settings.initialBackoff = .seconds(60)
        settings.requestTimeout = .milliseconds(300)  // async-http-client retries a refused connection until the deadline
        let registry = PrometheusCollectorRegistry()
        let webhook = try RetrainWebhook(url: try #require(settings.url), settings: settings, registry: registry, logger: Support.quietLogger)
        for index in 0..<3 { webhook.submit(Self.trigger(String(format: "%016x", index)), approval: nil) }
        let task = Task { try await webhook.run() }
        #expect(await Support.eventually(.seconds(10)) { registry.emitToString().contains("driftwatch_retrain_webhook_errors_total 1\n") })
        task.cancel()
        try await task.value
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_retrain_webhook_failed_total 1\n"))  // its back-off was cut short
        #expect(metrics.contains("driftwatch_retrain_webhook_dropped_total 2\n"))
        #expect(metrics.contains("driftwatch_retrain_webhook_sent_total 0\n"))
    }

    @Test func aTemplateThatDoesNotParseIsAConfigurationError() {
        var settings = RetrainWebhookSettings()
        settings.bodyTemplate = "{{#model}}"
        #expect(throws: SettingsError.self) { try RetrainWebhookTemplates(settings: settings) }
    }
}
