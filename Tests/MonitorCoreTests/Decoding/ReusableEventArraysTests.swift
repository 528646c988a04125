@testable import MonitorCore
import Testing

/// A decoding session hands each event arrays of its own: the previous event's storage
/// once nothing holds it any more, new arrays while it is still held, and never an event
/// changed after it was handed out.
@Suite struct ReusableEventArraysTests {
    private static func decode(_ message: String, _ session: inout EventDecoder.Session) -> Result<MonitorEvent, EventRejection> {
        var bytes = Array(message.utf8)
        return bytes.withUnsafeMutableBufferPointer { session.decode(UnsafeBufferPointer($0)) }
    }

    private static func prediction(_ message: String, _ session: inout EventDecoder.Session) throws -> PredictionEvent {
        guard case let .prediction(prediction) = try decode(message, &session).get() else {
            Issue.record("not a prediction: \(message)")
            throw EventRejection.notAnObject
        }
        return prediction
    }

    /// Where an event's feature and segment arrays keep their elements (the event itself is
    /// gone when this returns).
    private static func storage(of message: String, _ session: inout EventDecoder.Session) throws -> (features: Int, segment: Int) {
        let event = try prediction(message, &session)
        return (event.features.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) },
                event.segment.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })
    }

    private static func message(id: String, a: Int, region: String) -> String {
        #"{"event":"prediction","model":"m","id":"\#(id)","ts":\#(a),"features":{"a":\#(a),"b":"x"},"score":0.5,"segment":{"region":"\#(region)"}}"#
    }

    /// Arrays of the size an event's arrays are made with: allocated between two events,
    /// they would take a freed event's storage, so the next event shares its predecessor's
    /// only if that storage was never freed (kept for reuse).
    private static func blockers() -> (features: [Feature], segment: [SegmentAttribute]) {
        var features: [Feature] = []
        var segment: [SegmentAttribute] = []
        features.reserveCapacity(ReusableEventArrays.featureCapacity)
        segment.reserveCapacity(ReusableEventArrays.segmentCapacity)
        return (features, segment)
    }

    @Test func anEventNoLongerHeldLendsItsArraysToTheNext() throws {
        var session = EventDecoder.Session(EventDecoder())
        let first = try Self.storage(of: Self.message(id: "1", a: 1, region: "north"), &session)
        let blockers = Self.blockers()
        let second = try Self.storage(of: Self.message(id: "2", a: 2, region: "south"), &session)
        #expect(second.features == first.features)
        #expect(second.segment == first.segment)
        withExtendedLifetime(blockers) {}
        // A label and a rejected message in between: the arrays still pass on, and the
        // next prediction is decoded whole.
        _ = Self.decode(#"{"event":"label","id":"1","ts":3,"label":1}"#, &session)
        _ = Self.decode(#"{"event":"prediction","model":"m","id":"3","ts":"not a time"}"#, &session)
        let fourth = try Self.prediction(Self.message(id: "4", a: 4, region: "east"), &session)
        #expect(fourth.features == [Feature("a", .number(4)), Feature("b", .string("x"))])
        #expect(fourth.segment == [SegmentAttribute("region", "east")])
    }

    @Test func anEventStillHeldKeepsItsArraysUnchanged() throws {
        var session = EventDecoder.Session(EventDecoder())
        let held = try Self.prediction(Self.message(id: "1", a: 1, region: "north"), &session)
        let next = try Self.prediction(#"{"event":"prediction","model":"m","id":"2","ts":2,"features":{"c":7},"score":0.5}"#, &session)
        #expect(held.features == [Feature("a", .number(1)), Feature("b", .string("x"))])
        #expect(held.segment == [SegmentAttribute("region", "north")])
        #expect(next.features == [Feature("c", .number(7))])
        #expect(next.segment.isEmpty)
        #expect(held.features.withUnsafeBufferPointer { $0.baseAddress } != next.features.withUnsafeBufferPointer { $0.baseAddress })
    }

    /// A wide event's storage serves the next event when it is free; while the wide event
    /// is held, the next gets arrays of the usual size, not the wide one's.
    @Test func aHeldWideEventDoesNotWidenTheNext() throws {
        let wide = #"{"event":"prediction","model":"m","id":"w","ts":1,"score":0.5,"features":{"#
            + (0..<200).map { #""f\#($0)":\#($0)"# }.joined(separator: ",") + "}}"
        let narrow = #"{"event":"prediction","model":"m","id":"n","ts":2,"score":0.5,"features":{"a":1}}"#
        var session = EventDecoder.Session(EventDecoder())
        let held = try Self.prediction(wide, &session)
        let next = try Self.prediction(narrow, &session)
        #expect(held.features.count == 200)
        #expect(next.features == [Feature("a", .number(1))])
        #expect(next.features.capacity < 200)
        _ = consume held
        _ = consume next
        _ = try Self.prediction(wide, &session)
        let reusing = try Self.prediction(narrow, &session)
        #expect(reusing.features.capacity >= 200)
    }

    /// Features read from fixed paths start from the mapping's list each time: a path the
    /// next message lacks is missing, not the previous message's value.
    @Test func featurePathsStartMissingInEveryEvent() throws {
        var mapping = FieldMapping()
        mapping.featurePaths = ["in.a", "in.b"]
        var session = EventDecoder.Session(EventDecoder(mapping: mapping))
        let first = try Self.prediction(#"{"event":"prediction","model":"m","id":"1","ts":1,"in":{"a":1,"b":"x"},"score":0.5}"#, &session)
        #expect(first.features == [Feature("in.a", .number(1)), Feature("in.b", .string("x"))])
        let firstStorage = first.features.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
        _ = consume first
        let blockers = Self.blockers()
        let second = try Self.prediction(#"{"event":"prediction","model":"m","id":"2","ts":2,"in":{"a":2},"score":0.5}"#, &session)
        #expect(second.features == [Feature("in.a", .number(2)), Feature("in.b", .missing)])
        #expect(second.features.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } == firstStorage)
        withExtendedLifetime(blockers) {}
    }
}
