import Testing
@testable import DriftCore

@Suite struct ExtremeValuesTests {
    static let values: [Double] = (0..<10_000).map { index in
        let x = Double((index * 7_919) % 10_007) / 10_007
        return (x - 0.5) / (1.0001 - x)  // heavy right tail
    }

    @Test func tailsBeyondEdgesAreExactWhenCovered() throws {
        var extremes = ExtremeValues(capacity: 100)
        for value in Self.values { extremes.update(value) }
        let sorted = Self.values.sorted()
        let upperEdge = sorted[sorted.count - 60]
        #expect(try #require(extremes.values(above: upperEdge)) == sorted.filter { $0 > upperEdge })
        let lowerEdge = sorted[50]
        #expect(try #require(extremes.values(atOrBelow: lowerEdge)) == sorted.filter { $0 <= lowerEdge })
    }

    @Test func tailsLargerThanCapacityAreUnknown() {
        var extremes = ExtremeValues(capacity: 100)
        for value in Self.values { extremes.update(value) }
        let sorted = Self.values.sorted()
        #expect(extremes.values(above: sorted[sorted.count - 500]) == nil)
        #expect(extremes.values(atOrBelow: sorted[500]) == nil)
    }

    @Test func smallStreamsAreKeptWhole() {
        var extremes = ExtremeValues(capacity: 100)
        for value in [3.0, 1, 2, .nan, 2] { extremes.update(value) }
        #expect(extremes.count == 4)
        #expect(extremes.values(above: 1.5) == [2, 2, 3])
        #expect(extremes.values(atOrBelow: 2) == [1, 2, 2])
    }
}
