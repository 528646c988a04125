import Foundation
import Monitor

/// Reads the engine's outputs for the service's own view: firing alerts and versions
/// for `/v1/status`, alert counts and metric values for `/metrics`. Alerts and notices
/// are rare, so a JSON parse of each is affordable; metric events (dozens per
/// evaluation) carry their ``MonitorOutput/measurement`` instead.
struct OutputObserver: Sendable {
    let state: ServiceState
    let metrics: ServiceMetrics

    private struct NoticeFields: Decodable {
        var type: String
        var model: String?
        var version: String?
    }

    func observe(_ output: MonitorOutput) {
        var json: Data { Data(output.json.utf8) }
        let decoder = JSONDecoder()
        switch output.kind {
        case .alert:
            guard let alert = AlertOutputFields(output) else { return }
            let firing = alert.status == "firing"
            if firing { metrics.alertFired(rule: alert.rule, severity: alert.severity) }
            let subject = "\(alert.subject.kind):\(alert.subject.name)"
            metrics.alertChanged(fingerprint: alert.fingerprint, labels: [
                ("alertname", alert.rule), ("severity", alert.severity), ("model", alert.model), ("version", alert.version),
                ("subject", subject),
            ], firing: firing)
            state.alertChanged(ServiceStatus.FiringAlert(
                id: alert.id, fingerprint: alert.fingerprint, rule: alert.rule, severity: alert.severity, model: alert.model,
                version: alert.version, subject: subject, startsAt: alert.startsAt),
                firing: firing)
        case .retrain:
            metrics.retrainTriggered()
        case .metric:
            // Only an output restored from a checkpoint lacks it; the next evaluation sets the gauge.
            guard let metric = output.measurement, let name = MetricName(rawValue: metric.metric) else { return }
            metrics.monitorValue(model: metric.model, version: metric.version, subject: metric.subject, metric: name,
                                 value: metric.value)
        case .notice:
            guard let notice = try? decoder.decode(NoticeFields.self, from: json), notice.type == "version_seen",
                  let model = notice.model, let version = notice.version else { return }
            state.versionSeen(model: model, version: version)
        }
    }
}

/// The fields of an alert output that the service reads (the one place that parses alert
/// events; `nil` for other outputs).
struct AlertOutputFields: Decodable {
    struct Subject: Decodable { var kind: String; var name: String }
    var id: String
    var fingerprint: String
    var status: String
    var rule: String
    var severity: String
    var model: String
    var version: String
    var subject: Subject
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: Int64
    var endsAt: Int64?

    init?(_ output: MonitorOutput) {
        guard output.kind == .alert, let fields = try? JSONDecoder().decode(Self.self, from: Data(output.json.utf8)) else { return nil }
        self = fields
    }
}
