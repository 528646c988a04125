import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Retired versions' alerts resolve (issue 10): once a version has had no prediction for
/// longer than its windows (plus the label time-to-live for performance rules) could still
/// judge, in the partition's event time, its firing alerts resolve with the reason
/// `version_retired` — exactly once, and a restore neither fires nor resolves them again.
///
/// The stream is ``IdleProgressTests``': v1 predicts from 0 s to 14.99 s and its accuracy
/// drops at 6 s (AccuracyDrop fires); v2 predicts from 6 s on. Windows of 3 × 1 s panes,
/// 0.5 s of allowed lateness, a label time-to-live of 10 s.
@Suite struct VersionRetirementTests {
    static let lastV1Prediction: Int64 = 14_990

    static func timestamp(of event: MonitorEvent) -> Int64 {
        switch event {
        case let .prediction(prediction): prediction.timestamp
        case let .label(label): label.timestamp
        }
    }

    static func alerts(_ outputs: [MonitorOutput], version: String) -> [AlertEvent] {
        outputs.compactMap { output in
            guard case let .alert(alert) = output.event, alert.version == version else { return nil }
            return alert
        }
    }

    @Test func policyWaitsForTheWindowThenTheLabelTimeToLive() throws {
        let policy = try #require(RetirementPolicy(StreamFixtures.configuration()))
        #expect(policy.driftDelay == 3000 + 500)
        #expect(policy.performanceDelay == 3000 + 500 + 10_000)
        #expect(policy.advance(.receiving, lastPrediction: 1000, now: 4500) == (.receiving, []))
        #expect(policy.advance(.receiving, lastPrediction: 1000, now: 4501) == (.idle, [.drift]))
        #expect(policy.advance(.idle, lastPrediction: 1000, now: 14_500) == (.idle, []))
        #expect(policy.advance(.idle, lastPrediction: 1000, now: 14_501) == (.retired, [.performance]))
        // A partition that jumps far ahead resolves both kinds at once, drift rules first.
        #expect(policy.advance(.receiving, lastPrediction: 1000, now: 90_000) == (.retired, [.drift, .performance]))
        #expect(policy.advance(.retired, lastPrediction: 1000, now: .max) == (.retired, []))
        #expect(policy.advance(.receiving, lastPrediction: .min, now: .max) == (.retired, [.drift, .performance]))
        var counted = MonitorConfiguration()
        counted.window = try WindowSpec.count(window: 100, slide: 10)
        #expect(RetirementPolicy(counted) == nil)
    }

    /// v1's AccuracyDrop resolves once, as `version_retired`, at the first pane boundary
    /// after 14.99 s + 13.5 s (28.5 s, a v2 prediction); the retraining rule's firing
    /// instance resets without an event; v2 retires nothing.
    @Test func aRetiredVersionsFiringAlertResolvesOnceWithItsReason() throws {
        let outputs = IdleProgressTests.run(IdleProgressTests.events(v2End: 40_000), finish: false)
        let v1 = Self.alerts(outputs, version: "v1")
        let fired = try #require(v1.first { $0.rule == "AccuracyDrop" && $0.status == .firing })
        let resolved = v1.filter { $0.rule == "AccuracyDrop" && $0.status == .resolved }
        #expect(resolved.count == 1)
        let retired = try #require(resolved.first)
        #expect(retired.resolution == .versionRetired)
        #expect(retired.endsAt == 28_500 && retired.startsAt == fired.startsAt)
        #expect(retired.window == AlertEvent.Window(start: Self.lastV1Prediction, end: 28_500, count: 0))
        #expect(retired.value == nil && retired.fingerprint == fired.fingerprint)
        let json = try #require(outputs.first { $0.event == .alert(retired) }).json
        #expect(json.contains(#""status":"resolved""#) && json.contains(#""resolution":"version_retired""#))
        // Nothing of v1 fires after it retired; v2 is still receiving.
        #expect(v1.allSatisfy { $0.status == .resolved || $0.startsAt < 28_500 })
        #expect(Self.alerts(outputs, version: "v2").allSatisfy { $0.resolution != .versionRetired })
        #expect(outputs.filter { $0.kind == .retrain }.count == 1)

        // Before the horizon, v1's alert still fires; a resolution that cleared says nothing new.
        let early = IdleProgressTests.run(IdleProgressTests.events(v2End: 28_000), finish: false)
        #expect(!Self.alerts(early, version: "v1").contains { $0.resolution == .versionRetired })
        #expect(early.filter { $0.kind == .alert }.allSatisfy { !$0.json.contains(#""resolution""#) })
    }

    /// Drift-window rules go after the window and lateness alone: a version whose drift
    /// alert fires retires it 3.5 s after its last prediction, long before the label TTL.
    @Test func driftAlertsResolveAfterTheWindowAndLateness() throws {
        let rules = try RuleFixtures.load("""
            rules:
              - name: LowVolume
                scope: model
                metric: volume
                condition: "< 1000"
                min_samples: 0
                significance: off
                severity: info
            """).get()
        let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: rules)
        var outputs: [MonitorOutput] = []
        for event in IdleProgressTests.events(v2End: 30_000) {
            engine.process(event)
            outputs += engine.drainOutputs()
        }
        let v1 = Self.alerts(outputs, version: "v1")
        #expect(v1.first?.status == .firing)
        let retired = try #require(v1.first { $0.status == .resolved })
        #expect(retired.resolution == .versionRetired && retired.endsAt == 18_500, "\(v1.map(\.endsAt))")
        #expect(retired.threshold == .bound(.less, 1000))
        #expect(v1.count == 2)
    }

    /// The retirement is in the checkpoint: an engine restored before, between or after it
    /// emits what the uninterrupted one does — one resolution, never a second, no re-firing.
    @Test func aRestoredEngineNeitherRefiresNorResolvesAgain() throws {
        let events = IdleProgressTests.events(v2End: 40_000)
        let whole = IdleProgressTests.run(events, finish: false).map(\.json)
        let configuration = StreamFixtures.configuration()
        for time: Int64 in [16_000, 28_400, 28_600, 35_000] {
            let split = try #require(events.firstIndex { Self.timestamp(of: $0) >= time })
            let first = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
            var outputs: [String] = []
            for event in events[..<split] {
                first.process(event)
                outputs += first.drainOutputs().map(\.json)
            }
            let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: configuration, rules: StreamFixtures.defaultRules)
            for event in events[split...] {
                restored.process(event)
                outputs += restored.drainOutputs().map(\.json)
            }
            #expect(outputs == whole, "split at \(time) ms")
        }
        // v1's three firing performance alerts (AccuracyDrop, AccuracyDegradation, RocAucDegradation).
        #expect(whole.count { $0.contains(#""resolution":"version_retired""#) } == 3)
    }

    /// A format-4 checkpoint (written by the release before retirement and predicted scores
    /// were kept: `fixtures/checkpoints/engine-format-4.bin`, the engine of `events` up to
    /// 20 s under the fixtures' configuration and default rules, written at commit 6965544)
    /// still restores: its versions count as receiving at the partition's event time, so
    /// v1 retires 13.5 s after that.
    @Test func aFormatFourCheckpointRetiresFromItsPartitionTime() throws {
        let events = IdleProgressTests.events(v2End: 40_000)
        let split = try #require(events.firstIndex { Self.timestamp(of: $0) >= 20_000 })
        let formatFour = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/checkpoints/engine-format-4.bin"))))
        let restored = try MonitorEngine(restoring: formatFour, configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
        let checkpointTime = try #require(restored.eventTime)
        var outputs: [MonitorOutput] = []
        for event in events[split...] {
            restored.process(event)
            outputs += restored.drainOutputs()
        }
        let retired = try #require(Self.alerts(outputs, version: "v1").first { $0.resolution == .versionRetired })
        #expect(retired.window.start == checkpointTime)
        #expect(try #require(retired.endsAt) > checkpointTime + 13_500)
    }
}
