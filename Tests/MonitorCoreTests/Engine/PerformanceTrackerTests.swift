import DriftCore
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct PerformanceTrackerTests {
    func tracker(panes: Int = 3, maximumPanes: Int = 100) -> PerformanceTracker {
        PerformanceTracker(panesPerWindow: panes, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: maximumPanes, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []))
    }

    func label(_ tracker: inout PerformanceTracker, pane: Int64, times: Int = 1) {
        for _ in 0..<times { tracker.recordLabel(pane: pane, label: true, predicted: true, score: nil, groups: []) }
    }

    @Test func theFirstWindowStartsAtTheFirstPaneWithPredictions() {
        var tracker = tracker()
        // Monitoring starts at pane 10 (e.g. after a reference of panes 7–9).
        tracker.recordPrediction(pane: 10, timestamp: 10_000)
        tracker.recordPrediction(pane: 11, timestamp: 11_000)
        label(&tracker, pane: 10)
        label(&tracker, pane: 11)
        // Panes 10 and 11 closed: no window yet, the first is panes 10–12.
        #expect(tracker.readyWindows(closedBefore: 12) { _ in nil }.isEmpty)
        tracker.recordPrediction(pane: 12, timestamp: 12_500)
        label(&tracker, pane: 12)
        let ready = tracker.readyWindows(closedBefore: 13) { _ in nil }
        #expect(ready.map(\.firstPane) == [10] && ready.map(\.lastPane) == [12])
        #expect(ready.map(\.predictions) == [3] && ready.map(\.start) == [10_000] && ready.map(\.end) == [12_501])
    }

    @Test func anOutOfOrderPredictionMovesTheFirstWindowEarlier() {
        var tracker = tracker()
        tracker.recordPrediction(pane: 11, timestamp: 11_000)
        tracker.recordPrediction(pane: 10, timestamp: 10_900)  // within the allowed lateness
        label(&tracker, pane: 11)
        label(&tracker, pane: 10)
        let ready = tracker.readyWindows(closedBefore: 13) { _ in nil }
        #expect(ready.map(\.firstPane) == [10] && ready.map(\.predictions) == [2] && tracker.lateLabels == 0)
    }

    /// Panes inserted out of order and with gaps stay sorted: each label reaches its own
    /// pane (found by binary search), one for a pane that never held a prediction is late,
    /// and each window holds exactly its panes.
    @Test func labelsReachTheirPaneAmongPanesInsertedOutOfOrder() {
        var tracker = tracker(panes: 2, maximumPanes: 100)
        for (pane, count) in [(Int64(7), 1), (3, 2), (9, 3), (5, 4), (4, 5)] {
            for index in 0..<count { tracker.recordPrediction(pane: pane, timestamp: pane * 1000 + Int64(index)) }
        }
        for pane in [Int64(9), 3, 7, 4, 5] { label(&tracker, pane: pane, times: Int(pane) % 3 + 1) }
        label(&tracker, pane: 6)  // no prediction in pane 6: the label is late
        label(&tracker, pane: 8)
        #expect(tracker.lateLabels == 2)
        let ready = tracker.readyWindows(closedBefore: 10) { _ in .max }
        // Windows end at panes with predictions (3–4, 4–5, then 5 at 5–6 and 7 at 7, 9 at 9).
        #expect(ready.map(\.lastPane) == [4, 5, 7, 9])
        #expect(ready.map(\.predictions) == [7, 9, 1, 3])
        #expect(ready.map(\.labelled) == [1 + 2, 2 + 3, 2, 1])
    }

    @Test func windowsWaitForCoverageOrExpiryAndAreCountedWhileWaiting() {
        var tracker = tracker(panes: 2)
        for pane in Int64(0)..<4 {
            for index in 0..<5 { tracker.recordPrediction(pane: pane, timestamp: pane * 1000 + Int64(index)) }
        }
        label(&tracker, pane: 0, times: 5)
        label(&tracker, pane: 1, times: 3)  // window 0–1: 8 of 10 labelled
        label(&tracker, pane: 2, times: 1)  // window 1–2: 4 of 10
        let ready = tracker.readyWindows(closedBefore: 4) { _ in nil }
        #expect(ready.map(\.lastPane) == [1] && ready.map(\.coverage) == [0.8])
        // Windows ending at panes 2 and 3 wait (3 when pane 3 closes; 4 would need pane 4).
        #expect(tracker.waitingWindows(closedBefore: 4) == 2)
        // Once their time-to-live has passed they are evaluated as they are.
        let expired = tracker.readyWindows(closedBefore: 4) { $0 <= 2 ? .max : 0 }
        #expect(expired.map(\.lastPane) == [2] && expired.map(\.labelled) == [4])
        #expect(tracker.waitingWindows(closedBefore: 4) == 1)
    }

    /// Past the partial wait a window is judged on the labels it has when they are enough,
    /// and counted; one with fewer waits for coverage (or its TTL), holding the later ones.
    @Test func pastThePartialWaitAWindowWithEnoughLabelsIsJudgedAndCounted() {
        var readiness = LabelReadiness()
        readiness.partialWaitMilliseconds = 1000
        readiness.partialMinimumLabelled = 4
        var tracker = PerformanceTracker(panesPerWindow: 1, readiness: readiness, timeToLive: 5000, maximumPanes: 100, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []))
        for pane in Int64(0)..<3 {
            for index in 0..<10 { tracker.recordPrediction(pane: pane, timestamp: pane * 1000 + Int64(index)) }
        }
        label(&tracker, pane: 0, times: 5)  // 50 %: enough labels, not enough coverage
        label(&tracker, pane: 1, times: 3)  // too few to judge early
        label(&tracker, pane: 2, times: 9)  // covered
        #expect(tracker.readyWindows(closedBefore: 3) { _ in 999 }.isEmpty)
        let judged = tracker.readyWindows(closedBefore: 3) { _ in 1000 }
        #expect(judged.map(\.lastPane) == [0] && judged.map(\.labelled) == [5])
        #expect(tracker.belowCoverageEvaluations == 1 && tracker.waitingWindows(closedBefore: 3) == 2)
        // Pane 1 holds pane 2 until its TTL; then both go, pane 2 covered (not counted).
        let expired = tracker.readyWindows(closedBefore: 3) { _ in 5000 }
        #expect(expired.map(\.lastPane) == [1, 2] && expired.map(\.labelled) == [3, 9])
        #expect(tracker.belowCoverageEvaluations == 1)
    }

    /// Beyond `maximumPanes` waiting panes the oldest window is evaluated as it is, and counted.
    @Test func tooManyWaitingPanesForceTheOldestWindow() {
        var tracker = tracker(panes: 1, maximumPanes: 2)
        for pane in Int64(0)..<3 { tracker.recordPrediction(pane: pane, timestamp: pane) }
        let ready = tracker.readyWindows(closedBefore: 3) { _ in nil }
        #expect(ready.map(\.lastPane) == [0] && ready.map(\.labelled) == [0])
        #expect(tracker.belowCoverageEvaluations == 1 && tracker.waitingWindows(closedBefore: 3) == 2)
    }

    /// Sparse labels: windows of 2 panes with fewer than 4 labelled predictions are not
    /// evaluated; their last panes accumulate until 4 are labelled.
    @Test func sparseWindowsGrowUntilTheyHoldTheMinimumLabels() {
        var tracker = PerformanceTracker(panesPerWindow: 2, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: 100, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []),
                                         sizing: .growing(minimumEvents: 4, maximumPanes: 100))
        var ready: [PerformanceTracker.Window] = []
        for pane in Int64(0)..<6 {
            for offset in 0..<(pane == 2 ? 1 : 2) { tracker.recordPrediction(pane: pane, timestamp: pane * 1000 + Int64(offset)) }
            label(&tracker, pane: pane, times: pane == 2 ? 1 : 2)
            ready += tracker.readyWindows(closedBefore: pane + 1) { _ in nil }
        }
        // Windows end at panes 1..5 with 4, 3, 3, 4, 4 labels: {0,1} evaluated; pane 2
        // accumulates (1), pane 3 accumulates (3), then {3,4} holds 4: evaluated, dropping
        // the accumulation; {4,5} holds 4.
        #expect(ready.map(\.firstPane) == [0, 3, 4] && ready.map(\.lastPane) == [1, 4, 5])
        #expect(ready.map(\.labelled) == [4, 4, 4])
        #expect(tracker.takeAccumulation()?.labelled == nil)
    }

    /// A version that stopped: its last accumulation, short of labels, is given once the
    /// panes closed cover its whole maximum span (no pane can join it any more), not kept
    /// until the end of input — and not before.
    @Test func anAccumulationNoPaneCanJoinIsGivenAsTimePasses() {
        var tracker = PerformanceTracker(panesPerWindow: 2, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: 100, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []),
                                         sizing: .growing(minimumEvents: 10, maximumPanes: 4))
        for pane in Int64(0)..<2 {
            tracker.recordPrediction(pane: pane, timestamp: pane * 1000)
            label(&tracker, pane: pane)
        }
        #expect(tracker.readyWindows(closedBefore: 2) { _ in nil }.isEmpty)  // panes 0–1 accumulate
        #expect(tracker.readyWindows(closedBefore: 3) { _ in nil }.isEmpty)  // panes 2–3 could still join
        let given = tracker.readyWindows(closedBefore: 4) { _ in nil }
        #expect(given.map(\.firstPane) == [0] && given.map(\.lastPane) == [1] && given.map(\.labelled) == [2])
        #expect(tracker.takeAccumulation() == nil)
    }

    /// Each pane's labels (`errors` of them wrong), recorded in `order`.
    func recordOutcomes(_ tracker: inout PerformanceTracker, _ panes: [(pane: Int64, labelled: Int, errors: Int)], reversed: Bool) {
        var outcomes: [(pane: Int64, wrong: Bool)] = []
        for pane in panes {
            for index in 0..<pane.labelled {
                tracker.recordPrediction(pane: pane.pane, timestamp: pane.pane * 1000 + Int64(index))
                outcomes.append((pane.pane, index < pane.errors))
            }
        }
        for outcome in reversed ? outcomes.reversed() : outcomes {
            tracker.recordLabel(pane: outcome.pane, label: !outcome.wrong, predicted: true, score: nil, groups: [])
        }
    }

    /// Change detectors judge each pane once, in pane order, as it first joins a ready
    /// window — with fixed and with growing windows, whatever order the labels arrived in —
    /// and each window given carries the signals raised before it.
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 30, maximumPanes: 4)])
    func panesAreJudgedOnceInPaneOrderWhateverTheLabelOrder(sizing: WindowSpec.Sizing) throws {
        let panes: [(pane: Int64, labelled: Int, errors: Int)] = (0..<12).map { ($0, 10 + Int($0 % 3) * 5, $0 < 6 ? 1 : 9) }
        var signals: [[[Int: Bool]]] = []
        var states: [[ErrorStreamDetector]] = []
        for reversed in [false, true] {
            var tracker = PerformanceTracker(panesPerWindow: 3, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: 100,
                                             outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []), sizing: sizing)
            recordOutcomes(&tracker, panes, reversed: reversed)
            var detectors = VersionDetectors([(rule: 0, detector: try ErrorStreamDetector(kind: .ddm, parameters: RuleParameters(["warm_start": .integer(20)])))])
            var windows: [PerformanceTracker.Window] = []
            for closed in Int64(1)...12 { windows += tracker.readyWindows(closedBefore: closed, detectors: &detectors) { _ in .max } }
            windows += tracker.takeAccumulation(detectors: &detectors).map { [$0] } ?? []
            // The same detector fed each pane's sequence once, in order.
            var direct = try ErrorStreamDetector(kind: .ddm, parameters: RuleParameters(["warm_start": .integer(20)]))
            var signalled = false
            for pane in panes {
                for value in VersionDetectors.errorSequence(labelled: pane.labelled, errors: pane.errors) where direct.update(Double(value)) { signalled = true }
            }
            #expect(detectors.detectors == [direct])
            #expect(signalled && windows.contains { $0.detectorSignals[0] == true }, "the error rate rose from ~7 % to ~60 %")
            #expect(windows.allSatisfy { $0.detectorSignals.keys.sorted() == [0] })
            signals.append(windows.map(\.detectorSignals))
            states.append(detectors.detectors)
        }
        #expect(signals[0] == signals[1] && states[0] == states[1])
    }

    /// A fixed-window tracker restored from a checkpoint does not judge again the panes its
    /// windows already held: which panes are new follows from the window position it keeps.
    @Test func aRestoredTrackerDoesNotJudgePanesAgain() throws {
        var tracker = tracker(panes: 3)
        recordOutcomes(&tracker, (0..<6).map { ($0, 10, 2) }, reversed: false)
        var none = VersionDetectors()
        _ = tracker.readyWindows(closedBefore: 4, detectors: &none) { _ in .max }  // windows ending at 2 and 3
        var writer = BinaryWriter()
        tracker.encodeState(to: &writer)
        var restored = self.tracker(panes: 3)
        var reader = BinaryReader(writer.bytes)
        try restored.restoreState(from: &reader, format: MonitorEngine.checkpointFormatVersion)
        var detectors = VersionDetectors([(rule: 0, detector: try ErrorStreamDetector(kind: .adwin))])
        _ = restored.readyWindows(closedBefore: 6, detectors: &detectors) { _ in .max }  // windows ending at 4 and 5
        var direct = try ErrorStreamDetector(kind: .adwin)
        for _ in 4..<6 { for value in VersionDetectors.errorSequence(labelled: 10, errors: 2) { _ = direct.update(Double(value)) } }
        #expect(detectors.detectors == [direct])
    }

    /// A label says whether its pane was judged already: with fixed windows once the window
    /// ending at it was evaluated, with growing ones once it joined a window or the
    /// accumulation; never before the first window, nor for a pane that is gone (late).
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 30, maximumPanes: 4)])
    func aLabelSaysWhetherItsPaneWasJudged(sizing: WindowSpec.Sizing) {
        var tracker = PerformanceTracker(panesPerWindow: 3, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: 100,
                                         outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []), sizing: sizing)
        func judged(_ pane: Int64) -> Bool { tracker.recordLabel(pane: pane, label: true, predicted: false, score: nil, groups: []) }
        for pane in Int64(0)..<6 { tracker.recordPrediction(pane: pane, timestamp: pane * 1000) }
        #expect(!judged(0) && !judged(2), "no window is ready yet")
        for pane in Int64(0)..<3 { _ = judged(pane) }
        var detectors = VersionDetectors([(rule: 0, detector: try! ErrorStreamDetector(kind: .ddm))])
        let ready = tracker.readyWindows(closedBefore: 3, detectors: &detectors) { _ in .max }  // panes 0–2 join a window
        #expect(ready.count == (sizing == .fixed ? 1 : 0))
        #expect(judged(1) && judged(2))
        #expect(!judged(3) && !judged(5))
        #expect(!judged(0) && tracker.lateLabels == 1, "pane 0 left with the window (no later window holds it): late, not judged")
    }

    /// A merge stage's tracker (issue 11): predictions recorded on two sources (two input
    /// partitions' join tasks), each handing over a part of each pane it touched at every
    /// step — its new predictions and the outcomes of the labels it joined — give the
    /// windows, detector signals, late labels and labels after the detectors that one
    /// tracker recording every event itself gives.
    @Test(arguments: [WindowSpec.Sizing.fixed, .growing(minimumEvents: 40, maximumPanes: 6)])
    func partsFromTwoSourcesMergeIntoTheWindowsOfOneTracker(sizing: WindowSpec.Sizing) throws {
        struct Prediction {
            var pane: Int64, timestamp: Int64, source: Int, labelledAt: Int64?, label: Bool, score: Double, group: FairnessGroupKey
        }
        var random = RandomSource(seed: 17)
        var predictions: [Prediction] = []
        for pane in Int64(0)..<40 {
            // Idle panes, and an error rate that rises from pane 20 on.
            for offset in 0..<(pane % 7 == 3 ? 0 : Int.random(in: 5...25, using: &random)) {
                let score = Double.random(in: 0...1, using: &random)
                let label = Double.random(in: 0...1, using: &random) < (pane < 20 ? score : 1 - score)
                let delay = Int64.random(in: 0...8, using: &random)
                predictions.append(Prediction(pane: pane, timestamp: pane * 1000 + Int64(offset), source: Int.random(in: 0...1, using: &random),
                                              labelledAt: Int.random(in: 0..<6, using: &random) == 0 ? nil : pane + delay, label: label,
                                              score: score, group: FairnessGroupKey(["g\(Int.random(in: 0..<3, using: &random))"])))
            }
        }
        func makeTracker() -> PerformanceTracker {
            PerformanceTracker(panesPerWindow: 3, readiness: LabelReadiness(), timeToLive: 4000, maximumPanes: 100,
                               outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: [["group"]]), sizing: sizing)
        }
        func makeDetectors() throws -> VersionDetectors {
            VersionDetectors([(rule: 0, detector: try ErrorStreamDetector(kind: .ddm, parameters: RuleParameters(["warm_start": .integer(30)])))])
        }
        var one = makeTracker(), merged = makeTracker()
        var oneDetectors = try makeDetectors(), mergedDetectors = try makeDetectors()
        var oneWindows: [PerformanceTracker.Window] = [], mergedWindows: [PerformanceTracker.Window] = []
        var oneJudged = 0, mergedJudged = 0
        for step in Int64(0)..<52 {
            let made = predictions.filter { $0.pane == step }
            let labelled = predictions.filter { $0.labelledAt == step }
            for prediction in made { one.recordPrediction(pane: prediction.pane, timestamp: prediction.timestamp) }
            for prediction in labelled where one.recordLabel(pane: prediction.pane, label: prediction.label, predicted: prediction.score > 0.5,
                                                            score: prediction.score, groups: [prediction.group]) {
                oneJudged += 1
            }
            for source in 0...1 {
                var parts: [Int64: PerformanceTracker.Pane] = [:]
                func part(_ pane: Int64) -> PerformanceTracker.Pane {
                    parts[pane] ?? PerformanceTracker.Pane(index: pane, summaries: OutcomeSummaries(merged.outcomes))
                }
                for prediction in made where prediction.source == source {
                    var touched = part(prediction.pane)
                    touched.summaries.recordPrediction(timestamp: prediction.timestamp)
                    parts[prediction.pane] = touched
                }
                for prediction in labelled where prediction.source == source {
                    var touched = part(prediction.pane)
                    touched.summaries.recordLabel(label: prediction.label, predicted: prediction.score > 0.5, score: prediction.score, groups: [prediction.group])
                    parts[prediction.pane] = touched
                }
                for index in parts.keys.sorted() {
                    if case let .merged(judgedLabels) = merged.add(parts[index]!) { mergedJudged += judgedLabels }
                }
            }
            let waited = { (pane: Int64) -> Int64? in (step + 1 - (pane + 1)) * 1000 }
            oneWindows += one.readyWindows(closedBefore: step + 1, detectors: &oneDetectors, waited: waited)
            mergedWindows += merged.readyWindows(closedBefore: step + 1, detectors: &mergedDetectors, waited: waited)
        }
        oneWindows += one.takeAccumulation(detectors: &oneDetectors).map { [$0] } ?? []
        mergedWindows += merged.takeAccumulation(detectors: &mergedDetectors).map { [$0] } ?? []

        #expect(oneWindows.count > 5)
        #expect(mergedWindows.map(\.firstPane) == oneWindows.map(\.firstPane) && mergedWindows.map(\.lastPane) == oneWindows.map(\.lastPane))
        #expect(mergedWindows.map(\.predictions) == oneWindows.map(\.predictions) && mergedWindows.map(\.labelled) == oneWindows.map(\.labelled))
        #expect(zip(mergedWindows, oneWindows).allSatisfy { $0.summaries.agrees(with: $1.summaries) })
        #expect(mergedWindows.map(\.detectorSignals) == oneWindows.map(\.detectorSignals))
        #expect(oneWindows.contains { $0.detectorSignals[0] == true }, "the error rate rises from pane 20 on")
        #expect(mergedDetectors.detectors == oneDetectors.detectors)
        #expect(one.lateLabels > 0 && merged.lateLabels == one.lateLabels)
        #expect(oneJudged > 0 && mergedJudged == oneJudged)
    }

    /// A part whose pane is gone is late: its labels are counted; a part of a pane the
    /// detectors judged is merged and says how many of its labels they did not see.
    @Test func aPartOfAPaneGoneIsLateAndOneOfAJudgedPaneSaysSo() {
        var tracker = tracker(panes: 2)
        func part(_ index: Int64, predictions: Int, labels: Int) -> PerformanceTracker.Pane {
            var part = PerformanceTracker.Pane(index: index, summaries: OutcomeSummaries(tracker.outcomes))
            for offset in 0..<predictions { part.summaries.recordPrediction(timestamp: index * 1000 + Int64(offset)) }
            for _ in 0..<labels { part.summaries.recordLabel(label: true, predicted: true, score: nil, groups: []) }
            return part
        }
        #expect(tracker.add(part(0, predictions: 3, labels: 0)) == .merged(judgedLabels: 0))
        #expect(tracker.add(part(1, predictions: 2, labels: 2)) == .merged(judgedLabels: 0))
        #expect(tracker.add(part(0, predictions: 0, labels: 3)) == .merged(judgedLabels: 0))
        let ready = tracker.readyWindows(closedBefore: 2) { _ in .max }
        #expect(ready.map(\.predictions) == [5] && ready.map(\.labelled) == [5])
        #expect(tracker.add(part(1, predictions: 0, labels: 1)) == .merged(judgedLabels: 1), "the window ending at pane 1 judged it")
        #expect(tracker.add(part(0, predictions: 0, labels: 2)) == .late && tracker.lateLabels == 2)
        #expect(tracker.add(part(5, predictions: 0, labels: 1)) == .late && tracker.lateLabels == 3, "labels for a pane without predictions")
    }

    @Test func anAccumulationIsGivenOnceItHoldsTheMinimum() {
        var tracker = PerformanceTracker(panesPerWindow: 2, readiness: LabelReadiness(), timeToLive: 7 * 86_400_000, maximumPanes: 100, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: []),
                                         sizing: .growing(minimumEvents: 3, maximumPanes: 100))
        var ready: [PerformanceTracker.Window] = []
        for pane in Int64(0)..<5 {
            tracker.recordPrediction(pane: pane, timestamp: pane * 1000)
            label(&tracker, pane: pane)
            ready += tracker.readyWindows(closedBefore: pane + 1) { _ in nil }
        }
        // One label per pane: the first window (panes 0–1) accumulates both its panes, the
        // next adds pane 2: 3 labels, given; panes 3 and 4 accumulate.
        #expect(ready.map(\.firstPane) == [0] && ready.map(\.lastPane) == [2] && ready.map(\.labelled) == [3])
        let rest = tracker.takeAccumulation()
        #expect(rest?.firstPane == 3 && rest?.lastPane == 4 && rest?.labelled == 2)
    }
}

extension PerformanceTracker {
    /// Ready windows of a tracker whose version has no change detectors.
    fileprivate mutating func readyWindows(closedBefore: Int64, waited: (Int64) -> Int64?) -> [Window] {
        var none = VersionDetectors()
        return readyWindows(closedBefore: closedBefore, detectors: &none, waited: waited)
    }

    /// The accumulation at the end of input, for a version without change detectors.
    fileprivate mutating func takeAccumulation() -> Window? {
        var none = VersionDetectors()
        return takeAccumulation(detectors: &none)
    }
}
