import Foundation

/// A bounded, ordered hand-off from the consumer's poll thread to one async reader.
///
/// The poll thread blocks in `push` while the buffer is full (back-pressure reaches
/// librdkafka, whose fetch queue then fills and fetching pauses). A pushed event
/// can also require *acknowledgement*: `push` then waits until the reader asks for
/// the following event, i.e. has finished handling this one. Rebalance events use
/// this so the caller acts on partitions before they change hands.
final class EventBuffer<Event: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var events: [Event] = []
    private var head = 0
    private var reader: Reader?
    private var nextReaderID: UInt64 = 0
    private var pushedCount: UInt64 = 0
    private var handedOutCount: UInt64 = 0
    /// Events the reader has finished with: all those handed out before its latest request.
    private var acknowledgedCount: UInt64 = 0
    private var isFinished = false
    private var finishError: (any Error)?

    /// The suspended `next` call, with the task that ends it on timeout (cancelled
    /// when an event arrives first, so idle timers do not pile up).
    private struct Reader {
        var id: UInt64
        var continuation: CheckedContinuation<Event?, any Error>
        var timeout: Task<Void, Never>?

        func resume(with result: Result<Event?, any Error>) {
            timeout?.cancel()
            continuation.resume(with: result)
        }
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private var bufferedCount: Int { events.count - head }

    // MARK: Poll-thread side

    /// Appends `event`, waiting while the buffer is full. Returns `false` (dropping
    /// the event) once the buffer is finished.
    @discardableResult
    func push(_ event: Event, waitForAcknowledgement: Bool = false) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while bufferedCount >= capacity && !isFinished { condition.wait() }
        guard !isFinished else { return false }
        let sequence = pushedCount
        pushedCount += 1
        if let waiting = reader {
            reader = nil
            handedOutCount += 1
            waiting.resume(with: .success(event))
        } else {
            if head > 64 && head * 2 > events.count {  // compact occasionally, not per pop
                events.removeFirst(head)
                head = 0
            }
            events.append(event)
        }
        if waitForAcknowledgement {
            while acknowledgedCount <= sequence && !isFinished { condition.wait() }
        }
        return true
    }

    /// Ends the sequence: the reader gets the buffered events, then `nil` (or `error`).
    /// Unblocks a waiting `push`. Idempotent; the first error wins.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !isFinished else { return }
        isFinished = true
        finishError = error
        condition.broadcast()
        if let waiting = reader, bufferedCount == 0 {
            reader = nil
            waiting.resume(with: finishedResult)
        }
    }

    var finished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isFinished
    }

    // MARK: Reader side

    /// The next event; `nil` when finished, or when `timeout` passes first.
    /// Asking for the next event acknowledges every event handed out before.
    func next(timeout: Duration? = nil) async throws -> Event? {
        let id: UInt64 = condition.withLock {
            nextReaderID += 1
            return nextReaderID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                defer { condition.unlock() }
                acknowledgedCount = handedOutCount
                condition.broadcast()
                if bufferedCount > 0 {
                    let event = events[head]
                    head += 1
                    handedOutCount += 1
                    continuation.resume(returning: event)
                } else if isFinished {
                    continuation.resume(with: finishedResult)
                } else if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else if reader != nil {
                    continuation.resume(throwing: KafkaError(code: .state, message: "only one task may read a consumer's events at a time"))
                } else {
                    reader = Reader(id: id, continuation: continuation,
                                    timeout: timeout.map { scheduleTimeout(for: id, after: $0) })
                }
            }
        } onCancel: {
            resumeReader(id: id, with: .failure(CancellationError()))
        }
    }

    private func scheduleTimeout(for id: UInt64, after timeout: Duration) -> Task<Void, Never> {
        Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }  // cancelled: an event came
            resumeReader(id: id, with: .success(nil))
        }
    }

    /// Resumes the waiting reader if it is still request `id`.
    private func resumeReader(id: UInt64, with result: Result<Event?, any Error>) {
        condition.lock()
        defer { condition.unlock() }
        guard let waiting = reader, waiting.id == id else { return }
        reader = nil
        waiting.resume(with: result)
    }

    private var finishedResult: Result<Event?, any Error> {
        if let finishError { .failure(finishError) } else { .success(nil) }
    }
}
