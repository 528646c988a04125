import Foundation
import MonitorTestSupport
import Simulation
import Testing
@testable import MonitorCore

/// Change detectors fed each performance pane's outcomes once, as a canonical error
/// sequence: what they see depends on the panes' counts, not on the order labels arrive in.
@Suite struct VersionDetectorsTests {
    /// `labelled` values, `errors` of them 1, and every prefix holds its share of the
    /// errors rounded down (the errors are spread evenly, none bunched at either end).
    @Test(arguments: [(0, 0), (1, 0), (1, 1), (7, 3), (10, 10), (12, 1), (100, 37), (3_001, 2_999)])
    func aPaneGivesItsCountsAsAnEvenlySpreadSequence(labelled: Int, errors: Int) {
        let values = Array(VersionDetectors.errorSequence(labelled: labelled, errors: errors))
        #expect(values.count == labelled)
        #expect(values.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(values.reduce(0, +) == errors)
        var ones = 0
        for (length, value) in values.enumerated() {
            ones += value
            #expect(ones == (length + 1) * errors / labelled)
        }
    }

    /// A detector fed through `judge` is the same detector fed the canonical values one by
    /// one (River's algorithm, unchanged); signals are kept until taken, then cleared.
    @Test func judgingFeedsEachDetectorTheSequenceAndKeepsItsSignalUntilTaken() throws {
        let ddm = try ErrorStreamDetector(kind: .ddm)
        let adwin = try ErrorStreamDetector(kind: .adwin)
        var detectors = VersionDetectors([(rule: 4, detector: ddm), (rule: 7, detector: adwin)])
        var direct = [ddm, adwin]
        var signalled = [false, false]
        let panes = Array(repeating: (labelled: 200, errors: 20), count: 10) + Array(repeating: (labelled: 200, errors: 120), count: 5)
        for pane in panes {
            detectors.judge(labelled: pane.labelled, errors: pane.errors)
            for index in direct.indices {
                for value in VersionDetectors.errorSequence(labelled: pane.labelled, errors: pane.errors)
                    where direct[index].update(Double(value)) { signalled[index] = true }
            }
        }
        #expect(detectors.detectors == direct)
        #expect(signalled == [true, true], "the error rate jumped from 10 % to 60 %")
        #expect(detectors.takeSignals() == [4: true, 7: true])
        #expect(detectors.takeSignals() == [4: false, 7: false])
        var none = VersionDetectors()
        none.judge(labelled: 10, errors: 10)
        #expect(none.takeSignals().isEmpty)
    }

    struct PaneVectors: Decodable {
        struct Case: Decodable {
            var detector: String
            var signalledPanes: [Int]
        }

        var panes: [[Int]]
        var cases: [Case]
    }

    /// River's own detectors fed the same panes' even sequences
    /// (`Tests/ReferenceVectors/pane_detector_vectors.py`): each detector here signals
    /// during exactly the panes River's does.
    @Test func panesSignalWhereRiversDetectorsSignal() throws {
        let vectors = try JSONDecoder().decode(PaneVectors.self, from: Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/vectors/pane-detectors.json"))))
        #expect(vectors.cases.count == ErrorStreamDetector.Kind.allCases.count)
        for reference in vectors.cases {
            let kind = try #require(ErrorStreamDetector.Kind(name: reference.detector))
            var detectors = VersionDetectors([(rule: 3, detector: try ErrorStreamDetector(kind: kind))])
            var signalled: [Int] = []
            for (index, pane) in vectors.panes.enumerated() {
                detectors.judge(labelled: pane[0], errors: pane[1])
                if detectors.takeSignals()[3] == true { signalled.append(index) }
            }
            #expect(signalled == reference.signalledPanes, "\(reference.detector)")
            #expect(!signalled.isEmpty, "\(reference.detector) never signalled: the vectors test nothing")
        }
    }

    /// The detectors' outputs (their alerts and metric lines) of a replay of `lines`.
    private static func detectorOutputs(_ lines: [String]) -> [String] { replayed(lines).detectorOutputs }

    /// A replay of `lines` under `rules`: the detectors' outputs and the engine at the end.
    private static func replayed(_ lines: [String], rules: RuleSet = EngineCheckpointTests.detectorRules) -> (detectorOutputs: [String], engine: MonitorEngine) {
        let engine = MonitorEngine(configuration: ScenarioTests.configuration(), rules: rules)
        var outputs: [MonitorOutput] = []
        for line in lines {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
            outputs += engine.drainOutputs()
        }
        engine.finish()
        outputs += engine.drainOutputs()
        let detectorOutputs = outputs.map(\.json).filter { $0.contains("ErrorRate") || $0.contains(#""metric":"ddm""#) || $0.contains(#""metric":"adwin""#) }
        return (detectorOutputs, engine)
    }

    /// The simulated stream with the labels of each 5-minute pane held back and delivered
    /// just before the next pane's first prediction (before any pane can close, so every
    /// window is judged on the same labels), the labels of wrong predictions first or last.
    private static func heldLabels(_ lines: [StreamSimulator.Line], wrongFirst: Bool) throws -> [String] {
        guard case let .eventTime(paneMilliseconds, _) = ScenarioTests.configuration().window.kind else {
            Issue.record("the scenarios' windows are event-time windows")
            return []
        }
        var predicted: [String: Int] = [:]
        var reordered: [String] = []
        var held: [(json: String, wrong: Bool)] = []
        var pane: Int64?
        func release() {
            reordered += held.filter { $0.wrong == wrongFirst }.map(\.json) + held.filter { $0.wrong != wrongFirst }.map(\.json)
            held = []
        }
        for line in lines {
            let fields = try #require(JSONSerialization.jsonObject(with: Data(line.json.utf8)) as? [String: Any])
            let id = try #require(fields["id"] as? String)
            if line.kind == .label {
                held.append((line.json, (fields["label"] as? Int).map { $0 != predicted[id] } ?? false))
                continue
            }
            predicted[id] = fields["label_pred"] as? Int
            if line.timestamp / paneMilliseconds != pane {
                release()
                pane = line.timestamp / paneMilliseconds
            }
            reordered.append(line.json)
        }
        release()
        return reordered
    }

    /// The same events with each pane's labels delivered wrong predictions first, or last
    /// (as a labels topic interleaved otherwise would deliver them): the detectors' alerts
    /// and metric lines are byte-identical. They fire on the concept drift, not before it.
    @Test func labelArrivalOrderDoesNotMoveADetectorsSignal() throws {
        var simulation = StreamSimulator.Configuration()
        simulation.events = 40_000
        simulation.seed = 11
        simulation.scenario = try Scenario(parsing: "concept_drift@0.5")
        let simulator = StreamSimulator(simulation)
        let manifest = simulator.manifest
        let lines = Array(simulator)
        let wrongFirst = Self.detectorOutputs(try Self.heldLabels(lines, wrongFirst: true))
        let wrongLast = Self.detectorOutputs(try Self.heldLabels(lines, wrongFirst: false))
        #expect(wrongFirst == wrongLast)
        let firing = try wrongFirst.filter { $0.hasPrefix(#"{"type":"alert""#) }.map {
            try JSONDecoder().decode(ScenarioTests.Alert.self, from: Data($0.utf8))
        }.filter { $0.status == "firing" }
        let driftStart = try #require(manifest.changes.first?.startTimestamp)
        #expect(Set(firing.map(\.rule)).isSuperset(of: ["ErrorRateDDM", "ErrorRateADWIN"]), "\(firing.map(\.rule))")
        #expect(firing.allSatisfy { ($0.startsAt ?? 0) >= driftStart }, "a detector fired before the concept drift")
    }

    /// A label joining a pane the detectors judged already is counted, not left out in
    /// silence: none when every pane's labels arrive before it closes, some when labels come
    /// minutes to hours late (the simulator's own order: 100 minutes of predictions, labels
    /// 1 minute + ~30 minutes late), none without detector rules; kept in the checkpoint.
    @Test func labelsAfterTheDetectorsJudgedTheirPaneAreCounted() throws {
        var simulation = StreamSimulator.Configuration()
        simulation.events = 60_000
        simulation.seed = 5
        let lines = Array(StreamSimulator(simulation))
        let inOrder = lines.map(\.json)
        let late = Self.replayed(inOrder).engine
        let counted = late.counters.labelsAfterDetectors
        #expect(counted > 0 && counted < late.joinCounters.joined, "\(counted) of \(late.joinCounters.joined) joined labels")
        #expect(late.summaryLines().contains { $0.hasPrefix("labels too late for the change detectors") && $0.hasSuffix(": \(counted)") })
        let restored = try MonitorEngine(restoring: late.checkpoint(), configuration: ScenarioTests.configuration(), rules: EngineCheckpointTests.detectorRules)
        #expect(restored.counters.labelsAfterDetectors == counted)
        #expect(Self.replayed(inOrder, rules: ScenarioTests.defaultRules).engine.counters.labelsAfterDetectors == 0)
        // Each label right after its prediction: every pane is labelled before it closes.
        var labels: [String: String] = [:]
        for line in lines where line.kind == .label { labels[try Self.id(of: line.json)] = line.json }
        let prompt = try lines.filter { $0.kind != .label }.flatMap { [$0.json] + [labels[try Self.id(of: $0.json)]].compactMap { $0 } }
        #expect(prompt.count == lines.count)
        let labelledAtOnce = Self.replayed(prompt).engine
        #expect(labelledAtOnce.joinCounters.joined == late.joinCounters.joined && labelledAtOnce.counters.labelsAfterDetectors == 0)
    }

    private static func id(of json: String) throws -> String {
        let fields = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(fields["id"] as? String)
    }
}
