import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct RuleDurationTests {
    @Test(arguments: [
        ("30s", Int64(30_000)), ("5m", 300_000), ("1h", 3_600_000), ("1d", 86_400_000), ("1w", 604_800_000),
        ("1h30m", 5_400_000), ("2d12h", 216_000_000), ("1s500ms", 1_500), ("0s", 0),
    ])
    func parses(text: String, milliseconds: Int64) throws {
        #expect(try RuleDuration.milliseconds(text) == milliseconds)
        #expect(try RuleDuration.milliseconds(RuleDuration.format(milliseconds: milliseconds)) == milliseconds)
    }

    @Test(arguments: [
        ("", 0, "empty duration"), ("10", 2, "missing unit after 10"), ("1x", 1, "unknown unit 'x'"),
        ("h", 0, "expected a number at 'h'"), ("30m1h", 4, "units must go from largest to smallest, each at most once"),
        ("1h1h", 3, "units must go from largest to smallest, each at most once"),
        ("99999999999999999999s", 0, "duration too long"), ("9999999999999w", 0, "duration too long"),
    ])
    func rejects(text: String, offset: Int, message: String) {
        do {
            let value = try RuleDuration.milliseconds(text)
            Issue.record("'\(text)' parsed as \(value)")
        } catch {
            #expect(error.offset == offset)
            #expect(error.message == message)
        }
    }

    @Test func formatsCanonically() {
        #expect(RuleDuration.format(milliseconds: 5_400_000) == "1h30m")
        #expect(RuleDuration.format(milliseconds: 0) == "0s")
        #expect(RuleDuration.format(milliseconds: 691_200_001) == "1w1d1ms")
    }
}
