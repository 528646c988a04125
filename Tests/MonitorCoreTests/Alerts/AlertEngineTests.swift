import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Alert and retraining events as the engine emits them, on one-pane windows whose
/// volume the test controls: a pane of 3 predictions breaches `volume > 2`, a pane of
/// 1 clears it.
@Suite struct AlertEngineTests {
    static let rules = """
    rules:
      - name: HighVolume
        scope: model
        metric: volume
        condition: "> 2"
        min_samples: 0
        severity: info
        labels: {team: risk}
        annotations:
          summary: "volume {{ value }} between {{ window_start }} and {{ window_end }}"
      - name: RetrainOnVolume
        action: retrain
        scope: model
        metric: volume
        condition: "> 2"
        min_samples: 0
        severity: info
        cooldown: 2500ms
        requires_approval: false
        annotations:
          summary: "retrain {{ model }}/{{ version }}: volume {{ value }} (threshold {{ threshold }})"
    """

    /// Replays panes of 1 s (pane 0 is the reference) with the given predictions per pane.
    static func replay(volumes: [Int]) throws -> (outputs: [[String: Any]], engine: MonitorEngine) {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 1000, slide: 1000, allowedLateness: 0, minimumEvents: 0)
        let engine = MonitorEngine(configuration: configuration, rules: try RuleFixtures.load(rules).get())
        var outputs: [MonitorOutput] = []
        for (pane, volume) in ([1] + volumes + [1]).enumerated() {
            for index in 0..<volume {
                let timestamp = Int64(pane * 1000 + index * 100)
                engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "\(timestamp)", timestamp: timestamp, score: 0.5)))
                outputs += engine.drainOutputs()
            }
        }
        engine.finish()
        outputs += engine.drainOutputs()
        let lines = outputs.filter { $0.kind == .alert || $0.kind == .retrain }
            .map { try! JSONSerialization.jsonObject(with: Data($0.json.utf8)) as! [String: Any] }
        return (lines, engine)
    }

    @Test func aResolvedAlertKeepsItsStartAndEndsAtTheClearingWindow() throws {
        // Panes 1–2 breach (windows ending 2000, 3000), pane 3 clears (4000).
        let (lines, _) = try Self.replay(volumes: [3, 3, 1])
        let alerts = lines.filter { $0["type"] as? String == "alert" }
        #expect(alerts.map { $0["status"] as? String } == ["firing", "resolved"])
        #expect(alerts.map { ($0["starts_at_ms"] as? NSNumber)?.int64Value } == [2000, 2000])
        #expect(alerts[0]["ends_at_ms"] is NSNull && (alerts[1]["ends_at_ms"] as? NSNumber)?.int64Value == 4000)
        #expect(alerts.map { $0["startsAt"] as? String } == ["1970-01-01T00:00:02.000Z", "1970-01-01T00:00:02.000Z"])
        #expect(alerts[0]["endsAt"] is NSNull && alerts[1]["endsAt"] as? String == "1970-01-01T00:00:04.000Z")
        #expect(alerts[0]["fingerprint"] as? String == alerts[1]["fingerprint"] as? String)
        #expect(alerts[0]["id"] as? String != alerts[1]["id"] as? String)
    }

    @Test func alertsCarryTheirIdentityInLabelsAndReadableTimesInAnnotations() throws {
        let (lines, _) = try Self.replay(volumes: [3, 1])
        let firing = try #require(lines.first { $0["type"] as? String == "alert" })
        #expect(firing["labels"] as? [String: String] == [
            "alertname": "HighVolume", "severity": "info", "model": "m", "version": "v1", "subject": "model", "team": "risk",
        ])
        #expect(firing["annotations"] as? [String: String]
            == ["summary": "volume 3 between 1970-01-01T00:00:01.000Z and 1970-01-01T00:00:02.000Z"])
        let trigger = try #require(lines.first { $0["type"] as? String == "retrain" })
        #expect(trigger["annotations"] as? [String: String] == ["summary": "retrain m/v1: volume 3 (threshold 2)"])
        #expect(trigger["labels"] as? [String: String] == ["alertname": "RetrainOnVolume", "severity": "info", "model": "m", "version": "v1"])
    }

    @Test func retrainingWaitsForItsCooldown() throws {
        // Firings at 2000, 4000 (within 2.5 s of 2000: suppressed) and 6000 (triggers).
        let (lines, engine) = try Self.replay(volumes: [3, 1, 3, 1, 3, 1])
        let triggers = lines.filter { $0["type"] as? String == "retrain" }
        #expect(triggers.map { ($0["triggered_at_ms"] as? NSNumber)?.int64Value } == [2000, 6000])
        #expect(triggers.map { $0["triggeredAt"] as? String } == ["1970-01-01T00:00:02.000Z", "1970-01-01T00:00:06.000Z"])
        #expect(engine.counters.retrainTriggers == 2 && engine.counters.retrainTriggersInCooldown == 1)
        // Each trigger names the alert firing with it, and only published alerts.
        let firingIDs = Set(lines.filter { $0["status"] as? String == "firing" }.compactMap { $0["id"] as? String })
        #expect(triggers.allSatisfy { (($0["alert_ids"] as? [String]) ?? []).count == 1 })
        #expect(triggers.allSatisfy { (($0["alert_ids"] as? [String]) ?? []).allSatisfy(firingIDs.contains) })
        let tally = try #require(engine.firings["RetrainOnVolume"])
        #expect(tally.count == 2 && tally.first == 2000)
        #expect(engine.firings["HighVolume"]?.count == 3)
    }
}
