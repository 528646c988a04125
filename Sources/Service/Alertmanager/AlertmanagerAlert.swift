/// One alert as Alertmanager's v2 API takes it (`POST /api/v2/alerts`, `postableAlert`):
/// RFC 3339 times, `endsAt` absent while the alert fires (the client sets it on each
/// send), and the driftwatch fingerprint that `generatorURL` points at.
struct AlertmanagerAlert: Sendable, Equatable, Codable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: String
    var endsAt: String?
    var generatorURL: String
    var fingerprint: String
}
