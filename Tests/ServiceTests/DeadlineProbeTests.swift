import Dispatch
import Testing
@testable import Service

/// ``DeadlineProbe``: a check that answers in time gives its answer; one that hangs gives
/// `nil` at its deadline and is not started again until it returns.
@Suite struct DeadlineProbeTests {
    @Test func anAnswerInTimeIsReturned() async {
        let probe = DeadlineProbe<Int>()
        #expect(await probe.run(within: .seconds(10)) { 42 } == 42)
        #expect(await probe.run(within: .seconds(10)) { 43 } == 43, "a finished check does not block the next")
    }

    @Test func aHungCheckFailsAtItsDeadlineAndIsNotStartedTwice() async throws {
        let probe = DeadlineProbe<Bool>()
        let release = DispatchSemaphore(value: 0)
        let starts = Protected(0)
        let hung: @Sendable () -> Bool = {
            starts.withLock { $0 += 1 }
            release.wait()
            return true
        }
        let started = ContinuousClock.now
        #expect(await probe.run(within: .milliseconds(200), hung) == nil, "a check still blocked at its deadline is a failed check")
        #expect(ContinuousClock.now - started < .seconds(5), "the caller is answered at the deadline, not when the check returns")
        #expect(await probe.run(within: .seconds(10), hung) == nil, "while the first is blocked, no second check starts")
        #expect(starts.current == 1)

        release.signal()
        // Once the hung check returns, checks run again.
        var answer: Bool?
        for _ in 0..<100 where answer == nil {
            answer = await probe.run(within: .seconds(10)) { true }
            if answer == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(answer == true)
        #expect(starts.current == 1)
    }
}
