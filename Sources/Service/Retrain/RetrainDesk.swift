import Foundation
import Kafka
import Logging
import MonitorCore

/// One member's side of the retraining hand-off.
///
/// Triggers whose rule says `requires_approval: true` wait in the ``RetrainLedger`` until a
/// person approves or rejects them (`POST /v1/retrain/{id}/approve|reject`). A decision is
/// itself a Kafka record on the retrain topic (``RetrainDecision``, keyed by model like its
/// trigger), which every member reads (a ``TopicFollower``): whichever member a request
/// reaches, all of them, and a member restarted or taking the model's partition over,
/// learn it from the topic. The member that took the decision sends the approved trigger to
/// the webhook once the decision is acknowledged; approval-free triggers are sent by the
/// member that published them.
package final class RetrainDesk: TopicFollowerSink {
    /// What a decision request got.
    package enum Answer: Sendable, Equatable {
        case decided(RetrainDecision)
        /// Missing or wrong bearer token.
        case unauthorized
        /// serve has no admin token: nobody can decide.
        case approvalsDisabled
        /// The retrain topic is still being read: the trigger may already be decided.
        case catchingUp
        case unknown
        case alreadyDecided(RetrainDecision)
        /// The decision could not be published; the trigger still waits.
        case unpublished(String)
    }

    package let ledger: RetrainLedger
    private let producer: KafkaProducer
    private let routing: OutputRouting
    private let webhook: RetrainWebhook?
    private let adminToken: String?
    private let isCaughtUp = Protected(false)
    private let logger: Logger

    init(ledger: RetrainLedger, producer: KafkaProducer, routing: OutputRouting, webhook: RetrainWebhook?,
         adminToken: String?, logger: Logger) {
        self.ledger = ledger
        self.producer = producer
        self.routing = routing
        self.webhook = webhook
        self.adminToken = adminToken
        self.logger = logger
    }

    /// A trigger this member published (acknowledged): held when it needs approval, else
    /// sent to the webhook.
    func published(_ trigger: RetrainTrigger) {
        guard let published = admit(json: Array(MonitorOutput(.retrain(trigger)).json.utf8)) else { return }
        if ledger.admit(published) == .approvalFree { webhook?.submit(published, approval: nil) }
    }

    /// A record read from the retrain topic: a trigger (held when it needs approval) or a decision.
    func read(_ message: KafkaMessage) {
        let type = message.headers.first { $0.name == "ce_type" }?.value.map { String(decoding: $0, as: UTF8.self) }
        switch type {
        case CloudEventHeaders.type(of: .retrain):
            if let trigger = admit(json: message.value) { _ = ledger.admit(trigger) }
        case CloudEventHeaders.decisionType:
            do { ledger.apply(try RetrainDecision(json: message.value)) } catch {
                ledger.countUnreadable()
                logger.error("unreadable retraining decision on the retrain topic", metadata: [
                    "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)",
                ])
            }
        default:
            break  // not a driftwatch event (another producer's record)
        }
    }

    private func admit(json: [UInt8]) -> PublishedTrigger? {
        do { return try PublishedTrigger(json: json) } catch {
            ledger.countUnreadable()
            logger.error("unreadable retraining trigger", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The follower reached the end the retrain topic had when serve started.
    func caughtUp() { isCaughtUp.withLock { $0 = true } }

    func expiredAtStart(_ records: Int64) { ledger.expiredAtStart(records) }

    /// Approves or rejects a waiting trigger for a request carrying `authorization`
    /// (`Bearer <token>`); publishes the decision and, approved, hands the trigger to the webhook.
    package func decide(triggerID: String, verdict: RetrainDecision.Verdict, authorization: String?,
                       now: Date = Date()) async -> Answer {
        guard let adminToken else { return .approvalsDisabled }
        guard let authorization, Self.constantTimeEqual(authorization, "Bearer " + adminToken) else { return .unauthorized }
        guard isCaughtUp.current else { return .catchingUp }
        let decidedAt = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        switch ledger.decide(triggerID: triggerID, verdict: verdict, decidedAt: decidedAt) {
        case .unknown: return .unknown
        case let .alreadyDecided(decision): return .alreadyDecided(decision)
        case let .decided(decision, trigger):
            let record = routing.record(for: decision)
            do {
                _ = try await producer.send(topic: record.topic, key: record.key, value: record.value, headers: record.headers)
            } catch {
                ledger.reopen(decision)
                logger.error("could not publish a retraining decision", metadata: ["trigger": "\(triggerID)", "error": "\(error)"])
                return .unpublished("\(error)")
            }
            logger.notice("retraining trigger \(verdict.rawValue)", metadata: [
                "trigger": "\(triggerID)", "model": "\(decision.model)", "version": "\(decision.version)",
            ])
            if verdict == .approved { webhook?.submit(trigger, approval: decision) }
            return .decided(decision)
        }
    }

    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let (left, right) = (Array(lhs.utf8), Array(rhs.utf8))
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
