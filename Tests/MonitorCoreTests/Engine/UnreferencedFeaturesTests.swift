import DriftCore
@testable import MonitorCore
import Testing

/// Features a version's predictions name that its reference does not have are counted,
/// named and said once each (`feature_not_in_reference`), not skipped in silence; the
/// count survives a checkpoint.
@Suite struct UnreferencedFeaturesTests {
    /// 3 s windows of 1 s panes: the first 3 s (30 events) are the stream reference, with
    /// features `a` and `b`. From then on `c` comes with every event (listed last, then
    /// first: the slot cache misses where the order changes) and `d` with every 4th.
    static func events() -> [PredictionEvent] {
        (0..<120).map { index in
            var features = [Feature("a", .number(Double(index % 7))), Feature("b", .string(index % 2 == 0 ? "x" : "y"))]
            if index >= 30 {
                let c = Feature("c", .number(Double(index)))
                if index < 70 { features.append(c) } else { features.insert(c, at: 0) }
                if index % 4 == 0 { features.append(Feature("d", .bool(true))) }
            }
            return PredictionEvent(model: "m", version: "v1", id: "p\(index)", timestamp: Int64(index) * 100, features: features,
                                   score: 0.5, predictedLabel: 1)
        }
    }

    static func configuration() throws -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 3000, slide: 1000, allowedLateness: 500, minimumEvents: 0)
        return configuration
    }

    static let rules = ScenarioTests.defaultRules

    /// Values of `c` and `d` among the monitored events (after the reference period).
    static let expectedValues = (30..<120).count + (30..<120).filter { $0 % 4 == 0 }.count

    /// The `feature_not_in_reference` notices among `outputs`: feature and time, in order.
    static func notices(_ outputs: [MonitorOutput]) -> [String] {
        outputs.compactMap { output in
            guard case let .notice(.featureNotInReference(notice)) = output.event else { return nil }
            #expect(notice.model == "m" && notice.version == "v1")
            return "\(notice.feature)@\(notice.firstTimestamp)"
        }
    }

    @Test func countedAndNamedPerVersion() throws {
        let engine = MonitorEngine(configuration: try Self.configuration(), rules: Self.rules)
        for event in Self.events() { engine.process(.prediction(event)) }
        let unreferenced = engine.unreferencedFeatures
        #expect(unreferenced.count == 1)
        #expect(unreferenced.first?.model == "m" && unreferenced.first?.version == "v1")
        #expect(unreferenced.first?.features == ["c", "d"])
        #expect(unreferenced.first?.values == Self.expectedValues)
        #expect(engine.counters.unreferencedFeatureValues == Self.expectedValues)
        #expect(engine.summaryLines().contains { $0.hasPrefix("features not in their version's reference") && $0.contains("m/v1: c, d (\(Self.expectedValues) values)") })
        // Said once each, with the time of the first prediction naming it (`d` comes with
        // event 32; both are recorded, and said, when the reference is built at 3.5 s).
        let outputs = engine.drainOutputs()
        #expect(Self.notices(outputs) == ["c@3000", "d@3200"])
        let notice = try #require(outputs.first { if case .notice(.featureNotInReference) = $0.event { true } else { false } })
        #expect(notice.json == #"{"type":"feature_not_in_reference","model":"m","version":"v1","feature":"c","first_ts":3000}"#)
        #expect(notice.time == 3000 && notice.kind == .notice)
    }

    /// Events that waited for the stream reference are recorded when it is built; when
    /// another model's time builds it (this version gets no more predictions), their new
    /// features are said then — before a checkpoint, which does not keep what is unsaid.
    @Test func aReferenceBuiltByAnotherModelsTimeSaysItsWaitingEventsFeatures() throws {
        let configuration = try Self.configuration()
        let engine = MonitorEngine(configuration: configuration, rules: Self.rules)
        for event in Self.events()[..<35] { engine.process(.prediction(event)) }  // 30–34 wait, naming c (and d at 32)
        #expect(Self.notices(engine.drainOutputs()).isEmpty, "the reference (first 3 s, 0.5 s lateness) is not built yet")
        let other = PredictionEvent(model: "other", version: "v1", id: "o1", timestamp: 3600, features: [Feature("a", .number(1))],
                                    score: 0.5, predictedLabel: 1)
        engine.process(.prediction(other))
        #expect(Self.notices(engine.drainOutputs()) == ["c@3000", "d@3200"])
        let restored = try MonitorEngine(restoring: engine.checkpoint(), configuration: configuration, rules: Self.rules)
        for event in Self.events()[35...] { restored.process(.prediction(event)) }
        #expect(Self.notices(restored.drainOutputs()).isEmpty, "each feature is said once")
        #expect(restored.unreferencedFeatures.first?.values == Self.expectedValues)
    }

    /// A stream whose features all are in the reference says nothing.
    @Test func nothingToSayWhenEveryFeatureIsInTheReference() throws {
        let engine = MonitorEngine(configuration: try Self.configuration(), rules: Self.rules)
        for event in Self.events() where event.features.count == 2 || Int(event.id.dropFirst())! < 30 { engine.process(.prediction(event)) }
        #expect(engine.unreferencedFeatures.isEmpty && engine.counters.unreferencedFeatureValues == 0)
        #expect(Self.notices(engine.drainOutputs()).isEmpty)
        #expect(!engine.summaryLines().contains { $0.hasPrefix("features not in their version's reference") })
    }

    /// A profile given up front that lacks a feature: its values are counted from the first event.
    @Test func aProfileWithoutAFeature() throws {
        var configuration = try Self.configuration()
        var profiler = try DatasetProfiler()
        for event in Self.events()[..<30] {
            var event = event
            event.features.removeAll { $0.name == "b" }
            profiler.add(event)
        }
        configuration.references.set(profiler.finish(), identifier: "no-b.json", model: "m")
        let engine = MonitorEngine(configuration: configuration, rules: Self.rules)
        for event in Self.events() { engine.process(.prediction(event)) }
        #expect(engine.unreferencedFeatures.first?.features == ["b", "c", "d"])
        #expect(Self.notices(engine.drainOutputs()) == ["b@0", "c@3000", "d@3200"])
        #expect(engine.unreferencedFeatures.first?.values == 120 + Self.expectedValues)
    }

    @Test func theCountContinuesAfterARestore() throws {
        let configuration = try Self.configuration()
        let events = Self.events()
        let original = MonitorEngine(configuration: configuration, rules: Self.rules)
        for event in events[..<80] { original.process(.prediction(event)) }
        #expect(Self.notices(original.drainOutputs()) == ["c@3000", "d@3200"])
        let restored = try MonitorEngine(restoring: original.checkpoint(), configuration: configuration, rules: Self.rules)
        #expect(restored.unreferencedFeatures.first?.values == original.unreferencedFeatures.first?.values)
        for event in events[80...] { restored.process(.prediction(event)) }
        #expect(restored.unreferencedFeatures.first?.features == ["c", "d"])
        #expect(restored.counters.unreferencedFeatureValues == Self.expectedValues)
        #expect(Self.notices(restored.drainOutputs()).isEmpty, "each feature is said once, across a restore")
    }

    @Test func namesAreCappedValuesAreNot() throws {
        var unreferenced = UnreferencedFeatures()
        for index in 0..<(UnreferencedFeatures.maximumNames + 8) {
            unreferenced.note("f\(index)", at: Int64(index))
            unreferenced.note("f\(index)", at: 1000)
            unreferenced.countValue()
        }
        #expect(unreferenced.names == (0..<UnreferencedFeatures.maximumNames).map { "f\($0)" })
        #expect(unreferenced.values == UnreferencedFeatures.maximumNames + 8)
        // Each kept name is handed out once, with the time it was first noted.
        #expect(unreferenced.takeNewlyNamed() == (0..<UnreferencedFeatures.maximumNames).map {
            UnreferencedFeatures.NewName(name: "f\($0)", firstTimestamp: Int64($0))
        })
        #expect(unreferenced.takeNewlyNamed().isEmpty)
        var writer = BinaryWriter()
        unreferenced.encode(to: &writer)
        var reader = BinaryReader(writer.bytes)
        #expect(try UnreferencedFeatures(from: &reader) == unreferenced)
        // More names than the cap, or a name twice, is not a state it could have written.
        for names in [(0...UnreferencedFeatures.maximumNames).map { "f\($0)" }, ["x", "x"]] {
            var writer = BinaryWriter()
            writer.writeCounter(3)
            writer.write(strings: names)
            var reader = BinaryReader(writer.bytes)
            #expect(throws: SerializationError.self) { try UnreferencedFeatures(from: &reader) }
        }
    }
}
