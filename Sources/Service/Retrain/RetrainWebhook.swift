import DequeModule
import Foundation
import Logging
import MonitorCore
import Mustache
import Prometheus
import ServiceLifecycle

/// `--retrain-webhook URL` and its templates: where approved (or approval-free)
/// retraining triggers are posted to start a retraining run (Airflow, Prefect, a CI workflow).
package struct RetrainWebhookSettings: Sendable {
    /// The URL posted to; `nil`: no webhook.
    package var url: String?
    /// Mustache template of the request body; values are JSON-escaped (write `"{{model}}"`).
    package var bodyTemplate = Self.defaultBodyTemplate
    /// Extra request headers, name and Mustache template of the value (not escaped; a value
    /// rendered with a line break is refused).
    package var headerTemplates: [(name: String, template: String)] = []
    /// Triggers waiting to be sent; more are dropped and counted.
    package var maximumQueued = 1_000
    /// Attempts per trigger, with exponential back-off from `initialBackoff` between them.
    package var attempts = 6
    package var initialBackoff: Duration = .milliseconds(500)
    package var requestTimeout: Duration = .seconds(10)

    package init() {}

    /// The trigger as a flat JSON object.
    package static let defaultBodyTemplate = """
        {"trigger_id":"{{id}}","model":"{{model}}","version":"{{version}}","rule":"{{rule}}",\
        "decision":"{{decision}}","triggered_at":"{{triggered_at}}","window_start":"{{window_start}}",\
        "window_end":"{{window_end}}","summary":"{{summary}}"}
        """
}

/// The retraining webhook's compiled templates and the variables they see.
package struct RetrainWebhookTemplates: Sendable {
    let body: MustacheTemplate
    let headers: [(name: String, template: MustacheTemplate)]

    /// Compiles the templates: a template that does not parse is a configuration error.
    package init(settings: RetrainWebhookSettings) throws(SettingsError) {
        MustacheContentTypes.register(JSONStringContent(), named: "JSON")
        do {
            body = try MustacheTemplate(string: "{{% CONTENT_TYPE: JSON}}" + settings.bodyTemplate)
            headers = try settings.headerTemplates.map { ($0.name, try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + $0.template)) }
        } catch {
            throw SettingsError("retraining webhook template: \(error)")
        }
    }

    /// A trigger's variables: `id` (= `trigger_id`, the idempotency key), `model`, `version`,
    /// `rule`, `severity`, `decision` (`approved` or `not_required`), `decided_at` (RFC 3339,
    /// empty when not required), `triggered_at`, `window_start`, `window_end` (RFC 3339),
    /// `triggered_at_ms`, `window_start_ms`, `window_end_ms`, `summary` (the `summary`
    /// annotation), `labels` and `annotations` (maps: `{{labels.kind}}`).
    package static func variables(of trigger: PublishedTrigger, approval: RetrainDecision?) -> [String: Any] {
        [
            "id": trigger.id, "trigger_id": trigger.id, "model": trigger.model, "version": trigger.version,
            "rule": trigger.rule, "severity": trigger.labels["severity"] ?? "",
            "decision": approval?.verdict.rawValue ?? "not_required",
            "decided_at": approval.map { ISO8601Time.string(milliseconds: $0.decidedAt) } ?? "",
            "triggered_at": trigger.triggeredAt, "triggered_at_ms": trigger.triggeredAtMilliseconds,
            "window_start": ISO8601Time.string(milliseconds: trigger.window.start),
            "window_end": ISO8601Time.string(milliseconds: trigger.window.end),
            "window_start_ms": trigger.window.start, "window_end_ms": trigger.window.end,
            "summary": trigger.annotations["summary"] ?? "", "labels": trigger.labels, "annotations": trigger.annotations,
        ]
    }

    /// The request's body and headers for a trigger; `nil` when a header value would hold a line break.
    func request(for trigger: PublishedTrigger, approval: RetrainDecision?) -> (body: [UInt8], headers: [(String, String)])? {
        let variables = Self.variables(of: trigger, approval: approval)
        var headers = [("Content-Type", "application/json"), ("Idempotency-Key", trigger.id)]
        for (name, template) in self.headers {
            let value = template.render(variables)
            guard !value.contains(where: \.isNewline) else { return nil }
            headers.append((name, value))
        }
        return (Array(body.render(variables).utf8), headers)
    }

    /// Escapes values for the inside of a JSON string.
    struct JSONStringContent: MustacheContentType {
        func escapeText(_ text: String) -> String { JSONWriter.escaped(text) }
    }
}

/// Posts approved and approval-free retraining triggers to `--retrain-webhook`, one at a
/// time in the order they came: the trigger id in the `Idempotency-Key` header (and in the
/// body where the template puts it, e.g. Airflow's `dag_run_id`), retried with exponential
/// back-off on network errors, 408, 429 and 5xx; a 409 answer counts as sent (the receiver
/// already has a run under that key, as Airflow answers a repeated `dag_run_id`). At most
/// `maximumQueued` triggers wait; more are dropped. Sent, failed and dropped triggers are
/// counted on `/metrics`.
final class RetrainWebhook: Service, Sendable {
    private struct Delivery: Sendable {
        var trigger: PublishedTrigger
        var approval: RetrainDecision?
    }

    let settings: RetrainWebhookSettings
    let url: String
    private let templates: RetrainWebhookTemplates
    private let queue = Protected(Deque<Delivery>())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let metrics: Metrics
    private let logger: Logger

    init(url: String, settings: RetrainWebhookSettings, registry: PrometheusCollectorRegistry, logger: Logger) throws(SettingsError) {
        self.url = url
        self.settings = settings
        self.logger = logger
        templates = try RetrainWebhookTemplates(settings: settings)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        metrics = Metrics(registry: registry)
    }

    /// Queues a trigger: approval-free (`approval` nil) or approved.
    func submit(_ trigger: PublishedTrigger, approval: RetrainDecision?) {
        let accepted = queue.withLock { queue -> Bool in
            guard queue.count < settings.maximumQueued else { return false }
            queue.append(Delivery(trigger: trigger, approval: approval))
            return true
        }
        guard accepted else {
            metrics.dropped.increment()
            logger.error("retraining webhook queue full: trigger dropped", metadata: ["trigger": "\(trigger.id)", "model": "\(trigger.model)"])
            return
        }
        wake.yield()
    }

    /// Sends until graceful shutdown; triggers still queued then are counted as dropped.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.wakeups {
                while !Task.isCancelled, let delivery = self.queue.withLock({ $0.popFirst() }) {
                    await self.send(delivery)
                }
            }
        }
        let abandoned = queue.withLock { queue in
            defer { queue.removeAll() }
            return queue.map(\.trigger.id)
        }
        guard !abandoned.isEmpty else { return }
        metrics.dropped.increment(by: Int64(abandoned.count))
        logger.error("serve stopped before these retraining triggers reached the webhook", metadata: ["triggers": "\(abandoned)"])
    }

    private func send(_ delivery: Delivery) async {
        guard let request = templates.request(for: delivery.trigger, approval: delivery.approval) else {
            metrics.failed.increment()
            logger.error("retraining webhook: a header template rendered a line break", metadata: ["trigger": "\(delivery.trigger.id)"])
            return
        }
        let outcome = await HTTPDelivery(attempts: settings.attempts, initialBackoff: settings.initialBackoff,
                                         requestTimeout: settings.requestTimeout)
            .post(url: url, headers: request.headers, body: request.body, accepting: [409]) { attempt, error in
                metrics.errors.increment()
                logger.warning("retraining webhook attempt failed", metadata: [
                    "url": "\(url)", "trigger": "\(delivery.trigger.id)", "attempt": "\(attempt)", "error": "\(error)",
                ])
            }
        switch outcome {
        case .delivered:
            metrics.sent.increment()
            logger.notice("retraining webhook sent", metadata: ["trigger": "\(delivery.trigger.id)", "model": "\(delivery.trigger.model)"])
        case .failed:
            metrics.failed.increment()
            logger.error("retraining webhook failed", metadata: ["trigger": "\(delivery.trigger.id)", "model": "\(delivery.trigger.model)"])
        }
    }

    /// `driftwatch_retrain_webhook_*` on `/metrics`.
    private struct Metrics: Sendable {
        static let sentFamily = PrometheusFamily("driftwatch_retrain_webhook_sent_total", "Retraining triggers the webhook receiver accepted (2xx, or 409: already started).")
        static let failedFamily = PrometheusFamily("driftwatch_retrain_webhook_failed_total", "Retraining triggers whose webhook request still failed after its retries, or was refused.")
        static let droppedFamily = PrometheusFamily("driftwatch_retrain_webhook_dropped_total", "Retraining triggers not sent because the webhook queue was full.")
        static let errorsFamily = PrometheusFamily("driftwatch_retrain_webhook_errors_total", "Failed webhook requests (each attempt).")

        let sent: Counter
        let failed: Counter
        let dropped: Counter
        let errors: Counter

        init(registry: PrometheusCollectorRegistry) {
            sent = registry.counter(Self.sentFamily)
            failed = registry.counter(Self.failedFamily)
            dropped = registry.counter(Self.droppedFamily)
            errors = registry.counter(Self.errorsFamily)
        }
    }
}
