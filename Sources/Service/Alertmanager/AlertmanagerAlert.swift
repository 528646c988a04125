import Foundation

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

extension AlertmanagerAlert {
    /// The request body of `POST /api/v2/alerts`: JSON with members in key order, so the
    /// same alerts make the same bytes in every process (dictionaries iterate in a per-process order).
    static func requestBody(_ alerts: [AlertmanagerAlert]) throws -> [UInt8] {
        Array(try JSONEncoder.keyOrdered().encode(alerts))
    }
}
