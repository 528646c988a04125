/// An alert as Alertmanager's v2 API takes it (`POST /api/v2/alerts`, the `postableAlert`
/// model), plus the driftwatch fingerprint it came from.
struct AlertmanagerAlert: Sendable, Equatable, Codable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: String
    var endsAt: String?
    var generatorURL: String
    var fingerprint: String
}
