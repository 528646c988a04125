import Foundation
import Kafka
import Logging

/// Feeds the Alertmanager client from the alerts topic (through a ``TopicFollower``),
/// not from this member's own engines: every member sends every alert's latest state, so
/// a member that lost a partition in a rebalance sends that partition's resolutions too
/// (it never keeps re-firing an alert another member resolved), and a member that takes
/// a partition over — or starts after a restart — keeps its firing alerts active.
/// Alertmanager merges the identical alerts of several members (same labels).
///
/// At start the topic is read to its end first, keeping only the alerts still firing
/// there (a resolution removes its alert), and those are sent; after that every event is
/// sent as it arrives. Memory: one entry per alert firing at start (at most the client's
/// maximum), until caught up; records that are not alert events are counted
/// (`driftwatch_alertmanager_records_unreadable_total`).
final class AlertmanagerFeed: TopicFollowerSink {
    /// The alert event fields Alertmanager needs (event schema 2: `labels`, `annotations`,
    /// RFC 3339 `startsAt`/`endsAt`).
    private struct PublishedAlert: Decodable {
        var type: String
        var fingerprint: String
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String?
    }

    private enum Phase {
        /// Reading the topic's history: the alerts firing as of the records read so far.
        case catchingUp(firing: [String: AlertmanagerAlert])
        case following
    }

    private let client: AlertmanagerClient
    private let generatorBase: @Sendable () -> String
    private let logger: Logger
    private let phase = Protected(Phase.catchingUp(firing: [:]))

    init(client: AlertmanagerClient, generatorBase: @escaping @Sendable () -> String, logger: Logger) {
        self.client = client
        self.generatorBase = generatorBase
        self.logger = logger
    }

    func read(_ message: KafkaMessage) {
        guard let alert = alert(from: message) else { return }
        enum Step { case send, hold, drop }
        let step = phase.withLock { phase -> Step in
            guard case var .catchingUp(firing) = phase else { return .send }
            // Beyond the client's maximum the alert is dropped, and counted as the client counts its own.
            guard firing[alert.fingerprint] != nil || firing.count < client.settings.maximumAlerts || alert.endsAt != nil else { return .drop }
            firing[alert.fingerprint] = alert.endsAt == nil ? alert : nil
            phase = .catchingUp(firing: firing)
            return .hold
        }
        switch step {
        case .send: client.submit(alert)
        case .hold: break
        case .drop: client.countDropped()
        }
    }

    func expiredAtStart(_ records: Int64) {}

    func caughtUp() {
        let firing = phase.withLock { phase -> [AlertmanagerAlert] in
            guard case let .catchingUp(firing) = phase else { return [] }
            phase = .following
            return firing.keys.sorted().compactMap { firing[$0] }
        }
        for alert in firing { client.submit(alert) }
    }

    /// The Alertmanager alert of an alert event; nil (logged) for anything else.
    func alert(from message: KafkaMessage) -> AlertmanagerAlert? {
        guard let published = try? JSONDecoder().decode(PublishedAlert.self, from: Data(message.value)), published.type == "alert" else {
            client.countUnreadableRecord()
            logger.warning("a record on the alerts topic is not a driftwatch alert event; not sent to Alertmanager",
                           metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)"])
            return nil
        }
        let base = generatorBase()
        return AlertmanagerAlert(
            labels: published.labels, annotations: published.annotations, startsAt: published.startsAt,
            endsAt: published.status == "resolved" ? published.endsAt : nil,
            generatorURL: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/alerts/" + published.fingerprint,
            fingerprint: published.fingerprint)
    }
}
