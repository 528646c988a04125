import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct SuggestionsTests {
    @Test func editDistanceCountsTranspositionsOnce() {
        func distance(_ a: String, _ b: String) -> Int {
            Suggestions.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
        }
        #expect(distance("severty", "severity") == 1)
        #expect(distance("wasserstien", "wasserstein") == 1)
        #expect(distance("", "abc") == 3)
        #expect(distance("kitten", "sitting") == 3)
    }

    @Test func suggestsOnlyCloseWords() {
        #expect(Suggestions.closest(to: "psy", in: MetricCatalog.names) == ["psi"])
        #expect(Suggestions.closest(to: "zzzzzz", in: MetricCatalog.names).isEmpty)
        #expect(Suggestions.didYouMean("acuracy", in: ["accuracy", "recall"]) == "; did you mean 'accuracy'?")
    }
}
