import Testing
@testable import DriftCore

@Suite struct NumericDriftTests {
    static let file: NumericVectorFile = try! Fixtures.vectors("drift_numeric")
    static let largeFile: NumericVectorFile = try! Fixtures.vectors("drift_numeric_large")

    /// Builds the profile from the raw reference values (one pass) and summarises the
    /// current values in three panes merged on evaluation, as a window does.
    static func drift(_ testCase: NumericVectorCase) throws -> (NumericDriftResult, NumericReference) {
        var builder = try ReferenceProfileBuilder(kinds: ["x": .numeric])
        for value in testCase.referenceValues { builder.add(value.map { .number($0) } ?? .missing, to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else {
            Issue.record("no numeric profile")
            throw SummaryError.incompatibleBinning
        }
        let values = testCase.currentValues
        var panes = (0..<3).map { _ in reference.makeSummary() }
        for (index, value) in values.enumerated() { panes[index * 3 / max(values.count, 1)].update(value) }
        var window = reference.makeSummary()
        for pane in panes { try window.merge(pane) }
        return (try NumericDriftResult(reference: reference, current: window), reference)
    }

    static func check(_ testCase: NumericVectorCase) throws {
        let (result, reference) = try drift(testCase)
        let expected = testCase.expected
        let name = testCase.name
        // Approximate statistics: the targets of the contract.
        #expect(within(result.psi, expected.psi, absolute: 0.005, relative: 0.02), "\(name) psi \(String(describing: result.psi)) vs \(String(describing: expected.psi))")
        #expect(within(result.js, expected.js, absolute: 0.003), "\(name) js \(String(describing: result.js)) vs \(String(describing: expected.js))")
        #expect(within(result.hellinger, expected.hellinger, absolute: 0.003), "\(name) hellinger \(String(describing: result.hellinger)) vs \(String(describing: expected.hellinger))")
        #expect(within(result.ks?.statistic, expected.ks?.statistic, absolute: 0.003), "\(name) ks \(String(describing: result.ks)) vs \(String(describing: expected.ks))")
        if let ks = result.ks, let bounds = expected.ks?.pvalue_bounds {
            #expect(ks.pvalue >= bounds[0] * (1 - 1e-9) && ks.pvalue <= bounds[1] * (1 + 1e-9), "\(name) ks p \(ks.pvalue) outside \(bounds)")
        }
        #expect(within(result.wasserstein, expected.wasserstein, absolute: 0.002, relative: 0.02), "\(name) wasserstein \(String(describing: result.wasserstein)) vs \(String(describing: expected.wasserstein))")
        // Exact statistics.
        #expect(isClose(result.meanShift, expected.mean_shift), "\(name) meanShift \(String(describing: result.meanShift)) vs \(String(describing: expected.mean_shift))")
        #expect(isClose(result.stdRatio, expected.std_ratio), "\(name) stdRatio \(String(describing: result.stdRatio)) vs \(String(describing: expected.std_ratio))")
        #expect(isClose(result.missingRate.reference, expected.missing_rate.reference), "\(name) missing R")
        #expect(isClose(result.missingRate.current, expected.missing_rate.current), "\(name) missing C")
        #expect(isClose(result.missingRate.pvalue, expected.missing_rate.pvalue, tolerance: 1e-6), "\(name) missing p \(result.missingRate.pvalue) vs \(expected.missing_rate.pvalue)")
        // A profile built without compaction has numpy's edges bit for bit.
        if reference.isExact, let edges = expected.coarse_edges {
            let coarse = reference.binning.coarseEdgeIndices.map { reference.binning.fineEdges[$0] }
            #expect(coarse == edges, "\(name) coarse edges")
        }
    }

    static func within(_ actual: Double?, _ expected: Double?, absolute: Double, relative: Double = 0) -> Bool {
        switch (actual, expected) {
        case (nil, nil): return true
        case let (actual?, expected?): return abs(actual - expected) <= max(absolute, relative * abs(expected))
        default: return false
        }
    }

    @Test(arguments: file.cases.map(\.name))
    func matchesScipyOnRawData(_ name: String) throws {
        try Self.check(Self.file.cases.first { $0.name == name }!)
    }

    @Test(arguments: largeFile.cases.map(\.name))
    func matchesScipyAfterSketchCompaction(_ name: String) throws {
        let testCase = Self.largeFile.cases.first { $0.name == name }!
        let regenerated = testCase.reference_recipe!.values().prefix(3)
        #expect(Array(regenerated) == testCase.check!.first_reference_values, "generator must match the Python one bit for bit")
        let (_, reference) = try Self.drift(testCase)
        #expect(!reference.isExact, "200,000 values must compact the sketch")
        try Self.check(testCase)
    }

    /// Each group of statistics gives the values it gives among all of them; the groups
    /// not asked for stay nil, the moments' statistics and missing rates are always there.
    @Test(arguments: file.cases.map(\.name))
    func statisticsAskedForAreThoseOfTheFullComparison(_ name: String) throws {
        let reference = try Self.drift(Self.file.cases.first { $0.name == name }!).1
        var current = reference.makeSummary()
        for value in Self.file.cases.first(where: { $0.name == name })!.currentValues { current.update(value) }
        let full = try NumericDriftResult(reference: reference, current: current)
        let binned = try NumericDriftResult(reference: reference, current: current, statistics: .binned)
        #expect(binned.psi == full.psi && binned.js == full.js && binned.hellinger == full.hellinger && binned.binned == full.binned)
        #expect(binned.ks == nil && binned.wasserstein == nil)
        let shape = try NumericDriftResult(reference: reference, current: current, statistics: [.kolmogorovSmirnov, .wasserstein])
        #expect(shape.ks == full.ks && shape.wasserstein == full.wasserstein && shape.psi == nil && shape.binned == nil)
        let none = try NumericDriftResult(reference: reference, current: current, statistics: [])
        #expect(none.meanShift == full.meanShift && none.stdRatio == full.stdRatio && none.missingRate == full.missingRate)
        #expect(none.psi == nil && none.ks == nil && none.wasserstein == nil)
    }

    @Test func undefinedCasesAreNilNotNaN() throws {
        let empty = try Self.drift(Self.file.cases.first { $0.name == "empty_current" }!).0
        #expect(empty.psi == nil && empty.ks == nil && empty.wasserstein == nil && empty.meanShift == nil)
        #expect(empty.missingRate.current == nil && empty.missingRate.pvalue == 1)
        let constant = try Self.drift(Self.file.cases.first { $0.name == "constant_reference" }!).0
        #expect(constant.meanShift == nil && constant.stdRatio == nil)
        #expect(constant.wasserstein.map { $0.isFinite && $0 > 0 } == true)
    }

    @Test func allMissingReferenceGivesUndefinedDistributionStatistics() throws {
        var builder = try ReferenceProfileBuilder()
        for _ in 0..<10 { builder.add(.missing, to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else { Issue.record("kind"); return }
        #expect(reference.binning.fineEdges.isEmpty)
        var current = reference.makeSummary()
        current.update(1.0)
        let result = try NumericDriftResult(reference: reference, current: current)
        #expect(result.psi == nil && result.ks == nil && result.wasserstein == nil)
        #expect(result.missingRate.reference == 1 && result.missingRate.current == 0)
    }

    @Test func summaryOnOtherEdgesIsRejected() throws {
        var builder = try ReferenceProfileBuilder(kinds: ["a": .numeric, "b": .numeric])
        for value in 0..<100 {
            builder.add(.number(Double(value)), to: "a")
            builder.add(.number(Double(value) * 2), to: "b")
        }
        let profile = builder.finish()
        guard case let .numeric(a) = profile.features["a"], case let .numeric(b) = profile.features["b"] else { return }
        #expect(throws: SummaryError.incompatibleBinning) { try NumericDriftResult(reference: a, current: b.makeSummary()) }
    }
}
