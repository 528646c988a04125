import Dispatch
import MonitorCore

/// A batch's messages grouped by shard, each group taken through its shard's engine on a
/// thread of its own, so a member holding several shards is not confined to one core (as
/// Kafka Streams' `num.stream.threads` spreads tasks over threads). Shards share no mutable
/// state — an engine is its shard's alone, decoded events are read-only — so what each
/// engine computes, and emits, is what it would compute alone; only the wall time changes.
///
/// Cost: the grouping is O(messages) with a linear search over the batch's shards (a
/// batch holds a few). One shard runs inline, several through `concurrentPerform`
/// (libdispatch's width: the cores).
struct ShardSteps {
    /// What processing one message came to.
    struct Outcome {
        /// Why the decoder rejected it (then the engine counted it, and it is dead-lettered); nil: monitored.
        var rejection: EventRejection?
        /// Whether the engine emitted outputs at it (it closed a window).
        var emitted = false
    }

    /// `@unchecked`: its engine is not `Sendable`, and only the group's own thread touches it during ``run(_:)``.
    private struct Group: @unchecked Sendable {
        let shard: Int32
        let engine: MonitorEngine
        var indices: [Int] = []
    }

    private var groups: [Group] = []

    /// The shards of the batch, in the order of their first message (outputs are drained in this order).
    var shards: [Int32] { groups.map(\.shard) }

    /// Adds the batch's message at `index` to its shard's group (`engine` gives the shard's engine, asked once per shard).
    mutating func add(_ index: Int, shard: Int32, engine: () -> MonitorEngine) {
        if let group = groups.firstIndex(where: { $0.shard == shard }) {
            groups[group].indices.append(index)
        } else {
            groups.append(Group(shard: shard, engine: engine(), indices: [index]))
        }
    }

    /// Takes every group through its engine, the groups side by side; returns each
    /// message's outcome, in batch order, and the CPU time the groups' threads spent on
    /// them (summed over the groups).
    func run(_ fetched: [FetchedMessage]) -> (outcomes: [Outcome], cpu: Duration) {
        var outcomes = [Outcome](repeating: Outcome(), count: fetched.count)
        var cpu = [Duration](repeating: .zero, count: groups.count)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            cpu.withUnsafeMutableBufferPointer { cpu in
                // Each group writes only its own messages' outcomes and its own CPU time.
                let results = UnsafeOutcomes(buffer: buffer, cpu: cpu)
                if groups.count == 1 {
                    Self.process(groups[0], at: 0, fetched, into: results)
                } else {
                    let groups = self.groups
                    DispatchQueue.concurrentPerform(iterations: groups.count) { Self.process(groups[$0], at: $0, fetched, into: results) }
                }
            }
        }
        return (outcomes, cpu.reduce(.zero, +))
    }

    private static func process(_ group: Group, at position: Int, _ fetched: [FetchedMessage], into results: UnsafeOutcomes) {
        let started = ThreadCPUTime.now()
        defer { results.cpu[position] = ThreadCPUTime.now() - started }
        let engine = group.engine
        for index in group.indices {
            let pending = engine.pendingOutputCount
            var outcome = Outcome()
            fetched[index].withDecoded { decoded in
                switch decoded {
                case let .success(event): engine.process(event)
                case let .failure(reason):
                    engine.reject(reason)
                    outcome.rejection = reason
                }
            }
            outcome.emitted = engine.pendingOutputCount > pending
            results.buffer[index] = outcome
        }
    }
}

/// The outcomes' and CPU times' storage, written by the groups at disjoint indices (hence `@unchecked`).
private struct UnsafeOutcomes: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<ShardSteps.Outcome>
    let cpu: UnsafeMutableBufferPointer<Duration>
}
