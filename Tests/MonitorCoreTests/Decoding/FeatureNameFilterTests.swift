@testable import MonitorCore
import Testing

/// The duplicate-name filter never misses a repeat, and lets few new names through as possible repeats.
@Suite struct FeatureNameFilterTests {
    @Test func everyRepeatIsReportedAndFewNewNamesAre() {
        let names = (0..<FeatureNameFilter.scanLimit).map { "num_\($0)" } + ["", "é"]
        var filter = FeatureNameFilter()
        var possibleRepeats = 0
        for name in names where filter.insert(hash: FeatureNameFilter.hash(of: name)) { possibleRepeats += 1 }
        // Expected (1 - e^(-2n/256))^2 summed over n < 66: ~2.8 names; FNV-1a is not seeded, so the count is fixed.
        #expect(possibleRepeats <= 6, "\(possibleRepeats) of \(names.count) new names reported as possible repeats")
        var missed: [String] = []
        for name in names where !filter.insert(hash: FeatureNameFilter.hash(of: name)) { missed.append(name) }
        #expect(missed.isEmpty, "repeats reported as new: \(missed)")
    }
}
