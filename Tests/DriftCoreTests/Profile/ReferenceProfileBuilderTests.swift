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
        #expect(city.summary.counts == ["Oslo": 1, "7.0": 1] && city.summary.missingCount == 1)
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

    @Test func exactProfileHasTrueBinContents() throws {
        var builder = try ReferenceProfileBuilder(configuration: ProfileConfiguration(fineBinCount: 100))
        let values = (0..<3000).map { Double(($0 * 37) % 101) / 4 }
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
}
