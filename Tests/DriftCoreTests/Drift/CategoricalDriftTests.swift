import Testing
@testable import DriftCore

@Suite struct CategoricalDriftTests {
    static let file: CategoricalVectorFile = try! Fixtures.vectors("drift_categorical")

    static func drift(_ testCase: CategoricalVectorCase) throws -> CategoricalDriftResult {
        var builder = try ReferenceProfileBuilder(kinds: ["c": .categorical])
        for value in testCase.reference { builder.add(value.map { .text($0) } ?? .missing, to: "c") }
        guard case let .categorical(reference) = builder.finish().features["c"] else {
            Issue.record("no categorical profile")
            return CategoricalDriftResult(reference: CategoricalReference(summary: CategoricalSummary()), current: CategoricalSummary())
        }
        let half = testCase.current.count / 2
        var first = reference.makeSummary()
        var second = reference.makeSummary()
        for value in testCase.current[..<half] { first.update(value) }
        for value in testCase.current[half...] { second.update(value) }
        return CategoricalDriftResult(reference: reference, current: first.merged(with: second))
    }

    @Test(arguments: file.cases.map(\.name))
    func matchesScipyExactly(_ name: String) throws {
        let testCase = Self.file.cases.first { $0.name == name }!
        let result = try Self.drift(testCase)
        let expected = testCase.expected
        #expect(isClose(result.psi, expected.psi), "psi \(String(describing: result.psi)) vs \(String(describing: expected.psi))")
        #expect(isClose(result.js, expected.js), "js \(String(describing: result.js)) vs \(String(describing: expected.js))")
        #expect(isClose(result.tvd, expected.tvd), "tvd")
        #expect(isClose(result.newCategoryRate, expected.new_category_rate), "new category rate")
        #expect(isClose(result.chi2?.statistic, expected.chi2?.statistic), "chi2 \(String(describing: result.chi2)) vs \(String(describing: expected.chi2))")
        #expect(result.chi2?.degreesOfFreedom == expected.chi2?.dof)
        #expect(isClose(result.chi2?.pValue, expected.chi2?.pvalue, tolerance: 1e-9) || isRelativelyClose(result.chi2?.pValue, expected.chi2?.pvalue), "chi2 p")
        #expect(isClose(result.missingRate.reference, expected.missing_rate.reference))
        #expect(isClose(result.missingRate.current, expected.missing_rate.current))
        #expect(isRelativelyClose(result.missingRate.pvalue, expected.missing_rate.pvalue), "missing p \(result.missingRate.pvalue) vs \(expected.missing_rate.pvalue)")
    }

    /// Tiny p-values are compared relatively.
    func isRelativelyClose(_ actual: Double?, _ expected: Double?) -> Bool {
        guard let actual, let expected else { return actual == nil && expected == nil }
        return abs(actual - expected) <= 1e-6 * abs(expected)
    }

    @Test func overflowBucketIsAComparedColumn() {
        var referenceSummary = CategoricalSummary(capacity: 2)
        for category in ["a", "a", "b", "c", "d"] { referenceSummary.update(category) }
        var current = CategoricalSummary(capacity: 2)
        for category in ["a", "e", "e", "e"] { current.update(category) }
        let result = CategoricalDriftResult(reference: CategoricalReference(summary: referenceSummary), current: current)
        // Columns a, b, e, other: reference (2, 1, 0, 2)/5, current (1, 0, 3, 0)/4.
        #expect(isClose(result.tvd, 0.5 * (abs(0.25 - 0.4) + 0.2 + 0.75 + 0.4)))
        #expect(isClose(result.newCategoryRate, 0.75))
        #expect(result.chi2?.degreesOfFreedom == 3)
    }
}
