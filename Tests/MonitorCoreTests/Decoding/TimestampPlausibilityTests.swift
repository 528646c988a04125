import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct TimestampPlausibilityTests {
    static func decode(_ timestamp: String, unit: FieldMapping.TimestampUnit) -> Result<MonitorEvent, EventRejection> {
        var mapping = FieldMapping()
        mapping.timestampUnit = unit
        return EventDecoder(mapping: mapping).decode(Array(#"{"model":"m","id":"1","ts":\#(timestamp)}"#.utf8))
    }

    static func rejection(_ timestamp: String, unit: FieldMapping.TimestampUnit) -> String? {
        guard case let .failure(rejection) = decode(timestamp, unit: unit) else { return nil }
        return "\(rejection.code): \(rejection)"
    }

    static func milliseconds(_ timestamp: String, unit: FieldMapping.TimestampUnit) -> Int64? {
        guard case let .success(.prediction(prediction)) = decode(timestamp, unit: unit) else { return nil }
        return prediction.timestamp
    }

    @Test func aUnitMixUpIsRejectedWithTheUnitThatFits() {
        #expect(Self.rejection("1700000000000", unit: .seconds)
            == "implausible_timestamp: field 'ts': timestamp 1700000000000 is implausible for unit seconds (year 55840); did you mean milliseconds?")
        #expect(Self.rejection("1700000000", unit: .milliseconds)
            == "implausible_timestamp: field 'ts': timestamp 1700000000 is implausible for unit milliseconds (year 1970); did you mean seconds?")
        #expect(Self.rejection("1700000000000000", unit: .milliseconds)
            == "implausible_timestamp: field 'ts': timestamp 1700000000000000 is implausible for unit milliseconds (year 55840); did you mean microseconds?")
        #expect(Self.rejection("1.7e18", unit: .microseconds)
            == "implausible_timestamp: field 'ts': timestamp 1700000000000000000 is implausible for unit microseconds (year 55840); did you mean nanoseconds?")
    }

    @Test func plausibleTimesInEveryUnitPass() {
        #expect(Self.milliseconds("1700000000.25", unit: .seconds) == 1_700_000_000_250)
        #expect(Self.milliseconds("1700000000000", unit: .milliseconds) == 1_700_000_000_000)
        #expect(Self.milliseconds("1700000000000000", unit: .microseconds) == 1_700_000_000_000)
        #expect(Self.milliseconds("1700000000000000000", unit: .nanoseconds) == 1_700_000_000_000)
    }

    @Test func theRangeIs1990To2200() {
        #expect(Self.milliseconds("631152000000", unit: .milliseconds) == 631_152_000_000)
        #expect(Self.milliseconds("7289654399999", unit: .milliseconds) == 7_289_654_399_999)
        #expect(Self.rejection("7289654400000", unit: .milliseconds)
            == "implausible_timestamp: field 'ts': timestamp 7289654400000 is implausible for unit milliseconds (year 2201)")
        // Before 1990 and no unit fits: epoch-relative times (test streams from 0) pass.
        #expect(Self.milliseconds("0", unit: .milliseconds) == 0)
        #expect(Self.milliseconds("631151999999", unit: .milliseconds) == 631_151_999_999)
        #expect(Self.milliseconds("-5", unit: .seconds) == -5000)
    }

    @Test func nonFiniteTimesStayInvalidRatherThanImplausible() {
        #expect(Self.rejection("1e300", unit: .milliseconds)?.hasPrefix("invalid_timestamp: ") == true)
    }
}
