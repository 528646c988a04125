import MonitorCore

/// Reads the engine's typed outputs for the service's own view: firing alerts and
/// versions for `/v1/status`, alert counts, firing alerts and metric values for `/metrics`.
struct OutputObserver: Sendable {
    let state: ServiceState
    let metrics: ServiceMetrics

    func observe(_ output: MonitorOutput) {
        switch output.event {
        case let .alert(alert):
            let firing = alert.status == .firing
            if firing { metrics.alertFired(rule: alert.rule, severity: alert.severity.rawValue) }
            let subject = "\(alert.subject.kind):\(alert.subject.name)"
            metrics.alertChanged(fingerprint: alert.fingerprint, labels: [
                ("alertname", alert.rule), ("severity", alert.severity.rawValue), ("model", alert.model), ("version", alert.version),
                ("subject", subject),
            ], firing: firing)
            state.alertChanged(ServiceStatus.FiringAlert(
                id: alert.id, fingerprint: alert.fingerprint, rule: alert.rule, severity: alert.severity.rawValue, model: alert.model,
                version: alert.version, subject: subject, startsAt: alert.startsAt),
                firing: firing)
        case .retrain:
            metrics.retrainTriggered()
        case let .metric(metric):
            metrics.monitorValue(model: metric.model, version: metric.version, subject: metric.subject.name, metric: metric.metric,
                                 value: metric.value)
        case let .notice(.versionSeen(seen)):
            state.versionSeen(model: seen.model, version: seen.version)
        case .notice(.ruleBlindness), .notice(.modelTypeInferred), .notice(.featureNotInReference):
            break
        }
    }
}
