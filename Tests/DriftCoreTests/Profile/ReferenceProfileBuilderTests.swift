import Testing
@testable import DriftCore

@Suite struct ReferenceProfileBuilderTests {
    @Test func kindsAreInferredFromTheFirstPresentValue() throws {
        var builder = try ReferenceProfileBuilder()
        builder.add(row: ["age": .missing, "city": .missing, "vip": .flag(true)])
        builder.add(row: ["age": .number(31), "city": .text("Oslo"), "vip": .flag(false)])
        builder.add(row: ["age": .text("n/a"), "city": .number(7), "vip": .missing])
        let profile = builder.finish()
        #expect(profile.featureNames == ["age", "city", "vip"])
        guard case let .numeric(age) = profile.features["age"], case let .categorical(city) = profile.features["city"],
              case let .categorical(vip) = profile.features["vip"] else {
            Issue.record("wrong kinds")
            return
        }
        #expect(age.summary.missingCount == 2 && age.moments.count == 1 && age.moments.mean == 31)
        #expect(city.summary.counts == ["Oslo": 1, "7": 1] && city.summary.missingCount == 1)
        #expect(vip.summary.counts == ["true": 1, "false": 1] && vip.summary.missingCount == 1)
        #expect(builder.typeMismatchCount == 2)
    }

    @Test func givenKindsWinAndAllMissingFeaturesAreEmptyNumeric() throws {
        var builder = try ReferenceProfileBuilder(kinds: ["code": .categorical])
        builder.add(.text("A"), to: "code")
        builder.add(.missing, to: "ghost")
        let profile = builder.finish()
        #expect(profile.features["code"]?.kind == .categorical)
        guard case let .numeric(ghost) = profile.features["ghost"] else { Issue.record("kind"); return }
        #expect(ghost.binning.fineEdges.isEmpty && ghost.missingRate == 1 && ghost.fineProportions.isEmpty)
    }

    /// Over 1,000 distinct values but fewer than k: the sketch is exact, numpy's edges.
    @Test func exactProfileHasTrueBinContents() throws {
        var builder = try ReferenceProfileBuilder(configuration: ProfileConfiguration(fineBinCount: 100))
        let values = (0..<3000).map { Double(($0 * 37) % 2003) / 4 }
        for value in values { builder.add(.number(value), to: "x") }
        builder.add(.number(.infinity), to: "x")
        builder.add(.number(.nan), to: "x")
        guard case let .numeric(reference) = builder.finish().features["x"] else { Issue.record("kind"); return }
        #expect(reference.isExact)
        #expect(reference.summary.nonFiniteCount == 1 && reference.summary.missingCount == 1)
        let sorted = values.sorted()
        let expectedEdges = Array(Set((1..<100).map { LinearQuantile.quantile(sorted: sorted, Double($0) / 100) })).sorted()
        #expect(reference.binning.fineEdges == expectedEdges)
        var current = reference.makeSummary()
        for value in values { current.update(value) }
        #expect(current.fineCounts == reference.summary.fineCounts)
        for (a, b) in zip(current.fineSums, reference.summary.fineSums) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
    }

    /// Integers 0–9 at 50,000 rows (the sketch compacts): one bin per value, one per gap,
    /// true counts, numpy's decile edges; a current value between two reference values
    /// lands in an empty gap bin, so moving one value's mass there is a KS of its share.
    @Test func fewDistinctValuesKeepExactCountsAtAnySize() throws {
        var builder = try ReferenceProfileBuilder()
        let values = (0..<50_000).map { Double(($0 * 7) % 10) }
        for value in values { builder.add(.number(value), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else { Issue.record("kind"); return }
        #expect(reference.isExact)
        let edges = reference.binning.fineEdges
        let sorted = values.sorted()
        let deciles = (1..<10).map { LinearQuantile.quantile(sorted: sorted, Double($0) / 10) }
        let required = Set((0..<10).flatMap { [Double($0).nextDown, Double($0)] } + deciles)
        #expect(required.isSubset(of: edges) && edges.count <= 1000 + 9)
        // (1000 − 20) / 9 = 108 equal-width edges inside each of the 9 gaps.
        #expect(edges.filter { $0 > 4 && $0 < Double(5).nextDown }.count == 108 + (deciles.contains { $0 > 4 && $0 < 5 } ? 1 : 0))
        #expect(reference.binning.coarseEdgeIndices.map { edges[$0] } == Array(Set(deciles)).sorted())
        for value in 0..<10 {
            let bin = reference.binning.fineBin(of: Double(value))
            #expect(reference.summary.count(inFineBin: bin) == 5000 && reference.summary.sum(inFineBin: bin) == Double(5000 * value))
        }
        var current = reference.makeSummary()
        current.update(contentsOf: values.map { $0 == 5 ? 4.5 : $0 })
        #expect(reference.summary.count(inFineBin: reference.binning.fineBin(of: 4.5)) == 0)
        let drift = try NumericDriftResult(reference: reference, current: current)
        #expect(abs(drift.ks!.statistic - 0.1) < 1e-12 && drift.ks!.pvalue < 1e-100)
        #expect(abs(drift.wasserstein! - 0.05 / reference.moments.populationStandardDeviation!) < 1e-12)
    }

    /// Beyond 1,000 distinct values the map is dropped and the sketch answers.
    @Test func overTheCapacityTheSketchTakesOver() throws {
        var builder = try ReferenceProfileBuilder()
        for index in 0..<10_000 { builder.add(.number(Double(index % 1001)), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else { Issue.record("kind"); return }
        #expect(!reference.isExact && reference.binning.fineEdges.count < 1000)
    }

    /// A small sample of distinct values (continuous data) keeps numpy's quantile edges.
    @Test func distinctValuesThatDoNotRepeatKeepQuantileEdges() throws {
        var builder = try ReferenceProfileBuilder(configuration: ProfileConfiguration(fineBinCount: 100))
        let values = (0..<500).map { Double(($0 * 37) % 500) / 8 }
        for value in values { builder.add(.number(value), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"] else { Issue.record("kind"); return }
        let sorted = values.sorted()
        #expect(reference.isExact && reference.binning.fineEdges == Array(Set((1..<100).map { LinearQuantile.quantile(sorted: sorted, Double($0) / 100) })).sorted())
    }

    @Test func invalidConfigurationIsAnError() {
        #expect(throws: ProfileError.self) { try ReferenceProfileBuilder(configuration: ProfileConfiguration(fineBinCount: 1001)) }
        #expect(throws: ProfileError.self) { try ReferenceProfileBuilder(configuration: ProfileConfiguration(sketchK: 2)) }
    }

    /// Bulk missing values are only counted, like one by one: for a numeric, a
    /// categorical, a still undetermined and a new feature alike.
    @Test func addMissingEqualsMissingValuesOneByOne() throws {
        var bulk = try ReferenceProfileBuilder()
        var single = try ReferenceProfileBuilder()
        for feature in ["n", "c", "u", "late"] {
            let first: FeatureObservation = feature == "n" ? .number(1) : feature == "c" ? .text("x") : .missing
            if feature != "late" {
                bulk.add(first, to: feature)
                single.add(first, to: feature)
            }
            bulk.addMissing(count: 3, to: feature)
            for _ in 0..<3 { single.add(.missing, to: feature) }
        }
        bulk.addMissing(count: 0, to: "never")
        bulk.add(.number(2), to: "late")
        single.add(.number(2), to: "late")
        let profile = bulk.finish()
        #expect(profile == single.finish())
        #expect(profile.featureNames == ["c", "late", "n", "u"])
    }

    /// A caller that keeps a feature's index builds the profile that adding by name builds:
    /// kinds inferred or given, type mismatches counted (numbers in a feature given as
    /// categorical are codes), missing values in bulk, features in any order.
    @Test func addingByIndexEqualsAddingByName() throws {
        var byName = try ReferenceProfileBuilder(kinds: ["code": .categorical, "x": .numeric])
        var byIndex = try ReferenceProfileBuilder(kinds: ["code": .categorical, "x": .numeric])
        var indices: [String: Int] = [:]
        func features(of row: Int) -> [(String, FeatureObservation)] {
            let x: FeatureObservation = row % 17 == 0 ? .text("n/a") : .number(Double(row % 50) / 3)
            let code: FeatureObservation = row % 5 == 0 ? .number(Double(row % 3)) : .text(["a", "b"][row % 2])
            let city: FeatureObservation = row < 10 ? .missing : row % 7 == 0 ? .number(4) : .text(["Oslo", "Lima", "Pune"][row % 3])
            let all: [(String, FeatureObservation)] = [("x", x), ("code", code), ("city", city), ("score", .number(Double(row) / 300))]
            return Array(all[(row % 4)...] + all[..<(row % 4)])  // in any order
        }
        let rows = (0..<300).map(features(of:))
        for row in rows {
            for (name, value) in row {
                byName.add(value, to: name)
                let index = indices[name] ?? byIndex.featureIndex(of: name)
                indices[name] = index
                #expect(byIndex.featureIndex(of: name) == index, "an index stays the feature's")
                byIndex.add(value, toFeatureAt: index)
            }
        }
        byName.addMissing(count: 4, to: "city")
        byIndex.addMissing(count: 4, toFeatureAt: indices["city"]!)
        #expect(byIndex.finish() == byName.finish())
        #expect(byIndex.typeMismatchCount == byName.typeMismatchCount)
        // 18 texts in `x`, 41 numbers among `city`'s categories; `code`'s numbers are codes.
        #expect(byIndex.typeMismatchCount == 18 + 41)
    }
}
