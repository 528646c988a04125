import Foundation
@testable import Service
import Testing

/// The thread's CPU clock counts what the thread computes, not the time it waits.
@Suite struct ThreadCPUTimeTests {
    @Test func countsComputingNotWaiting() {
        let clock = ContinuousClock()
        var started = ThreadCPUTime.now()
        Thread.sleep(forTimeInterval: 0.2)
        let whileSleeping = ThreadCPUTime.now() - started
        #expect(whileSleeping < .milliseconds(50), "\(whileSleeping) of CPU while asleep for 200 ms")

        started = ThreadCPUTime.now()
        let wallStart = clock.now
        var state: UInt64 = 1
        while clock.now - wallStart < .milliseconds(200) {
            for _ in 0..<1_000 { state = state &* 6_364_136_223_846_793_005 &+ 1 }
        }
        let whileComputing = ThreadCPUTime.now() - started
        let wall = clock.now - wallStart
        // Some of the wall time may go to other processes; never more CPU than wall time.
        #expect(whileComputing > .milliseconds(40) && whileComputing <= wall + .milliseconds(10),
                "\(whileComputing) of CPU in \(wall) of computing (\(state))")
    }
}
