import AsyncHTTPClient
import Foundation
import Logging
import MonitorCore
import NIOCore
import Prometheus
import ServiceLifecycle

/// How `serve` pushes its alerts to Alertmanager (`--alertmanager-url`, `--alertmanager-resend`).
package struct AlertmanagerSettings: Sendable {
    /// Base URLs (`http://host:9093`); every alert goes to each, as Prometheus sends to
    /// every member of an HA pair (they de-duplicate by labels).
    package var urls: [String] = []
    /// Every firing alert is sent again this often, with `endsAt` = now + 4 × this.
    package var resendInterval: Duration = .seconds(60)
    /// The base of each alert's `generatorURL` (serve's HTTP address as people reach it);
    /// `nil`: `http://<--http host>:<port>`.
    package var externalURL: String?
    /// Alerts tracked at once (firing, and resolved ones still re-sent); more are dropped and counted.
    package var maximumAlerts = 10_000
    /// A resolved alert is re-sent with every resend this long (Prometheus' 15 minutes),
    /// so that an Alertmanager that missed the resolution still gets it.
    package var resolvedRetention: Duration = .seconds(15 * 60)
    /// Attempts per request, with exponential back-off from `initialBackoff` between them.
    package var attempts = 4
    package var initialBackoff: Duration = .milliseconds(250)
    package var requestTimeout: Duration = .seconds(10)
    /// Alerts per request (Prometheus' notifier sends at most 64).
    package var batchSize = 64

    package init() {}

    /// `--alertmanager-url`: an http(s) URL with a host; the API path is added by the client.
    package static func validated(url text: String) throws(SettingsError) -> String {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw SettingsError("Alertmanager URL '\(text)': expected http(s)://host:port")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}

/// Pushes alerts to Alertmanager's v2 API (`POST /api/v2/alerts`) the way Prometheus does:
/// a new firing or resolved alert is sent at once; every firing alert is sent again each
/// `resendInterval` with `endsAt` = now + 4 × `resendInterval` (wall clock: Alertmanager's
/// protocol), so it stays active however long it fires and expires on its own if driftwatch
/// stops; a resolved alert carries its own `endsAt` and is re-sent for `resolvedRetention`.
///
/// Failed requests are retried with exponential back-off; what still fails is counted and
/// left to the next resend. At most `maximumAlerts` alerts are tracked (more are dropped and
/// counted); a wake-up signal of one slot stands for any number of submissions.
final class AlertmanagerClient: Service, Sendable {
    /// What the client knows of one alert.
    enum Entry: Sendable, Equatable {
        case firing(AlertmanagerAlert)
        case resolved(AlertmanagerAlert, forgetAt: ContinuousClock.Instant)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Fingerprints changed since the last send.
        var pending: Set<String> = []
        var nextResend: ContinuousClock.Instant?
    }

    let settings: AlertmanagerSettings
    private let state = Protected(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let metrics: Metrics
    private let logger: Logger

    init(settings: AlertmanagerSettings, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.settings = settings
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        metrics = Metrics(registry: registry, urls: settings.urls)
    }

    /// Takes an alert's latest state (firing while `endsAt` is nil, else resolved) and wakes the sender.
    func submit(_ alert: AlertmanagerAlert) {
        let accepted = state.withLock { state -> Bool in
            guard state.entries[alert.fingerprint] != nil || state.entries.count < settings.maximumAlerts else { return false }
            state.entries[alert.fingerprint] = alert.endsAt == nil
                ? .firing(alert) : .resolved(alert, forgetAt: .now + settings.resolvedRetention)
            state.pending.insert(alert.fingerprint)
            return true
        }
        guard accepted else { return countDropped() }
        wake.yield()
    }

    /// An alert not tracked because the maximum was reached (counted, not sent).
    func countDropped() { metrics.dropped.increment() }

    /// A record of the alerts topic that is not an alert event (counted, not sent).
    func countUnreadableRecord() { metrics.unreadable.increment() }

    /// Sends until graceful shutdown, which also cancels a request in flight (and its back-off).
    func run() async throws {
        await cancelWhenGracefulShutdown { await self.sendUntilCancelled() }
    }

    private func sendUntilCancelled() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [wake, settings] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.resendInterval)
                    wake.yield()
                }
            }
            for await _ in wakeups {
                guard !Task.isCancelled else { break }
                let batch = due(at: .now, wallClock: Date())
                guard !batch.isEmpty else { continue }
                await withTaskGroup(of: Void.self) { sends in
                    for url in settings.urls { sends.addTask { await self.send(batch, to: url) } }
                }
            }
            group.cancelAll()
        }
    }

    /// The alerts to send now: the changed ones, or every tracked one when a resend is due;
    /// firing ones with `endsAt` = `wallClock` + 4 × resend. Forgets resolved alerts past retention.
    func due(at now: ContinuousClock.Instant, wallClock: Date) -> [AlertmanagerAlert] {
        let endsAt = ISO8601Time.string(milliseconds: Int64((wallClock.timeIntervalSince1970 + 4 * settings.resendInterval.seconds) * 1000))
        let (alerts, tracked) = state.withLock { state -> ([AlertmanagerAlert], Int) in
            state.entries = state.entries.filter { _, entry in
                if case let .resolved(_, forgetAt) = entry { forgetAt > now } else { true }
            }
            let resend = state.nextResend.map { now >= $0 } ?? true
            let fingerprints = resend ? Array(state.entries.keys) : Array(state.pending)
            state.pending.removeAll()
            if resend { state.nextResend = now + settings.resendInterval }
            let alerts = fingerprints.sorted().compactMap { fingerprint -> AlertmanagerAlert? in
                switch state.entries[fingerprint] {
                case var .firing(alert)?:
                    alert.endsAt = endsAt
                    return alert
                case let .resolved(alert, _)?: return alert
                case nil: return nil
                }
            }
            return (alerts, state.entries.count)
        }
        metrics.tracked.set(to: Double(tracked))
        return alerts
    }

    private func send(_ alerts: [AlertmanagerAlert], to url: String) async {
        for start in stride(from: 0, to: alerts.count, by: settings.batchSize) {
            let batch = Array(alerts[start..<min(start + settings.batchSize, alerts.count)])
            if await post(batch, to: url) {
                metrics.sent[url]?.increment(by: Int64(batch.count))
            } else {
                metrics.failed[url]?.increment(by: Int64(batch.count))
            }
        }
    }

    /// One request with retries; whether Alertmanager accepted it. A 4xx answer is not retried.
    private func post(_ alerts: [AlertmanagerAlert], to url: String) async -> Bool {
        let body: [UInt8]
        do { body = try AlertmanagerAlert.requestBody(alerts) } catch { return false }
        let delivery = HTTPDelivery(attempts: settings.attempts, initialBackoff: settings.initialBackoff,
                                    requestTimeout: settings.requestTimeout)
        let outcome = await delivery.post(url: url + "/api/v2/alerts", headers: [("Content-Type", "application/json")],
                                          body: body) { attempt, error in
            metrics.errors[url]?.increment()
            logger.warning("Alertmanager did not take the alerts", metadata: ["url": "\(url)", "error": "\(error)", "attempt": "\(attempt)"])
        }
        return outcome == .delivered
    }

    /// `driftwatch_alertmanager_*` on `/metrics`.
    private struct Metrics: Sendable {
        static let sentFamily = PrometheusFamily("driftwatch_alertmanager_alerts_sent_total", "Alerts Alertmanager accepted, by Alertmanager URL (resends included).")
        static let failedFamily = PrometheusFamily("driftwatch_alertmanager_alerts_failed_total", "Alerts whose request still failed after its retries, by Alertmanager URL (sent again at the next resend while firing).")
        static let errorsFamily = PrometheusFamily("driftwatch_alertmanager_send_errors_total", "Failed requests to Alertmanager (each attempt), by Alertmanager URL.")
        static let droppedFamily = PrometheusFamily("driftwatch_alertmanager_alerts_dropped_total", "Alerts not tracked because the client already tracked its maximum.")
        static let trackedFamily = PrometheusFamily("driftwatch_alertmanager_alerts_tracked", "Alerts the client sends: firing ones, and resolved ones within their retention.")
        static let unreadableFamily = PrometheusFamily("driftwatch_alertmanager_records_unreadable_total", "Records of the alerts topic that are not driftwatch alert events (not sent to Alertmanager).")

        let sent: [String: Counter]
        let failed: [String: Counter]
        let errors: [String: Counter]
        let dropped: Counter
        let tracked: Gauge
        let unreadable: Counter

        init(registry: PrometheusCollectorRegistry, urls: [String]) {
            func byURL(_ family: PrometheusFamily) -> [String: Counter] {
                Dictionary(urls.map { ($0, registry.counter(family, [("alertmanager", $0)])) }) { first, _ in first }
            }
            sent = byURL(Self.sentFamily)
            failed = byURL(Self.failedFamily)
            errors = byURL(Self.errorsFamily)
            dropped = registry.counter(Self.droppedFamily)
            tracked = registry.gauge(Self.trackedFamily)
            unreadable = registry.counter(Self.unreadableFamily)
        }
    }
}
