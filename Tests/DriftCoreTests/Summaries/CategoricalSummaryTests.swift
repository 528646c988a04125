import Foundation
import Testing
@testable import DriftCore

@Suite struct CategoricalSummaryTests {
    static let values: [String?] = (0..<3000).map { index in
        index % 37 == 0 ? nil : "category-\((index * 7919) % 113)"
    }

    static func summarise(_ values: some Sequence<String?>, capacity: Int = 1000) -> CategoricalSummary {
        var summary = CategoricalSummary(capacity: capacity)
        for value in values { summary.update(value) }
        return summary
    }

    @Test func countsExactlyUnderTheCap() {
        let summary = Self.summarise(Self.values)
        var expected: [String: Int] = [:]
        for case let value? in Self.values { expected[value, default: 0] += 1 }
        #expect(summary.counts == expected)
        #expect(summary.missingCount == Self.values.filter { $0 == nil }.count)
        #expect(summary.overflowCount == 0)
    }

    @Test(arguments: [0, 1, 1500, 3000])
    func mergeOfSplitEqualsWhole(split: Int) {
        let whole = Self.summarise(Self.values)
        let merged = Self.summarise(Self.values[..<split]).merged(with: Self.summarise(Self.values[split...]))
        #expect(merged == whole)
    }

    @Test func capSendsNewCategoriesToOtherAndConservesTotals() {
        let summary = Self.summarise(Self.values, capacity: 10)
        #expect(summary.counts.count == 10)
        #expect(summary.totalCount == Self.values.count)
        #expect(summary.overflowCount == summary.presentCount - summary.counts.values.reduce(0, +))
        #expect(summary.overflowCount > 0)
        let merged = Self.summarise(Self.values[..<1000], capacity: 10).merged(with: Self.summarise(Self.values[1000...], capacity: 10))
        #expect(merged.counts.count == 10)
        #expect(merged.totalCount == Self.values.count)
        #expect(merged.missingCount == summary.missingCount)
    }

    /// Merging two capped summaries must not depend on Dictionary iteration order (which
    /// differs between dictionaries and between processes): the same contents, built in
    /// many insertion orders, merge to one result, the most frequent newcomers first.
    @Test func aMergeOverTheCapIsTheSameWhateverTheHashOrder() {
        let held = Self.summarise((0..<8).map { "held-\($0)" }, capacity: 11)
        // Newcomers n0…n29 with counts 1…30 (n29 most frequent); three slots are free.
        let newcomers = (0..<30).flatMap { index in Array(repeating: "n\(index)", count: index + 1) }
        var results: Set<[String: Int]> = []
        var overflow: Set<Int> = []
        for seed in 0..<40 {
            var generator = SplitMix(seed: UInt64(seed))
            let other = Self.summarise(newcomers.shuffled(using: &generator), capacity: 100)
            var merged = held
            merged.merge(other)
            results.insert(merged.counts)
            overflow.insert(merged.overflowCount)
        }
        #expect(results.count == 1)
        #expect(results.first?.keys.sorted() == ((0..<8).map { "held-\($0)" } + ["n27", "n28", "n29"]).sorted())
        #expect(overflow == [(1...27).reduce(0, +)])

        // Equal counts: the category that sorts first wins the slot.
        var tie = Self.summarise(["a"], capacity: 2)
        tie.merge(Self.summarise(["d", "c", "b"], capacity: 10))
        #expect(tie.counts == ["a": 1, "b": 1] && tie.overflowCount == 2)
    }

    /// A small seeded generator for shuffles.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func booleansAreCategories() {
        var summary = CategoricalSummary()
        summary.update(true)
        summary.update(false)
        summary.update(true)
        #expect(summary.counts == ["true": 2, "false": 1])
    }

    @Test func binaryAndJSONRoundTripsAreExact() throws {
        let summary = Self.summarise(Self.values, capacity: 50)
        let bytes = VersionedBlob.encode(summary, kind: "categorical-summary", version: 1)
        #expect(try VersionedBlob.decode(CategoricalSummary.self, from: bytes, kind: "categorical-summary", newestVersion: 1) == summary)
        let json = try JSONEncoder().encode(summary)
        #expect(try JSONDecoder().decode(CategoricalSummary.self, from: json) == summary)
    }

    @Test func truncatedOrInconsistentInputIsAnError() throws {
        let bytes = VersionedBlob.encode(Self.summarise(Self.values.prefix(200)), kind: "categorical-summary", version: 1)
        for length in 0..<bytes.count {
            #expect(throws: SerializationError.self) {
                try VersionedBlob.decode(CategoricalSummary.self, from: Array(bytes[..<length]), kind: "categorical-summary", newestVersion: 1)
            }
        }
        let overCap = Data(#"{"capacity":1,"counts":{"a":1,"b":2},"overflowCount":0,"missingCount":0}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CategoricalSummary.self, from: overCap) }
    }
}
