import DriftCore
import Foundation
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The label join's checkpoint on what the engine tests' simulator never produces: early
/// labels, duplicates of both kinds, expiries and evictions at small caps.
@Suite struct LabelJoinCheckpointTests {
    typealias Join = LabelJoin<String>

    enum Step {
        case prediction(String, Int64)
        case label(String, Int64, Int)
    }

    /// Predictions and labels over a few hundred ids with jittered times, so labels
    /// often come first, ids repeat, and both caps overflow.
    static func steps(count: Int, seed: UInt64) -> [Step] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { position in
            let id = "p\(random.next() % 300)"
            let time = Int64(position) * 1_000 + Int64(random.next() % 20_000)
            return random.next() % 2 == 0 ? .prediction(id, time) : .label(id, time, Int(random.next() % 2))
        }
    }

    static func configuration() -> Join.Configuration {
        var configuration = Join.Configuration()
        configuration.timeToLiveMilliseconds = 60_000
        configuration.maximumPendingPredictions = 25
        configuration.earlyLabelWaitMilliseconds = 15_000
        configuration.maximumEarlyLabels = 6
        return configuration
    }

    /// What a step produced, as text to compare.
    static func apply(_ step: Step, to join: inout Join) -> String {
        let result = switch step {
        case let .prediction(id, time): join.addPrediction(id: id, timestamp: time, payload: "payload-\(id)-\(time)")
        case let .label(id, time, label): join.addLabel(id: id, timestamp: time, label: .class(label))
        }
        let joined = result.joined.map { "\($0.payload)@\($0.labelTimestamp)=\($0.label)" } ?? "-"
        return joined + " " + result.unlabelled.map(\.payload).joined(separator: ",")
    }

    static func roundTrip(_ join: Join) throws -> (Join, [UInt8]) {
        var writer = BinaryWriter()
        join.encodeState(to: &writer, inlinePages: { payload, writer in writer.write(payload) })
        var reader = BinaryReader(writer.bytes)
        var restored = Join(configuration: configuration())
        try restored.restoreState(from: &reader) { try $0.readString() }
        #expect(reader.isAtEnd)
        return (restored, writer.bytes)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func restoredJoinContinuesExactly(seed: UInt64) throws {
        let steps = Self.steps(count: 3_000, seed: seed)
        var original = Join(configuration: Self.configuration())
        var interrupted = Join(configuration: Self.configuration())
        var expected: [String] = []
        var produced: [String] = []
        for (position, step) in steps.enumerated() {
            if position % 250 == 125 {
                let (restored, bytes) = try Self.roundTrip(interrupted)
                #expect(try Self.roundTrip(restored).1 == bytes)
                interrupted = restored
            }
            expected.append(Self.apply(step, to: &original))
            produced.append(Self.apply(step, to: &interrupted))
        }
        #expect(produced == expected)
        #expect(interrupted.counters == original.counters)
        // The stream exercised what the test is about.
        let counters = original.counters
        #expect(counters.joinedAfterWaiting > 0 && counters.duplicateLabels > 0 && counters.duplicatePredictions > 0)
        #expect(counters.expiredPredictions > 0 && counters.evictedPredictions > 0 && counters.unmatchedLabels > 0 && counters.evictedEarlyLabels > 0)
    }

    /// Early labels keep their kind through a checkpoint: a regression value and a class.
    @Test func earlyLabelValuesAndClassesRoundTrip() throws {
        var join = Join(configuration: Self.configuration())
        _ = join.addLabel(id: "a", timestamp: 10, label: .value(298_000.25))
        _ = join.addLabel(id: "b", timestamp: 11, label: .class(1))
        var (restored, _) = try Self.roundTrip(join)
        #expect(restored.addPrediction(id: "a", timestamp: 12, payload: "A").joined?.label == .value(298_000.25))
        #expect(restored.addPrediction(id: "b", timestamp: 13, payload: "B").joined?.label == .class(1))
    }

    /// A join written when labels were classes only (engine checkpoint format 5, early
    /// labels as 64-bit integers): `fixtures/checkpoints/label-join-format-5.bin`, the join
    /// of the first 1,500 of `steps(count: 3_000, seed: 1)`, written at commit c39f521.
    /// It restores to exactly the join that never stopped, and continues alike.
    @Test func aFormatFiveJoinRestoresItsEarlyLabelsAsClasses() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/checkpoints/label-join-format-5.bin"))))
        var reader = BinaryReader(bytes)
        var restored = Join(configuration: Self.configuration())
        try restored.restoreState(from: &reader, labels: .classes) { try $0.readString() }
        #expect(reader.isAtEnd)
        #expect(restored.earlyLabelCount > 0)
        let steps = Self.steps(count: 3_000, seed: 1)
        var original = Join(configuration: Self.configuration())
        for step in steps.prefix(1_500) { _ = Self.apply(step, to: &original) }
        var written = BinaryWriter(), rewritten = BinaryWriter()
        original.encodeState(to: &written, inlinePages: { payload, writer in writer.write(payload) })
        restored.encodeState(to: &rewritten, inlinePages: { payload, writer in writer.write(payload) })
        #expect(rewritten.bytes == written.bytes)
        for step in steps.dropFirst(1_500) {
            #expect(Self.apply(step, to: &restored) == Self.apply(step, to: &original))
        }
        // Read as the current format, the old integers are not tagged labels.
        var misread = BinaryReader(bytes)
        var wrong = Join(configuration: Self.configuration())
        #expect(throws: SerializationError.self) { try wrong.restoreState(from: &misread) { try $0.readString() } }
    }

    /// The label kinds of format 6 (class and value tags) read alike under format 7, which
    /// added named classes: `fixtures/checkpoints/label-join-format-6.bin`, the join of the
    /// first 1,500 of `steps(count: 3_000, seed: 2)` with every third label a value
    /// (`mixedLabel`), written at commit 2807865. It restores to exactly the join that never
    /// stopped, and continues alike.
    @Test func aFormatSixJoinRestoresItsClassesAndValues() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/checkpoints/label-join-format-6.bin"))))
        var reader = BinaryReader(bytes)
        var restored = Join(configuration: Self.configuration())
        try restored.restoreState(from: &reader) { try $0.readString() }
        #expect(reader.isAtEnd)
        #expect(restored.earlyLabelCount > 0)
        var original = Join(configuration: Self.configuration())
        let steps = Array(Self.steps(count: 3_000, seed: 2).enumerated())
        func apply(_ position: Int, _ step: Step, to join: inout Join) -> String {
            guard case let .label(id, time, label) = step else { return Self.apply(step, to: &join) }
            return "\(join.addLabel(id: id, timestamp: time, label: Self.mixedLabel(label, position: position)).joined.map { "\($0.payload)=\($0.label)" } ?? "-")"
        }
        for (position, step) in steps.prefix(1_500) { _ = apply(position, step, to: &original) }
        var written = BinaryWriter(), rewritten = BinaryWriter()
        original.encodeState(to: &written, inlinePages: { payload, writer in writer.write(payload) })
        restored.encodeState(to: &rewritten, inlinePages: { payload, writer in writer.write(payload) })
        #expect(rewritten.bytes == written.bytes && written.bytes == bytes)
        for (position, step) in steps.dropFirst(1_500) {
            #expect(apply(position, step, to: &restored) == apply(position, step, to: &original))
        }
    }

    /// Every third label of the format-6 fixture's steps is a value, the others classes.
    static func mixedLabel(_ label: Int, position: Int) -> LabelValue {
        position % 3 == 0 ? .value(Double(label) * 1_000 + 0.25) : .class(label)
    }

    /// A multiclass label keeps its class name through a checkpoint.
    @Test func earlyNamedClassesRoundTrip() throws {
        var join = Join(configuration: Self.configuration())
        _ = join.addLabel(id: "a", timestamp: 10, label: .named("routine"))
        var (restored, _) = try Self.roundTrip(join)
        #expect(restored.addPrediction(id: "a", timestamp: 12, payload: "A").joined?.label == .named("routine"))
    }

    /// Incremental checkpoints as serve writes them: two slots taken in turn, each page
    /// written to a slot only when the slot has no copy covering it (new pages, the growing
    /// last one); everything else is state. Restoring a slot's state with its pages gives
    /// exactly the join a full snapshot gives, after many rounds, with pages that lost
    /// their front entries since they were written, and the restored join continues alike.
    @Test func pagedCheckpointsRestoreExactlyAsAFullSnapshot() throws {
        var configuration = Self.configuration()
        configuration.maximumPendingPredictions = 3 * Join.pageEntries
        configuration.timeToLiveMilliseconds = 11_000_000
        var random = RandomSource(seed: 9)
        var join = Join(configuration: configuration)
        var slots: [[Int: (page: JoinPage, bytes: [UInt8])]] = [[:], [:]]
        var pagesWritten: [Int] = []
        var time: Int64 = 0
        var next = 0
        for round in 0..<10 {
            for _ in 0..<2_000 {
                time += 1_000
                _ = join.addPrediction(id: "p\(next)", timestamp: time, payload: "payload-\(next)")
                if next > 0, random.next() % 2 == 0 {
                    _ = join.addLabel(id: "p\(Int(random.next() % UInt64(next)))", timestamp: time, label: .class(Int(random.next() % 2)))
                }
                next += 1
            }
            let slot = round % 2
            var writer = BinaryWriter()
            join.encodeState(to: &writer, inlinePages: nil)
            var written = 0
            for page in join.pages where !(slots[slot][page.number]?.page.covers(page) ?? false) {
                slots[slot][page.number] = (page, join.encodePage(page.number) { payload, writer in writer.write(payload) })
                written += 1
            }
            pagesWritten.append(written)
            var reader = BinaryReader(writer.bytes)
            var restored = Join(configuration: configuration)
            try restored.restoreState(from: &reader, pages: slots[slot].mapValues(\.bytes)) { try $0.readString() }
            #expect(reader.isAtEnd)
            var full = BinaryWriter(), again = BinaryWriter()
            join.encodeState(to: &full, inlinePages: { payload, writer in writer.write(payload) })
            restored.encodeState(to: &again, inlinePages: { payload, writer in writer.write(payload) })
            #expect(again.bytes == full.bytes, "round \(round)")
            // Both continue alike (on a copy: the original goes on with its own stream).
            var continued = join
            for step in Self.steps(count: 300, seed: UInt64(round)) {
                #expect(Self.apply(step, to: &restored) == Self.apply(step, to: &continued))
            }
        }
        let counters = join.counters
        #expect(counters.expiredPredictions + counters.evictedPredictions > 0, "pages lost front entries")
        // After the first round of each slot, a checkpoint writes the new pages and the last one, not all.
        #expect(pagesWritten[0] >= 1 && pagesWritten.dropFirst(2).allSatisfy { $0 <= 3 }, "\(pagesWritten)")
        #expect(join.pages.count >= 3)
    }
}
