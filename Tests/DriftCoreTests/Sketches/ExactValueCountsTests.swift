import Testing
@testable import DriftCore

@Suite struct ExactValueCountsTests {
    @Test func countsDistinctValuesUntilTheCapacity() {
        var counts = ExactValueCounts(capacity: 3)
        for value in [2.0, -0.0, 2, 0, 7.5, .nan, .infinity] { counts.update(value) }
        let sorted = counts.sortedCounts
        #expect(sorted?.values == [0, 2, 7.5] && sorted?.counts == [2, 2, 1] && sorted?.totalCount == 5)
        counts.update(9)
        #expect(counts.isOverflowed && counts.sortedCounts == nil)
        counts.update(2)
        #expect(counts.isOverflowed && counts.sortedCounts == nil)
    }

    /// numpy's linear quantile from counts equals it on the expanded data, bit for bit.
    @Test func quantilesMatchTheExpandedData() {
        let sorted = SortedValueCounts(values: [-3, 0.1, 4, 10], counts: [1, 7, 2, 5])
        let expanded = zip(sorted.values, sorted.counts).flatMap { Array(repeating: $0, count: $1) }
        #expect((0..<expanded.count).map(sorted.orderStatistic) == expanded)
        for q in stride(from: 0.0, through: 1.0, by: 0.01) {
            #expect(sorted.quantile(q) == LinearQuantile.quantile(sorted: expanded, q), "q = \(q)")
        }
        #expect(SortedValueCounts(values: [], counts: []).quantile(0.5) == nil)
    }
}
