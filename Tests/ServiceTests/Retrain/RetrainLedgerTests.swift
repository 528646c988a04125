import Foundation
@testable import Monitor
@testable import MonitorCore
import Prometheus
@testable import Service
import Testing

@Suite struct RetrainLedgerTests {
    static func trigger(_ index: Int, requiresApproval: Bool = true) -> PublishedTrigger {
        var trigger = RetrainWebhookTests.trigger(String(format: "%016x", index), requiresApproval: requiresApproval)
        trigger.model = "m\(index)"
        return trigger
    }

    @Test func aWaitingTriggerIsDecidedOnceAndAnUnknownOneNever() {
        let registry = PrometheusCollectorRegistry()
        let ledger = RetrainLedger(registry: registry)
        #expect(ledger.admit(Self.trigger(1)) == .waiting)
        #expect(ledger.admit(Self.trigger(1)) == .known)  // read back from the topic
        #expect(ledger.admit(Self.trigger(2, requiresApproval: false)) == .approvalFree)
        #expect(ledger.decide(triggerID: "ffffffffffffffff", verdict: .approved, decidedAt: 5) == .unknown)
        guard case let .decided(decision, trigger) = ledger.decide(triggerID: Self.trigger(1).id, verdict: .rejected, decidedAt: 5) else {
            Issue.record("the waiting trigger must be decided")
            return
        }
        #expect(trigger == Self.trigger(1))
        #expect(decision == RetrainDecision(triggerID: trigger.id, verdict: .rejected, model: "m1", version: "v3",
                                            rule: "RetrainOnAccuracyDrop", decidedAt: 5))
        #expect(ledger.decide(triggerID: trigger.id, verdict: .approved, decidedAt: 6) == .alreadyDecided(decision))
        #expect(ledger.admit(Self.trigger(1)) == .known)  // a decided trigger read again does not wait again
        #expect(ledger.apply(decision) == .alreadyDecided)  // its own decision read back changes nothing
        #expect(ledger.entries.map(\.phase) == [.decided(decision)])
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_retrain_decisions_total{decision=\"rejected\"} 1\n"))
        #expect(metrics.contains("driftwatch_retrain_triggers_waiting 0.0\n"))
    }

    @Test func theFirstDecisionOnTheTopicCountsAndAnUnpublishedOneReopens() {
        let ledger = RetrainLedger(registry: PrometheusCollectorRegistry())
        _ = ledger.admit(Self.trigger(1))
        _ = ledger.admit(Self.trigger(2))
        let other = RetrainDecision(triggerID: Self.trigger(1).id, verdict: .approved, model: "m1", version: "v3", rule: "r", decidedAt: 1)
        #expect(ledger.apply(other) == .applied)  // another member's decision
        #expect(ledger.apply(RetrainDecision(triggerID: Self.trigger(1).id, verdict: .rejected, model: "m1", version: "v3", rule: "r", decidedAt: 2))
            == .alreadyDecided)
        #expect(ledger.decide(triggerID: Self.trigger(1).id, verdict: .rejected, decidedAt: 3) == .alreadyDecided(other))
        guard case let .decided(decision, _) = ledger.decide(triggerID: Self.trigger(2).id, verdict: .approved, decidedAt: 4) else {
            Issue.record("trigger 2 waits")
            return
        }
        ledger.reopen(decision)
        #expect(ledger.entries.first?.phase == .waiting)
        #expect(ledger.entries.first?.trigger.id == Self.trigger(2).id)
    }

    @Test func waitingTriggersAndRememberedDecisionsAreCappedAndCounted() {
        let registry = PrometheusCollectorRegistry()
        var limits = RetrainLedger.Limits()
        limits.maximumWaiting = 3
        limits.maximumDecided = 2
        let ledger = RetrainLedger(limits: limits, registry: registry)
        #expect((0..<5).map { ledger.admit(Self.trigger($0)) } == [.waiting, .waiting, .waiting, .dropped, .dropped])
        for index in 0..<3 { _ = ledger.decide(triggerID: Self.trigger(index).id, verdict: .approved, decidedAt: Int64(index)) }
        // The oldest decision is forgotten: its trigger is unknown now.
        #expect(ledger.entries.map(\.trigger.id) == [Self.trigger(2).id, Self.trigger(1).id])
        #expect(ledger.decide(triggerID: Self.trigger(0).id, verdict: .approved, decidedAt: 9) == .unknown)
        // A decision on a trigger held nowhere here (dropped at the cap) is counted.
        #expect(ledger.apply(RetrainDecision(triggerID: Self.trigger(4).id, verdict: .approved, model: "m4", version: "v3", rule: "r", decidedAt: 9))
            == .unknownTrigger)
        let metrics = registry.emitToString()
        #expect(metrics.contains("driftwatch_retrain_decisions_unmatched_total 1\n"))
        #expect(metrics.contains("driftwatch_retrain_triggers_dropped_total 2\n"))
        #expect(metrics.contains("driftwatch_retrain_decisions_forgotten_total 1\n"))
        #expect(metrics.contains("driftwatch_retrain_decisions_total{decision=\"approved\"} 3\n"))
    }
}
