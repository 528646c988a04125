import Foundation
import MonitorCore
import OrderedCollections
import Prometheus

/// A retraining trigger as published on the retrain topic (the fields the hand-off
/// needs), decoded from its JSON: the same whichever member published it.
package struct PublishedTrigger: Codable, Sendable, Equatable {
    package struct Window: Codable, Sendable, Equatable {
        package var start: Int64
        package var end: Int64
    }

    package var id: String
    package var model: String
    package var version: String
    package var rule: String
    package var window: Window
    package var requiresApproval: Bool
    package var triggeredAt: String
    package var triggeredAtMilliseconds: Int64
    package var labels: [String: String]
    package var annotations: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, model, version, rule, window, labels, annotations, triggeredAt
        case requiresApproval = "requires_approval"
        case triggeredAtMilliseconds = "triggered_at_ms"
    }

    package init(json: [UInt8]) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(json))
    }
}

extension RetrainDecision {
    /// A decision as published on the retrain topic.
    private struct Fields: Decodable {
        var trigger_id: String
        var decision: String
        var model: String
        var version: String
        var rule: String
        var decided_at_ms: Int64
    }

    init(json: [UInt8]) throws {
        let fields = try JSONDecoder().decode(Fields.self, from: Data(json))
        guard let verdict = Verdict(rawValue: fields.decision) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "decision '\(fields.decision)'"))
        }
        self.init(triggerID: fields.trigger_id, verdict: verdict, model: fields.model, version: fields.version,
                  rule: fields.rule, decidedAt: fields.decided_at_ms)
    }
}

/// The triggers that wait for a person's approval, and the latest decisions, as every
/// member learns them from the retrain topic (its own triggers also directly, once
/// acknowledged). Bounded: at most `maximumWaiting` triggers wait (a trigger beyond it is
/// not held: counted in `driftwatch_retrain_triggers_dropped_total`) and the
/// `maximumDecided` latest decisions are remembered (older ones are forgotten, counted in
/// `driftwatch_retrain_decisions_forgotten_total`; a decision on a forgotten trigger gets 404).
package final class RetrainLedger: Sendable {
    package struct Limits: Sendable {
        package var maximumWaiting = 1_000
        package var maximumDecided = 10_000
        package init() {}
    }

    package struct Entry: Sendable, Equatable {
        package var trigger: PublishedTrigger
        package var phase: Phase
    }

    package enum Phase: Sendable, Equatable {
        case waiting
        case decided(RetrainDecision)
    }

    /// What a trigger did to the ledger.
    package enum Admission: Sendable, Equatable {
        /// Its rule needs no approval: it goes straight to the webhook.
        case approvalFree
        case waiting
        /// Already waiting or decided (read again, or published by this member and read back).
        case known
        /// `maximumWaiting` triggers already wait: not held, counted.
        case dropped
    }

    /// What a decision request got.
    package enum Decision: Sendable, Equatable {
        case decided(RetrainDecision, PublishedTrigger)
        case alreadyDecided(RetrainDecision)
        case unknown
    }

    private struct State {
        var waiting: OrderedDictionary<String, PublishedTrigger> = [:]
        var decided: OrderedDictionary<String, Entry> = [:]
    }

    let limits: Limits
    private let state = Protected(State())
    private let metrics: Metrics

    package init(limits: Limits = Limits(), registry: PrometheusCollectorRegistry) {
        self.limits = limits
        metrics = Metrics(registry: registry)
    }

    /// Takes a published trigger.
    package func admit(_ trigger: PublishedTrigger) -> Admission {
        guard trigger.requiresApproval else { return .approvalFree }
        let admission = state.withLock { state -> Admission in
            if state.waiting[trigger.id] != nil || state.decided[trigger.id] != nil { return .known }
            guard state.waiting.count < limits.maximumWaiting else { return .dropped }
            state.waiting[trigger.id] = trigger
            return .waiting
        }
        if admission == .dropped { metrics.dropped.increment() }
        updateWaiting()
        return admission
    }

    /// Decides a waiting trigger (`verdict` at `decidedAt`, wall clock), unless it is
    /// unknown or already decided. The caller publishes the decision, or ``reopen(_:)``s it.
    package func decide(triggerID: String, verdict: RetrainDecision.Verdict, decidedAt: Int64) -> Decision {
        let decision = state.withLock { state -> Decision in
            if let entry = state.decided[triggerID], case let .decided(decision) = entry.phase {
                return .alreadyDecided(decision)
            }
            guard let trigger = state.waiting.removeValue(forKey: triggerID) else { return .unknown }
            let decision = RetrainDecision(triggerID: trigger.id, verdict: verdict, model: trigger.model,
                                           version: trigger.version, rule: trigger.rule, decidedAt: decidedAt)
            remember(Entry(trigger: trigger, phase: .decided(decision)), in: &state)
            return .decided(decision, trigger)
        }
        updateWaiting()
        return decision
    }

    /// Puts a decision that could not be published back: its trigger waits again.
    package func reopen(_ decision: RetrainDecision) {
        state.withLock { state in
            guard let entry = state.decided.removeValue(forKey: decision.triggerID) else { return }
            state.waiting[decision.triggerID] = entry.trigger
        }
        updateWaiting()
    }

    /// What a decision read from the retrain topic did.
    package enum Application: Sendable, Equatable {
        case applied
        /// The trigger was decided already (this member's own decision read back, or a
        /// later one of two members deciding at once): the first decision stands.
        case alreadyDecided
        /// Neither waiting nor decided here (dropped at the cap, or forgotten): counted.
        case unknownTrigger
    }

    /// Takes a decision read from the retrain topic: the first one on a waiting trigger counts.
    @discardableResult
    package func apply(_ decision: RetrainDecision) -> Application {
        let application = state.withLock { state -> Application in
            guard let trigger = state.waiting.removeValue(forKey: decision.triggerID) else {
                return state.decided[decision.triggerID] == nil ? .unknownTrigger : .alreadyDecided
            }
            remember(Entry(trigger: trigger, phase: .decided(decision)), in: &state)
            return .applied
        }
        if application == .unknownTrigger { metrics.unmatched.increment() }
        updateWaiting()
        return application
    }

    /// A record on the retrain topic that could not be read (counted; the others are read on).
    func countUnreadable() { metrics.unreadable.increment() }

    /// How many records of the retrain topic its retention had deleted when serve started.
    func expiredAtStart(_ records: Int64) { metrics.expired.set(to: Double(records)) }

    /// Waiting triggers (oldest first), then decided ones (latest first).
    package var entries: [Entry] {
        state.withLock { state in
            state.waiting.values.map { Entry(trigger: $0, phase: .waiting) } + state.decided.values.reversed()
        }
    }

    private func remember(_ entry: Entry, in state: inout State) {
        state.decided[entry.trigger.id] = entry
        if state.decided.count > limits.maximumDecided {
            state.decided.removeFirst()
            metrics.forgotten.increment()
        }
        if case let .decided(decision) = entry.phase { metrics.decisions[decision.verdict]?.increment() }
    }

    private func updateWaiting() {
        metrics.waiting.set(to: Double(state.withLock { $0.waiting.count }))
    }

    /// `driftwatch_retrain_*` on `/metrics`.
    private struct Metrics: Sendable {
        static let waitingFamily = PrometheusFamily("driftwatch_retrain_triggers_waiting", "Retraining triggers waiting for approval (GET /v1/retrain).")
        static let droppedFamily = PrometheusFamily("driftwatch_retrain_triggers_dropped_total", "Retraining triggers needing approval that were not held: the cap of waiting triggers was reached.")
        static let decisionsFamily = PrometheusFamily("driftwatch_retrain_decisions_total", "Decisions on retraining triggers taken or read from the retrain topic, by decision.")
        static let forgottenFamily = PrometheusFamily("driftwatch_retrain_decisions_forgotten_total", "Decided triggers forgotten because the cap of remembered decisions was reached.")
        static let unmatchedFamily = PrometheusFamily("driftwatch_retrain_decisions_unmatched_total", "Decisions read from the retrain topic on a trigger this member does not hold (dropped at the cap, or forgotten).")
        static let unreadableFamily = PrometheusFamily("driftwatch_retrain_records_unreadable_total", "Triggers or decisions on the retrain topic that could not be decoded.")
        static let expiredFamily = PrometheusFamily("driftwatch_retrain_records_expired", "Records of the retrain topic its retention had deleted when serve started (triggers waiting among them are not known).")

        let waiting: Gauge
        let dropped: Counter
        let forgotten: Counter
        let unmatched: Counter
        let unreadable: Counter
        let expired: Gauge
        let decisions: [RetrainDecision.Verdict: Counter]

        init(registry: PrometheusCollectorRegistry) {
            waiting = registry.gauge(Self.waitingFamily)
            dropped = registry.counter(Self.droppedFamily)
            forgotten = registry.counter(Self.forgottenFamily)
            unmatched = registry.counter(Self.unmatchedFamily)
            unreadable = registry.counter(Self.unreadableFamily)
            expired = registry.gauge(Self.expiredFamily)
            decisions = Dictionary(uniqueKeysWithValues: RetrainDecision.Verdict.allCases.map {
                ($0, registry.counter(Self.decisionsFamily, [("decision", $0.rawValue)]))
            })
        }
    }
}
