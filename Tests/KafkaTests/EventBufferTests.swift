import Foundation
import Testing
@testable import Kafka

@Suite(.timeLimit(.minutes(1))) struct EventBufferTests {
    /// A full buffer blocks the pushing thread until the reader takes an event.
    @Test func pushWaitsWhileFull() async throws {
        let buffer = EventBuffer<Int>(capacity: 2)
        let pushed = Locked(0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            for value in 0..<3 {
                buffer.push(value)
                pushed.withLock { $0 += 1 }
            }
            done.signal()
        }.start()
        try await waitUntil { pushed.current == 2 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(pushed.current == 2, "the third push must wait for room")
        #expect(try await buffer.next() == 0)
        try await waitUntil { pushed.current == 3 }
        #expect(try await buffer.next() == 1)
        #expect(try await buffer.next() == 2)
        done.wait()
    }

    /// An acknowledged push returns only after the reader asked for the next event.
    @Test func acknowledgedPushWaitsForTheNextRequest() async throws {
        let buffer = EventBuffer<Int>(capacity: 4)
        let returned = Locked(false)
        Thread {
            buffer.push(7, waitForAcknowledgement: true)
            returned.withLock { $0 = true }
        }.start()
        #expect(try await buffer.next() == 7)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!returned.current, "the reader has not finished with the event yet")
        #expect(try await buffer.next(timeout: .milliseconds(50)) == nil)  // asking again acknowledges
        try await waitUntil { returned.current }
    }

    @Test func finishDeliversBufferedEventsThenEndsOrThrows() async throws {
        let buffer = EventBuffer<Int>(capacity: 4)
        buffer.push(1)
        buffer.finish()
        #expect(!buffer.push(2))
        #expect(try await buffer.next() == 1)
        #expect(try await buffer.next() == nil)

        let failing = EventBuffer<Int>(capacity: 4)
        failing.finish(throwing: KafkaError(code: .fatal))
        await #expect(throws: KafkaError.self) { try await failing.next() }
    }

    @Test func timeoutReturnsNilAndLaterEventsStillArrive() async throws {
        let buffer = EventBuffer<Int>(capacity: 4)
        #expect(try await buffer.next(timeout: .milliseconds(20)) == nil)
        buffer.push(5)
        #expect(try await buffer.next(timeout: .seconds(5)) == 5)
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("condition not reached in 5 s"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
