import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The RFC 3339 parser against Python's `datetime.fromisoformat` on the texts of
/// `Tests/ReferenceVectors/timestamp_vectors.py` (`fixtures/vectors/timestamps.json`).
@Suite struct TimestampTextTests {
    private struct Vectors: Decodable {
        struct Valid: Decodable {
            var text: String
            var epoch_seconds: Int64
            var microseconds: Int32
            var nanoseconds: Int32
            var has_offset: Bool
        }

        var valid: [Valid]
        var invalid: [String]
    }

    private static let vectors: Vectors = {
        let data = FileManager.default.contents(atPath: RuleFixtures.path("fixtures/vectors/timestamps.json"))!
        return try! JSONDecoder().decode(Vectors.self, from: data)
    }()

    @Test func agreesWithPythonOnEveryValidText() throws {
        #expect(Self.vectors.valid.count > 400)
        for vector in Self.vectors.valid {
            let parsed = try TimestampText.parse(vector.text).get()
            #expect(parsed.epochSeconds == vector.epoch_seconds, "\(vector.text)")
            #expect(parsed.nanoseconds / 1000 == vector.microseconds, "\(vector.text)")
            #expect(parsed.nanoseconds == vector.nanoseconds, "\(vector.text)")
            #expect((parsed.offsetSeconds != nil) == vector.has_offset, "\(vector.text)")
        }
    }

    @Test func rejectsWhatPythonRejects() {
        #expect(Self.vectors.invalid.count > 20)
        for text in Self.vectors.invalid {
            if case let .success(parsed) = TimestampText.parse(text) { Issue.record("accepted '\(text)' as \(parsed)") }
        }
    }

    @Test func rfc3339FormsPythonDoesNotTake() throws {
        // A lowercase z, and a leap second (the next minute's first second, as epoch time has it).
        #expect(try TimestampText.parse("2026-03-01T12:00:00z").get() == TimestampText.parse("2026-03-01T12:00:00Z").get())
        #expect(try TimestampText.parse("2016-12-31T23:59:60Z").get().epochSeconds
            == TimestampText.parse("2017-01-01T00:00:00Z").get().epochSeconds)
    }

    @Test func formsPythonTakesAreRejectedWithTheirPlace() {
        #expect(TimestampText.parse("2026-03-01X12:00:00Z") == .failure(.expected("'T' or a space before the time", offset: 10)))
        #expect(TimestampText.parse("2026-03-01T12:00:00.Z") == .failure(.expected("digits of a fraction of a second", offset: 20)))
        #expect(TimestampText.parse("2026-03-01T12:00:00+05:60") == .failure(.outOfRange(.offsetMinutes, 60)))
        #expect(TimestampText.parse("20260301T120000Z") == .failure(.expected("'-'", offset: 4)))
    }

    @Test func problemsNameTheComponentOrTheCharacter() {
        #expect(TimestampText.parse("2026-02-29T12:00:00Z") == .failure(.outOfRange(.day, 29)))
        #expect(TimestampText.parse("2026-03-01T24:00:00Z") == .failure(.outOfRange(.hour, 24)))
        #expect(String(describing: TimestampText.Problem.outOfRange(.month, 13)) == "month 13 is out of range")
        #expect(String(describing: TimestampText.Problem.expected("':'", offset: 13)) == "expected ':' at character 14")
    }

    @Test func millisecondsRoundDownBeforeTheEpochToo() throws {
        #expect(try TimestampText.parse("2026-03-01T12:00:00.123999Z").get().epochMilliseconds == 1_772_366_400_123)
        #expect(try TimestampText.parse("1969-12-31T23:59:59.9995Z").get().epochMilliseconds == -1)
    }
}
