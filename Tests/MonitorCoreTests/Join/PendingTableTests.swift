import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore

/// The label join's table against a plain model (a dictionary and a queue of ids): the
/// same entries found by id, in the same order, through index growth, arena compaction
/// and backward-shift removals. The third run's sequence numbers cross 2⁴⁰, where the
/// index slots' 40-bit sequence field wraps.
@Suite struct PendingTableTests {
    @Test(arguments: [(1, 0), (2, 0), (3, (1 << 40) - 20_000)] as [(UInt64, Int)])
    func behavesLikeADictionaryWithAQueue(seed: UInt64, firstSequence: Int) {
        var random = RandomSource(seed: seed)
        var table = PendingTable<Int>(firstSequence: firstSequence)
        var model: [String: (timestamp: Int64, payload: Int)] = [:]
        var order = ArraySlice<String>()
        var next = 0
        for step in 0..<60_000 {
            // Bursts of appends, then of removals, so the table grows and shrinks several times.
            let appending = (step / 5_000) % 3 != 2 ? random.next() % 4 != 0 : random.next() % 4 == 0
            if appending {
                // Ids of many lengths (empty, short, long, multi-byte), some looked up before they exist.
                let id = String(repeating: "é", count: Int(random.next() % 3)) + "id-\(next)" + String(repeating: "x", count: Int(random.next() % 40))
                next += 1
                #expect(table.find(id) == nil)
                table.append(id: id, hash: PendingTable<Int>.hash(id), timestamp: Int64(step), payload: step, isLabelled: step % 7 == 0)
                model[id] = (Int64(step), step)
                order.append(id)
            } else if let expected = order.popFirst() {
                #expect(table.first.map { entry in table.withID(of: entry) { String(decoding: $0, as: UTF8.self) } } == expected)
                let removed = table.removeFirst()
                #expect(removed?.payload == model[expected]?.payload && removed?.timestamp == model[expected]?.timestamp)
                model[expected] = nil
                #expect(table.find(expected) == nil)
            }
            if step % 997 == 0 {
                // Every live id is found at its place in arrival order, with its entry.
                #expect(table.count == order.count)
                for (index, id) in order.enumerated() {
                    let sequence = table.find(id)
                    #expect(sequence == table.firstSequence + index)
                    if let sequence { #expect(table[sequence].payload == model[id]?.payload) }
                }
            }
        }
        #expect(next > 30_000 && table.count == order.count)
        #expect(table.endSequence == firstSequence + next)
    }

    @Test func sequenceNumbersContinueAndLabelsMark() {
        var table = PendingTable<String>(firstSequence: 10)
        table.append(id: "a", hash: PendingTable<String>.hash("a"), timestamp: 1, payload: "A", isLabelled: false)
        table.append(id: "b", hash: PendingTable<String>.hash("b"), timestamp: 2, payload: "B", isLabelled: false)
        #expect(table.find("b") == 11 && table.endSequence == 12)
        table.markLabelled(11)
        #expect(table[11].isLabelled && !table[10].isLabelled)
        #expect(table.removeFirst()?.payload == "A" && table.firstSequence == 11)
        #expect(table.find("a") == nil && table.find("b") == 11)
        // The same id may come back once it has left.
        table.append(id: "a", hash: PendingTable<String>.hash("a"), timestamp: 3, payload: "A2", isLabelled: false)
        #expect(table.find("a") == 12)
    }
}
