import DequeModule
import Kafka

/// A record the alignment orders: where it comes from and its event time.
protocol AlignableRecord {
    var topicPartition: TopicPartition { get }
    /// The event time it is ordered by; `nil` (a message that cannot be decoded): it is
    /// taken as soon as it is at the head of its partition, as replay dead-letters a bad
    /// line as soon as it reads it.
    var alignmentTime: Int64? { get }
}

/// Event-time alignment of the input partitions of each task (Kafka Streams'
/// `max.task.idle.ms`): a task (all input partitions with one partition number, which
/// feed one engine) always processes the buffered record with the lowest event time among
/// its partitions' heads, ties going to the input topic listed first — the order in which
/// `replay` merges its inputs. When one of the task's partitions has nothing buffered and
/// has not reached its end (the consumer's `partitionEnd`), the task waits for it up to
/// `maxTaskIdle` of wall time, then processes the others anyway: *enforced processing*,
/// counted per record (it may be out of event-time order).
///
/// Memory: a partition buffering more than `pauseAbove` records is reported by
/// ``pauseChanges()`` to be paused (fetching stops) and resumed below half of it, so a
/// partition holds at most `pauseAbove` plus what was already fetched when it was paused
/// (the consumer's bounded event buffer).
struct TaskAlignment<Record: AlignableRecord> {
    /// Input topics in tie-break order.
    let inputTopics: [String]
    let maxTaskIdle: Duration
    let pauseAbove: Int
    private var partitions: [TopicPartition: InputPartition] = [:]
    /// Tasks waiting for an empty partition, since when.
    private var waiting: [Int32: ContinuousClock.Instant] = [:]
    /// Records processed while a partition of their task was empty past `maxTaskIdle`.
    private(set) var enforcedProcessing = 0

    private struct InputPartition {
        var records = Deque<Record>()
        var fetch = Fetch.fetching
        var isPaused = false
    }

    /// Whether a partition may still have records the consumer has not handed over.
    enum Fetch {
        /// More may be in the log (nothing says otherwise): an empty buffer is waited for.
        case fetching
        /// Everything in the log was handed over: an empty buffer is not waited for.
        case atEnd
    }

    init(inputTopics: [String], maxTaskIdle: Duration, pauseAbove: Int = 8192) {
        self.inputTopics = inputTopics
        self.maxTaskIdle = maxTaskIdle
        self.pauseAbove = max(1, pauseAbove)
    }

    /// Records buffered, not yet handed out.
    var buffered: Int { partitions.values.reduce(0) { $0 + $1.records.count } }

    /// Partitions now assigned (their state starts afresh: nothing buffered, not paused).
    mutating func assign(_ assigned: [TopicPartition]) {
        for partition in assigned where inputTopics.contains(partition.topic) { partitions[partition] = InputPartition() }
    }

    /// Partitions leaving: returns how many buffered records of theirs are let go (they
    /// were not processed, so their offsets are not stored: whoever takes the partitions
    /// reads them again) and which of them are paused (to resume before they go).
    mutating func revoke(_ revoked: [TopicPartition]) -> (released: Int, paused: [TopicPartition]) {
        var released = 0
        var paused: [TopicPartition] = []
        for partition in revoked {
            guard let state = partitions.removeValue(forKey: partition) else { continue }
            released += state.records.count
            if state.isPaused { paused.append(partition) }
            waiting[partition.partition] = nil
        }
        return (released, paused)
    }

    /// Buffers fetched records (a batch holds runs of a few partitions: one lookup per run).
    mutating func append(_ records: [Record]) {
        var start = 0
        while start < records.count {
            let partition = records[start].topicPartition
            var end = start + 1
            while end < records.count, records[end].topicPartition == partition { end += 1 }
            partitions[partition, default: InputPartition()].records.append(contentsOf: records[start..<end])
            partitions[partition]!.fetch = .fetching
            start = end
        }
    }

    /// The consumer read everything `partition` held.
    mutating func reachedEnd(_ partition: TopicPartition) {
        partitions[partition]?.fetch = .atEnd
    }

    /// Every record that can be processed now, task by task (ascending partition number),
    /// in processing order within each task.
    mutating func takeReady(now: ContinuousClock.Instant) -> [Record] {
        var ready: [Record] = []
        let byTask = Dictionary(grouping: partitions.keys, by: \.partition)
        for task in byTask.keys.sorted() {
            let inputs = byTask[task]!.sorted { tieOrder($0) < tieOrder($1) }
            if inputs.count == 1 {  // one input partition: its own order, nothing to align (no decoding wait)
                ready.append(contentsOf: partitions[inputs[0]]!.records)
                partitions[inputs[0]]!.records.removeAll()
                continue
            }
            while let next = choose(inputs, task: task, now: now) {
                ready.append(partitions[next]!.records.removeFirst())
            }
        }
        return ready
    }

    /// The partition a task takes its next record from, or `nil` while it has nothing or waits.
    private mutating func choose(_ inputs: [TopicPartition], task: Int32, now: ContinuousClock.Instant) -> TopicPartition? {
        var earliest: (partition: TopicPartition, time: Int64)?
        var waitsForEmpty = false
        for input in inputs {
            let state = partitions[input]!
            guard let head = state.records.first else {
                if case .fetching = state.fetch { waitsForEmpty = true }
                continue
            }
            guard let time = head.alignmentTime else { return input }  // undecodable: no time to order by
            if earliest == nil || time < earliest!.time { earliest = (input, time) }
        }
        guard let earliest else {
            waiting[task] = nil
            return nil
        }
        guard waitsForEmpty else {
            waiting[task] = nil
            return earliest.partition
        }
        let since = waiting[task] ?? now
        waiting[task] = since
        guard now - since >= maxTaskIdle else { return nil }
        enforcedProcessing += 1
        return earliest.partition
    }

    /// When a waiting task stops waiting (the pipeline looks again then), if any waits.
    var nextDeadline: ContinuousClock.Instant? {
        waiting.values.min().map { $0 + maxTaskIdle }
    }

    /// Partitions to pause (over `pauseAbove` buffered) and to resume (paused, under half of it).
    mutating func pauseChanges() -> (pause: [TopicPartition], resume: [TopicPartition]) {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        for (partition, state) in partitions {
            if !state.isPaused, state.records.count > pauseAbove {
                pause.append(partition)
                partitions[partition]!.isPaused = true
            } else if state.isPaused, state.records.count <= pauseAbove / 2 {
                resume.append(partition)
                partitions[partition]!.isPaused = false
            }
        }
        return (pause.sorted(by: { tieOrder($0) < tieOrder($1) }), resume.sorted(by: { tieOrder($0) < tieOrder($1) }))
    }

    var pausedCount: Int { partitions.values.filter(\.isPaused).count }

    private func tieOrder(_ partition: TopicPartition) -> (Int32, Int) {
        (partition.partition, inputTopics.firstIndex(of: partition.topic) ?? inputTopics.count)
    }
}
