import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Model versions and the caps on everything that grows with the input.
@Suite struct VersionAndCapsTests {
    /// `fixtures/streams/version-change.jsonl`: v1 (reference a1–a3) then v2 from 4.2 s,
    /// whose categorical feature `c` is always "z", a value v1's reference never saw.
    @Test func aNewVersionGetsItsOwnReferenceAndANotice() throws {
        let run = try StreamFixtures.replay([StreamFixtures.path("version-change.jsonl")])
        let notices = run.lines(.notice)
        #expect(notices.map { $0["version"] as? String } == ["v1", "v2"])
        #expect(notices.map { $0["type"] as? String } == ["version_seen", "version_seen"])
        #expect(notices.map { ($0["first_ts"] as? NSNumber)?.int64Value } == [0, 4200])
        #expect(notices.map { ($0["previous_versions"] as? NSNumber)?.intValue } == [0, 1])
        // v1 is unaffected by v2's events; v2 is monitored only after its own first
        // window (panes 4–6) and against it, so "z" is not a new category for it.
        #expect(run.metric("volume", evaluation: "drift").map(\.value) == [1, 2])
        #expect(run.metric("volume", evaluation: "drift", version: "v2").map(\.end) == [8000, 9000])
        #expect(run.metric("volume", evaluation: "drift", version: "v2").map(\.value) == [1, 2])
        #expect(run.metric("new_category_rate", evaluation: "drift", subject: "c", version: "v2").map(\.value) == [0, 0])
    }

    @Test func versionsAndModelsBeyondTheirCapsAreCounted() throws {
        var configuration = StreamFixtures.configuration()
        configuration.caps.versionsPerModel = 1
        let run = try StreamFixtures.replay([StreamFixtures.path("version-change.jsonl")], configuration: configuration)
        #expect(run.engine.counters.cappedVersions == 5 && run.lines(.notice).count == 1)
        #expect(run.metric("volume", evaluation: "drift", version: "v2").isEmpty)

        var oneModel = StreamFixtures.configuration()
        oneModel.caps.models = 1
        let engine = MonitorEngine(configuration: oneModel, rules: StreamFixtures.defaultRules)
        for (index, model) in ["m", "n", "m", "o"].enumerated() {
            engine.process(.prediction(PredictionEvent(model: model, version: "v1", id: "\(index)", timestamp: Int64(index))))
        }
        #expect(engine.counters.cappedModels == 2 && engine.counters.predictions == 4)
        #expect(engine.drainOutputs().filter { $0.kind == .notice }.count == 1)
    }

    @Test func segmentValuesAndAttributesBeyondTheirCapsAreCounted() {
        var configuration = StreamFixtures.configuration()
        configuration.caps.segmentValuesPerAttribute = 2
        configuration.caps.segmentAttributes = 1
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        for (index, value) in ["a", "b", "c", "a", "d", "c"].enumerated() {
            engine.process(.prediction(PredictionEvent(
                model: "m", version: "v1", id: "\(index)", timestamp: Int64(index),
                segment: [SegmentAttribute("g", value), SegmentAttribute("h", "x")])))
        }
        #expect(engine.counters.cappedSegmentValues == 3)  // c, d, c share "(other)"
        #expect(engine.counters.untrackedSegmentAttributes == 6)  // h, on every event
    }

    /// Segment values are capped per model and version (issue 10, item 4): another
    /// model's 150 distinct `gender` values, arriving first, fill that model's own
    /// `(other)` and leave this model's groups — and its DemographicParity alert — alone.
    @Test func oneModelsFloodOfSegmentValuesCannotBlindAnother() {
        /// Model m: every third prediction "female", selected 30 % of the time; "male" 70 %.
        func fairnessAlerts(afterFlood flood: Bool) -> (alerts: [String], engine: MonitorEngine) {
            let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
            if flood {
                for index in 0..<150 {
                    engine.process(.prediction(PredictionEvent(
                        model: "flood", version: "v1", id: "f\(index)", timestamp: Int64(index), score: 0.5, predictedLabel: 1,
                        segment: [SegmentAttribute("gender", "g\(index)")])))
                }
            }
            for index in 0..<2000 {
                let female = index % 3 == 0
                let selected = (index * 7) % 10 < (female ? 3 : 7)
                engine.process(.prediction(PredictionEvent(
                    model: "m", version: "v1", id: "m\(index)", timestamp: 200 + Int64(index) * 10, score: selected ? 0.9 : 0.1,
                    predictedLabel: selected ? 1 : 0, segment: [SegmentAttribute("gender", female ? "female" : "male")])))
            }
            engine.finish()
            let alerts = engine.drainOutputs().filter { $0.kind == .alert && $0.json.contains(#""rule":"DemographicParity""#) }.map(\.json)
            return (alerts, engine)
        }
        let alone = fairnessAlerts(afterFlood: false)
        let flooded = fairnessAlerts(afterFlood: true)
        #expect(alone.alerts.contains { $0.contains(#""model":"m""#) && $0.contains(#""status":"firing""#) })
        #expect(flooded.alerts == alone.alerts)
        #expect(flooded.engine.counters.cappedSegmentValues == 50)  // the flood's own values past its 100
        #expect(alone.engine.counters.cappedSegmentValues == 0)
    }

    @Test func thePendingLabelCapEvictsTheOldestPredictionAndCountsIt() {
        var configuration = StreamFixtures.configuration()
        configuration.join.maximumPendingPredictions = 2
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        for index in 0..<3 {
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "p\(index)", timestamp: Int64(index), predictedLabel: 1)))
        }
        engine.process(.label(LabelEvent(id: "p0", timestamp: 10, label: 1)))
        #expect(engine.joinCounters.evictedPredictions == 1 && engine.pendingLabels == 2)
        #expect(engine.joinCounters.joined == 0)  // p0 was evicted: its label now waits as an early label
    }

    @Test func theReferenceEventCapIsCounted() throws {
        var configuration = StreamFixtures.configuration()
        configuration.caps.referenceEvents = 4
        let run = try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], configuration: configuration)
        #expect(run.engine.counters.cappedReferenceEvents == 2)  // r5, r6
        #expect(run.metric("volume", evaluation: "drift").map(\.value) == [2, 3, 5, 4, 1])
    }

    /// The engine-wide allowance of events held for references is shared by versions
    /// and given back once a reference is built: v1 holds a1–a3 and a4 (waiting), then
    /// v2 reuses the same four places for b1–b3 and b4.
    @Test func theTotalReferenceEventCapIsSharedAndGivenBack() throws {
        var enough = StreamFixtures.configuration()
        enough.caps.referenceEventsInTotal = 4
        let shared = try StreamFixtures.replay([StreamFixtures.path("version-change.jsonl")], configuration: enough)
        #expect(shared.engine.counters.cappedReferenceEvents == 0)
        #expect(shared.metric("volume", evaluation: "drift", version: "v2").map(\.value) == [1, 2])

        var short = enough
        short.caps.referenceEventsInTotal = 3
        let capped = try StreamFixtures.replay([StreamFixtures.path("version-change.jsonl")], configuration: short)
        #expect(capped.engine.counters.cappedReferenceEvents == 2)  // a4 and b4, each waiting while its period was held
        #expect(capped.metric("volume", evaluation: "drift", version: "v2").map(\.value) == [1])  // b5 only
    }

    /// Events are held whole until their stream reference is built, and one may carry up
    /// to the decoder's 1 MiB: the byte allowance bounds what the event caps would not.
    /// Drops are counted as they happen (the period here never ends), and a checkpoint
    /// restores with its holdings reserved.
    @Test func theReferenceByteCapBoundsWideEventsAndCountsAsItGoes() throws {
        let wide = (0..<100).map { Feature("f\($0)", .string(String(repeating: "x", count: 1000))) }
        func event(_ index: Int) -> PredictionEvent {
            PredictionEvent(model: "m", version: "v1", id: "\(index)", timestamp: 0, features: wide)
        }
        let eventBytes = event(0).estimatedBytes
        #expect(eventBytes > 100 * 1000)
        var configuration = StreamFixtures.configuration()
        configuration.caps.referenceBytesInTotal = 5 * eventBytes
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        for index in 0..<9 { engine.process(.prediction(event(index))) }
        #expect(engine.counters.cappedReferenceEvents == 4)

        let checkpoint = engine.checkpoint()
        let restored = try MonitorEngine(restoring: checkpoint, configuration: configuration, rules: StreamFixtures.defaultRules)
        restored.process(.prediction(event(9)))
        #expect(restored.counters.cappedReferenceEvents == 5)
        var smaller = configuration
        smaller.caps.referenceBytesInTotal = 4 * eventBytes
        #expect(throws: SerializationError.self) {
            try MonitorEngine(restoring: checkpoint, configuration: smaller, rules: StreamFixtures.defaultRules)
        }
    }

    /// Distinct feature names flooding the reference period all enter the profile; a later
    /// event pays only for the features it names (the others are counted as missing when
    /// a window is read, not one by one), and the missing rates come out as before.
    @Test func featuresAWindowDoesNotNameAreMissingThere() {
        let engine = MonitorEngine(configuration: StreamFixtures.configuration(), rules: StreamFixtures.defaultRules)
        for index in 0..<3 {
            let flood = (0..<200).map { Feature("f\(index)-\($0)", .number(Double($0))) }
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "w\(index)", timestamp: Int64(index) * 1000,
                                                       features: flood + [Feature("x", .number(1))])))
        }
        for (index, timestamp) in [3100, 3200, 3300, 3400].enumerated() {
            let features = index == 0 ? [Feature("f0-0", .number(5)), Feature("x", .number(2))] : [Feature("x", .number(2))]
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "a\(index)", timestamp: Int64(timestamp),
                                                       features: features)))
        }
        engine.finish()
        let outputs = engine.drainOutputs()
        func missingRate(_ subject: String) -> String? {
            outputs.first { $0.json.contains(#""subject":"\#(subject)","metric":"missing_rate""#) }?.json
        }
        #expect(missingRate("x")?.contains(#""value":0,"samples":4"#) == true, "\(missingRate("x") ?? "none")")
        #expect(missingRate("f0-0")?.contains(#""value":0.75,"samples":4"#) == true, "\(missingRate("f0-0") ?? "none")")
        #expect(missingRate("f2-199")?.contains(#""value":1,"samples":4"#) == true, "\(missingRate("f2-199") ?? "none")")
    }

    @Test func categoriesBeyondTheCapacityAreCountedInEachWindow() {
        var configuration = StreamFixtures.configuration()
        configuration.profile.categoryCapacity = 1
        let engine = MonitorEngine(configuration: configuration, rules: StreamFixtures.defaultRules)
        // Reference panes 0–2 see only "a"; pane 3 sees "a", then "b" and "c" past the cap.
        for (timestamp, category) in [(0, "a"), (1000, "a"), (2000, "a"), (3500, "a"), (3600, "b"), (3700, "c")] {
            engine.process(.prediction(PredictionEvent(
                model: "m", version: "v1", id: "\(timestamp)", timestamp: Int64(timestamp), features: [Feature("c", .string(category))])))
        }
        engine.finish()
        let overflow = engine.drainOutputs().filter { $0.json.contains(#""subject":"c","metric":"category_overflow_rate""#) }
        #expect(overflow.count == 1 && overflow[0].json.contains(#""value":0.6666666666666666,"samples":3"#))
    }
}
