import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct FeatureLayoutTests {
    /// A value's code is its position in the attribute's values whether it is found by
    /// comparing (few values) or through the dictionary (more), and the cap still sends
    /// newcomers to `(other)`, counted.
    @Test func segmentCodesAreStableAcrossTheComparedValuesLimit() {
        let codes = SegmentCodes(maximumAttributes: 2, maximumValuesPerAttribute: 30)
        let values = (0..<40).map { "region-\($0)" }
        var first: [UInt64] = []
        for value in values { first.append(codes.encode([SegmentAttribute("region", value)])) }
        // The first 30 values get codes 2...31 in order of appearance, the rest (other).
        let expected: [UInt64] = (0..<40).map { (position: Int) -> UInt64 in position < 30 ? UInt64(position + 2) : 1 }
        #expect(first == expected)
        #expect(codes.overflowCount == 10)
        // Looked up again (now past the compared limit for every value): the same codes,
        // and the overflowing values counted again.
        for (value, code) in zip(values, first) {
            #expect(codes.encode([SegmentAttribute("region", value)]) == code)
        }
        #expect(codes.overflowCount == 20)
        #expect(codes.value(of: first[13], attribute: 0) == "region-13")
        // The reserved values keep their codes on the compared path too.
        let other = SegmentCodes(maximumAttributes: 1, maximumValuesPerAttribute: 4)
        #expect(other.encode([SegmentAttribute("a", SegmentCodes.other)]) == 1)
        #expect(other.encode([SegmentAttribute("a", SegmentCodes.missing)]) == 0)
        #expect(other.encode([SegmentAttribute("a", "x")]) == 2)
    }
}
