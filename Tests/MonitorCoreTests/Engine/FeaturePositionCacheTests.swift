import Testing
@testable import MonitorCore

/// The cache answers what the lookup answers, and looks up only where the feature order changed.
@Suite struct FeaturePositionCacheTests {
    @Test func looksUpOnlyWhereTheOrderChanged() {
        var cache = FeaturePositionCache<Int>()
        var lookups: [String] = []
        func values(_ names: [String]) -> [Int] {
            names.enumerated().map { position, name in
                cache.value(of: name, at: position) { name in
                    lookups.append(name)
                    return name.utf8.count
                }
            }
        }
        #expect(values(["a", "bb", "ccc"]) == [1, 2, 3])
        #expect(lookups == ["a", "bb", "ccc"])
        lookups = []
        #expect(values(["a", "bb", "ccc"]) == [1, 2, 3])
        #expect(lookups.isEmpty, "the same order: no lookup")
        #expect(values(["bb", "a", "ccc", "dddd"]) == [2, 1, 3, 4])
        #expect(lookups == ["bb", "a", "dddd"], "only the positions whose name changed, and the new one")
        lookups = []
        #expect(values(["a"]) == [1])
        #expect(lookups == ["a"])
    }

    @Test func positionsPastTheCapAreAlwaysLookedUp() {
        var cache = FeaturePositionCache<Int?>()
        let count = FeaturePositionCache<Int?>.maximumPositions + 3
        var lookups = 0
        for _ in 0..<2 {
            for position in 0..<count {
                let value = cache.value(of: "f\(position)", at: position) { _ in
                    lookups += 1
                    return position.isMultiple(of: 2) ? position : nil
                }
                #expect(value == (position.isMultiple(of: 2) ? position : nil))
            }
        }
        #expect(lookups == count + 3, "the second pass looks up only the 3 positions past the cap")
    }
}
