import Foundation

/// What the analysis tools (`tune`, `report`, `replay --metrics-csv`) read from the
/// engine's outputs. Every read of ``MonitorOutput`` by those tools happens here, in one
/// place, so a change of the output's payload touches this file alone.
public enum AnalysisRecord: Sendable, Equatable {
    /// One metric value of one evaluation window.
    case metric(MetricPoint)
    /// An alert instance started or stopped firing (retraining triggers are not episodes).
    case alert(AlertTransition)
    /// Anything else (retraining triggers, notices): not used by the analysis tools.
    case other

    /// Reads one engine output.
    public init(_ output: MonitorOutput) {
        switch output.kind {
        case .metric:
            guard let measurement = output.measurement,
                  let window = AnalysisRecord.windowBounds(output.json) else { self = .other; return }
            let evaluation = output.json.contains("\"evaluation\":\"performance\"") ? MetricPoint.Evaluation.performance : .drift
            self = .metric(MetricPoint(evaluation: evaluation, model: measurement.model, version: measurement.version, subject: measurement.subject,
                                       metric: measurement.metric, windowStart: window.start, windowEnd: window.end,
                                       value: measurement.value,
                                       samples: Int(AnalysisRecord.integer(after: "\"samples\":", in: output.json) ?? 0)))
        case .alert:
            self = AnalysisRecord.alertTransition(output.json).map(AnalysisRecord.alert) ?? .other
        case .retrain, .notice:
            self = .other
        }
    }

    /// `window_start` and `window_end` of a metric line, read without decoding the whole object.
    private static func windowBounds(_ json: String) -> (start: Int64, end: Int64)? {
        guard let start = integer(after: "\"window_start\":", in: json), let end = integer(after: "\"window_end\":", in: json) else { return nil }
        return (start, end)
    }

    private static func integer(after key: String, in json: String) -> Int64? {
        guard let range = json.utf8.firstRange(of: key.utf8) else { return nil }
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for byte in json.utf8[range.upperBound...] {
            if byte == UInt8(ascii: "-"), digits == 0, !negative { negative = true; continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? (negative ? -value : value) : nil
    }

    private static func alertTransition(_ json: String) -> AlertTransition? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let status = (object["status"] as? String).flatMap(AlertTransition.Status.init(rawValue:)),
              let rule = object["rule"] as? String, let model = object["model"] as? String, let version = object["version"] as? String,
              let subject = (object["subject"] as? [String: Any])?["name"] as? String,
              let window = object["window"] as? [String: Any], let end = (window["end"] as? NSNumber)?.int64Value,
              let startsAt = (object["startsAt"] as? NSNumber)?.int64Value
        else { return nil }
        let severity = (object["severity"] as? String).flatMap(Severity.init(rawValue:)) ?? .warning
        let value = (object["value"] as? NSNumber)?.doubleValue
        let threshold = (object["threshold"] as? NSNumber)?.doubleValue
        let evidence = (object["evidence"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        return AlertTransition(status: status, rule: rule, severity: severity, model: model, version: version, subject: subject,
                               metric: object["metric"] as? String ?? "", at: end, startsAt: startsAt, value: value, threshold: threshold,
                               evidence: evidence)
    }
}

/// A metric's value on one window of one model version.
public struct MetricPoint: Sendable, Equatable {
    /// Drift windows (inputs, outputs, data quality) and performance windows (labelled predictions) are evaluated apart.
    public enum Evaluation: String, Sendable { case drift, performance }
    public var evaluation: Evaluation
    public var model: String
    public var version: String
    public var subject: String
    public var metric: String
    public var windowStart: Int64
    public var windowEnd: Int64
    public var value: Double?
    /// What the value was computed on (events, labelled predictions, group members).
    public var samples: Int
}

/// An alert instance's start or end.
public struct AlertTransition: Sendable, Equatable {
    public enum Status: String, Sendable { case firing, resolved }
    public var status: Status
    public var rule: String
    public var severity: Severity
    public var model: String
    public var version: String
    public var subject: String
    public var metric: String
    /// The window end of the evaluation that made the transition.
    public var at: Int64
    /// When the episode started firing.
    public var startsAt: Int64
    public var value: Double?
    /// A one-sided threshold (nil for a band or an unavailable one).
    public var threshold: Double?
    /// The evidence the alert carries (e.g. per-group selection rates of a fairness alert).
    public var evidence: [String: String] = [:]
}
