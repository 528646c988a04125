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
