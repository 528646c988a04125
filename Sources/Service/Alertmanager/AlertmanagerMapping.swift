import Monitor

/// Maps a driftwatch alert to Alertmanager's v2 posted-alert model.
enum AlertmanagerMapping {
    /// The alert as Alertmanager gets it: its labels (identity: `alertname` = the rule,
    /// `severity`, `model`, `version`, `subject`, `feature` or `attribute`, over the rule's
    /// own labels), its rendered annotations, `startsAt` and (once resolved) `endsAt` in
    /// RFC 3339 event time, and `generatorURL` = `<base>/v1/alerts/<fingerprint>`, the
    /// service's page of the alert's evidence. A firing alert has no `endsAt`: whoever
    /// sends it to Alertmanager sets one that keeps it active until the next resend.
    static func alert(_ alert: AlertEvent, baseURL: String) -> AlertmanagerAlert {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return AlertmanagerAlert(
            labels: alert.labels, annotations: alert.annotations, startsAt: ISO8601Time.string(milliseconds: alert.startsAt),
            endsAt: alert.status == .resolved ? alert.endsAt.map(ISO8601Time.string(milliseconds:)) : nil,
            generatorURL: base + "/v1/alerts/" + alert.fingerprint, fingerprint: alert.fingerprint)
    }
}
