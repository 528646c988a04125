import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Idle progress (issue 10, item 5): a version's event time advances with its
/// partition's watermark, so a version that stops receiving predictions — retired after
/// a roll-out — still closes its windows and has its performance evaluated, without
/// waiting for the end of input.
@Suite struct IdleProgressTests {
    /// v1 from 0 s to 15 s (a prediction every 10 ms, labelled 200 ms later): right 90 %
    /// of the time until 6 s, 30 % after — three disjoint windows of the drop, as the
    /// retraining rule's `for: 3` needs. v2 from 6 s to `v2End`, right 90 % of the time.
    /// Windows of 3 × 1 s panes, 0.5 s of allowed lateness (``StreamFixtures/configuration()``).
    static func events(v2End: Int64?) -> [MonitorEvent] {
        var timed: [(timestamp: Int64, order: Int, event: MonitorEvent)] = []
        func add(version: String, index: Int, timestamp: Int64, right: Bool) {
            let predicted = index % 2
            let id = "\(version)-\(index)"
            timed.append((timestamp, timed.count, .prediction(PredictionEvent(
                model: "m", version: version, id: id, timestamp: timestamp, score: predicted == 1 ? 0.8 : 0.2, predictedLabel: predicted))))
            timed.append((timestamp + 200, timed.count, .label(LabelEvent(id: id, timestamp: timestamp + 200, label: right ? predicted : 1 - predicted))))
        }
        for index in 0..<1500 {
            let timestamp = Int64(index) * 10
            add(version: "v1", index: index, timestamp: timestamp, right: index % 10 < (timestamp < 6000 ? 9 : 3))
        }
        if let v2End {
            for index in 0..<Int((v2End - 6000) / 10) {
                add(version: "v2", index: index, timestamp: 6000 + Int64(index) * 10, right: index % 10 < 9)
            }
        }
        return timed.sorted { ($0.timestamp, $0.order) < ($1.timestamp, $1.order) }.map(\.event)
    }

    static func run(_ events: [MonitorEvent], finish: Bool) -> [MonitorOutput] {
        let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
        var outputs: [MonitorOutput] = []
        for event in events {
            engine.process(event)
            outputs += engine.drainOutputs()
        }
        if finish { engine.finish() }
        return outputs + engine.drainOutputs()
    }

    static func ofV1(_ outputs: [MonitorOutput], _ kinds: Set<MonitorOutput.Kind>) -> [String] {
        outputs.filter { kinds.contains($0.kind) && $0.json.contains(#""version":"v1""#) }.map(\.json)
    }

    @Test func aRetiredVersionGetsItsAccuracyDropAndRetrainingTriggerWithoutAFlush() {
        let outputs = Self.run(Self.events(v2End: 30_000), finish: false)
        let alerts = Self.ofV1(outputs, [.alert])
        let triggers = Self.ofV1(outputs, [.retrain])
        #expect(alerts.contains { $0.contains(#""rule":"AccuracyDrop""#) && $0.contains(#""status":"firing""#) })
        #expect(triggers.count == 1 && triggers.first?.contains(#""rule":"RetrainOnAccuracyDrop""#) == true)
        // v1's last performance window, [12 s, 15 s), was evaluated: only the partition's
        // time (v2's predictions) could close its last pane. Windows ending after it (in
        // v1's idle stretch) are not: they hold nothing new.
        let accuracy = outputs.filter {
            $0.kind == .metric && $0.json.contains(#""version":"v1""#) && $0.json.contains(#""metric":"accuracy""#)
                && $0.json.contains(#""window_end":15000"#)
        }
        #expect(accuracy.count == 1 && accuracy.first?.json.contains(#""value":0.3"#) == true, "\(accuracy.map(\.json))")

        // What v1 emits is what the end-of-input flush of v1 alone gives it, then its
        // retirement (`VersionRetirementTests`): v2's traffic moves time 13.5 s past v1's last
        // prediction, where its firing AccuracyDrop resolves; a flush retires nothing.
        let alone = Self.run(Self.events(v2End: nil), finish: true)
        let retired = #""resolution":"version_retired""#
        #expect(Self.ofV1(outputs, [.alert, .retrain]).filter { !$0.contains(retired) } == Self.ofV1(alone, [.alert, .retrain]))
        #expect(Self.ofV1(outputs, [.alert]).count { $0.contains(retired) } == Self.ofV1(alone, [.alert]).count)
        #expect(!Self.ofV1(alone, [.alert]).contains { $0.contains(retired) })
    }

    /// The partition's event time is part of the checkpoint: an engine restored after v1
    /// stopped emits what one that never stopped does.
    @Test func aRestoredEngineAdvancesRetiredVersionsAsTheUninterruptedOneDoes() throws {
        let events = Self.events(v2End: 30_000)
        let whole = Self.run(events, finish: false).map(\.json)
        let configuration = StreamFixtures.configuration()
        // While v1 runs (~9 s), and twice after it stopped (~15.5 s and ~16 s, within v2's panes).
        for split in [2500, 4900, 4990] {
            let first = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
            var outputs: [String] = []
            for event in events[..<split] {
                first.process(event)
                outputs += first.drainOutputs().map(\.json)
            }
            let restored = try MonitorEngine(restoring: first.checkpoint(), configuration: configuration, rules: StreamFixtures.defaultRules)
            #expect(restored.eventTime == first.eventTime)
            for event in events[split...] {
                restored.process(event)
                outputs += restored.drainOutputs().map(\.json)
            }
            #expect(outputs == whole, "split at \(split)")
        }
    }

    /// Without traffic, `advance(to:)` (serve's idle timer) moves the partition on: the
    /// label waits expire and the retired version's windows are evaluated, as `finish()`
    /// would at the end of a replay; a time not after the partition's changes nothing.
    @Test func advancingAnIdlePartitionEvaluatesWhatTheFlushWould() throws {
        let events = Self.events(v2End: nil)
        let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
        var outputs: [MonitorOutput] = []
        for event in events {
            engine.process(event)
            outputs += engine.drainOutputs()
        }
        // v1's last windows wait for its own time to move.
        let lastWindow = { (outputs: [MonitorOutput]) in Self.ofV1(outputs, [.metric]).filter { $0.contains(#""window_end":15000"#) } }
        #expect(lastWindow(outputs).isEmpty)
        let time = try #require(engine.eventTime)
        engine.advance(to: time)
        #expect(engine.drainOutputs().isEmpty)
        engine.advance(to: time + 60_000)
        outputs += engine.drainOutputs()
        #expect(engine.eventTime == time + 60_000)
        let flushed = Self.run(events, finish: true)
        #expect(!lastWindow(outputs).isEmpty)
        // Then, 60 s past its last prediction, v1 has retired: its alerts still firing resolve
        // (`VersionRetirementTests`), which the flush does not do.
        let retired = #""resolution":"version_retired""#
        #expect(Self.ofV1(outputs, [.alert, .retrain, .metric]).filter { !$0.contains(retired) } == Self.ofV1(flushed, [.alert, .retrain, .metric]))
        #expect(Self.ofV1(outputs, [.alert]).count { $0.contains(retired) } == Self.ofV1(flushed, [.alert]).count)
        #expect(Self.ofV1(outputs, [.retrain]).count == 1)
    }
}
