import OrderedCollections

/// The latest event of each alert instance, by fingerprint, for `GET /v1/alerts/{fingerprint}`
/// (the `generatorURL` of the alerts sent to Alertmanager). At most `capacity` alerts are
/// kept: the one updated longest ago is forgotten first, and counted
/// (`driftwatch_alert_events_forgotten_total`).
final class AlertEventLog: Sendable {
    let capacity: Int
    private let metrics: ServiceMetrics
    private let events = Protected(OrderedDictionary<String, String>())

    init(capacity: Int = 10_000, metrics: ServiceMetrics) {
        self.capacity = capacity
        self.metrics = metrics
    }

    func record(fingerprint: String, json: String) {
        let forgot = events.withLock { latest -> Bool in
            latest.removeValue(forKey: fingerprint)
            latest[fingerprint] = json
            guard latest.count > capacity else { return false }
            latest.removeFirst()
            return true
        }
        if forgot { metrics.alertEventForgotten() }
    }

    /// The alert's latest event (its JSON as published), if it is kept.
    func latest(fingerprint: String) -> String? { events.withLock { $0[fingerprint] } }
}
