import DriftCore
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

@Suite struct RuleNameCheckTests {
    static func prediction(model: String = "credit-risk", version: String = "v3", features: [Feature], segment: [SegmentAttribute] = []) -> PredictionEvent {
        PredictionEvent(model: model, version: version, id: "p", timestamp: 1_700_000_000_000, features: features, score: 0.5,
                        predictedLabel: 1, segment: segment)
    }

    /// A profile of `f_income`, `f_age` (numeric) and `c_channel` (categorical), for model credit-risk v3.
    static let profileNames: KnownNames = {
        var profiler = try! DatasetProfiler()
        profiler.add(prediction(features: [Feature("f_income", .number(80_000)), Feature("f_age", .number(41)),
                                           Feature("c_channel", .string("mobile"))]))
        return KnownNames(profile: ProfileDocument(model: "credit-risk", version: "v3", profile: profiler.finish()))
    }()

    static func sampleNames() -> KnownNames {
        var names = KnownNames()
        names.add(prediction(features: [Feature("f_income", .number(1))], segment: [SegmentAttribute("gender", "f"), SegmentAttribute("region", "n")]))
        names.add(prediction(version: "v4", features: [Feature("c_purpose", .string("car"))], segment: [SegmentAttribute("age_band", "18-25")]))
        return names
    }

    static func warnings(_ yaml: String, _ names: KnownNames = profileNames) throws -> [String] {
        try names.check(RuleFixtures.load(yaml).get()).map(\.description)
    }

    @Test func aMisspeltFeatureIsReportedWhereItIsWrittenWithTheClosestName() throws {
        let yaml = """
        rules:
          - name: IncomeDrift
            features: [f_incom, "f_age"]
            metric: psi
            condition: "> 0.2"
        """
        #expect(try Self.warnings(yaml) == ["test.yaml:3:16: warning: feature 'f_incom' is not in the profile; did you mean 'f_income'?"])
    }

    @Test func patternsMustMatchAtLeastOneNameOfTheRulesKind() throws {
        let yaml = """
        rules:
          - name: Numeric
            features: ["f_*", "x_*", "c_channel", "!id_*", "!f_agee"]
            metric: ks
            condition: "> 0.2"
        """
        #expect(try Self.warnings(yaml) == [
            "test.yaml:3:24: warning: pattern 'x_*' matches no numeric feature in the profile",
            "test.yaml:3:31: warning: feature 'c_channel' is categorical in the profile; rule 'Numeric' applies to numeric features only",
            "test.yaml:3:53: warning: excluded feature 'f_agee' is not in the profile; did you mean 'f_age'?",
        ])
        let categoricalOnly = """
        rules:
          - name: Numeric
            features: ["c_*"]
            metric: ks
            condition: "> 0.2"
        """
        #expect(try Self.warnings(categoricalOnly) == ["test.yaml:3:17: warning: pattern 'c_*' matches no numeric feature in the profile"])
    }

    @Test func modelsAndVersionsAreCheckedWhenTheDataNamesThem() throws {
        let yaml = """
        rules:
          - name: Volume
            models: ["credit-rsik", "credit-*"]
            versions: ["v9"]
            metric: volume
            condition: "< 10"
        """
        #expect(try Self.warnings(yaml) == [
            "test.yaml:3:15: warning: model 'credit-rsik' is not in the profile; did you mean 'credit-risk'?",
            "test.yaml:4:17: warning: version 'v9' is not in the profile; did you mean 'v3'?",
        ])
        // A profile without its model and version says nothing about them.
        var profiler = try DatasetProfiler()
        profiler.add(Self.prediction(features: [Feature("f_income", .number(1))]))
        let bare = KnownNames(profile: ProfileDocument(profile: profiler.finish()))
        #expect(try Self.warnings(yaml, bare).isEmpty)
    }

    @Test func segmentAttributesComeFromTheSample() throws {
        let yaml = """
        rules:
          - name: Parity
            attributes: [gendr, [region, age_band]]
            metric: demographic_parity_ratio
            condition: "< 0.8"
        """
        // A profile has no segment attributes: nothing to check.
        #expect(try Self.warnings(yaml).isEmpty)
        #expect(try Self.warnings(yaml, Self.sampleNames()) == [
            "test.yaml:3:18: warning: segment attribute 'gendr' is not in the sample; did you mean 'gender'?",
        ])
    }

    @Test func theSampleNamesEveryEventsNames() throws {
        let yaml = """
        rules:
          - name: Drift
            versions: ["v4"]
            features: ["c_purpose", "f_income", "f_age"]
            metric: psi
            condition: "> 0.2"
        """
        #expect(try Self.warnings(yaml, Self.sampleNames()) == ["test.yaml:4:42: warning: feature 'f_age' is not in the sample"])
    }

    @Test func theDefaultRulesNameNothingTheSimulatedStreamLacks() throws {
        var simulation = StreamSimulator.Configuration()
        simulation.events = 300
        var names = KnownNames()
        for line in StreamSimulator(simulation) {
            if case let .success(.prediction(prediction)) = EventDecoder().decode(Array(line.json.utf8)) { names.add(prediction) }
        }
        let ruleSet = try RuleLoader.load(paths: [RuleFixtures.path("rules")]).get()
        #expect(names.check(ruleSet).map(\.description) == [])
        // …while a misspelt name in them would be caught.
        var misspelt = ruleSet
        misspelt.rules[0].selectorNames[0].written = "f_incom"
        #expect(names.check(misspelt).map(\.message) == ["feature 'f_incom' is not in the sample; did you mean 'f_income'?"])
    }
}
