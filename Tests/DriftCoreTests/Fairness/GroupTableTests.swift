import Testing
@testable import DriftCore

/// Groups are found by a scan of their keys up to ``GroupTable/linearSearchLimit`` and
/// through an index beyond it; either way a table holds what a dictionary of the same rows
/// holds, and its equality, merges and encoding do not depend on the order groups arrived in.
@Suite struct GroupTableTests {
    typealias Counts = GroupAccuracySummary.Counts

    private static func table(_ rows: [(group: String, correct: Bool)], maximumGroups: Int = 1000) throws -> GroupTable<Counts> {
        var table = try GroupTable<Counts>(attributes: ["segment"], maximumGroups: maximumGroups)
        for row in rows {
            let one = Counts(rows: 1, correct: row.correct ? 1 : 0)
            table.record(rows: 1, in: FairnessGroupKey([row.group]), new: { one }) { $0.merge(one) }
        }
        return table
    }

    /// What the table should hold, counted with a dictionary.
    private static func expected(_ rows: [(group: String, correct: Bool)]) -> [FairnessGroupKey: Counts] {
        var counts: [FairnessGroupKey: Counts] = [:]
        for row in rows { counts[FairnessGroupKey([row.group]), default: Counts()].merge(Counts(rows: 1, correct: row.correct ? 1 : 0)) }
        return counts
    }

    @Test(arguments: [1, 8, 9, 40])
    func aTableHoldsWhatADictionaryCounts(groups: Int) throws {
        #expect(GroupTable<Counts>.linearSearchLimit == 8, "the arguments straddle the limit")
        let rows = (0..<2_000).map { (group: "g\(($0 * 7) % groups)", correct: $0 % 3 != 0) }
        let table = try Self.table(rows)
        #expect(table.groups == Self.expected(rows))
        // The same rows in another order: an equal table, the same bytes.
        let reversed = try Self.table(rows.reversed())
        #expect(reversed == table)
        var written = BinaryWriter()
        var reversedWritten = BinaryWriter()
        table.encode(to: &written)
        reversed.encode(to: &reversedWritten)
        #expect(written.bytes == reversedWritten.bytes)
        var reader = BinaryReader(written.bytes)
        #expect(try GroupTable<Counts>(from: &reader) == table)
    }

    @Test func mergesAcrossTheLimitEqualOneTableOfAllRows() throws {
        let rows = (0..<600).map { (group: "g\($0 % 13)", correct: $0 % 4 == 0) }
        // The first part holds 6 groups, so the merge crosses the limit as the rest's 7 arrive.
        let index = { (row: (group: String, correct: Bool)) in Int(row.group.dropFirst())! }
        var merged = try Self.table(rows.filter { index($0) < 6 })
        #expect(merged.groups.count == 6)
        let rest = rows.filter { index($0) >= 6 }
        try merged.merge(try Self.table(rest))
        #expect(merged == (try Self.table(rows)))
        #expect(merged.groups.count == 13)
    }

    @Test func groupsPastTheCapAreOverflowAndAWrongKeyIsRejected() throws {
        var table = try Self.table((0..<100).map { (group: "g\($0 % 12)", correct: true) }, maximumGroups: 10)
        #expect(table.groups.count == 10)
        #expect(table.overflowCount == 8 + 8, "g10 and g11 rows (8 and 8 of 100) overflow")
        table.record(rows: 3, in: FairnessGroupKey(["a", "b"]), new: { Counts(rows: 3) }) { $0.rows += 3 }
        #expect(table.rejectedCount == 3)
        // A duplicate group in the bytes is an error, also past the limit.
        var writer = BinaryWriter()
        table.encodeHeader(to: &writer)
        writer.writeVarint(0)
        writer.writeVarint(0)
        writer.writeCount(10)
        for index in [0, 1, 2, 3, 4, 5, 6, 7, 8, 0] {
            writer.write("g\(index)")
            Counts(rows: 1, correct: 1).encode(to: &writer)
        }
        var reader = BinaryReader(writer.bytes)
        #expect(throws: SerializationError.self) { try GroupTable<Counts>(from: &reader) }
    }
}
