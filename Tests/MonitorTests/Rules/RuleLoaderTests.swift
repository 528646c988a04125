import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

@Suite struct RuleLoaderTests {
    // MARK: Valid files

    @Test func completeFileParsesIntoTheModel() throws {
        let path = RuleFixtures.path("fixtures/rules/valid/complete.yaml")
        let ruleSet = try RuleLoader.load(paths: [path]).get()
        #expect(ruleSet.files == [path])
        #expect(ruleSet.rules.map(\.name) == [
            "NumericFeatureDrift", "KsInferredKind", "AccuracyOffset", "BrierFactor", "VolumeBand", "ShareAbove",
            "ParityBelow", "ScoreReference", "Retrain",
        ])

        let drift = try #require(ruleSet.rule(named: "NumericFeatureDrift"))
        #expect(drift.action == .alert)
        #expect(drift.scope == .features)
        #expect(drift.selector.models.patterns == ["credit-*", "!credit-shadow"])
        #expect(drift.selector.matches(model: "credit-risk", version: "v3"))
        #expect(!drift.selector.matches(model: "credit-shadow", version: "v3"))
        #expect(!drift.selector.matches(model: "credit-risk", version: "v10"))
        #expect(drift.selector.matches(feature: "f_income", kind: .numeric))
        #expect(!drift.selector.matches(feature: "id_customer", kind: .numeric))
        #expect(!drift.selector.matches(feature: "f_income", kind: .categorical))
        #expect(drift.metric.name == .feature(.psi))
        #expect(drift.parameters.values.isEmpty)
        #expect(drift.condition == .absolute(.greater, 0.2))
        #expect(drift.minSamples == 1000)
        #expect(drift.forEvaluations == 2)
        #expect(drift.keepFiringForEvaluations == 3)
        #expect(drift.severity == .critical)
        #expect(drift.labels == ["team": "risk", "tier": "1"])
        #expect(drift.source == SourceLocation(file: path, line: 3, column: 5))
        let annotations = drift.renderAnnotations([
            "feature": "f_income", "model": "credit-risk", "version": "v3", "value": "0.4", "threshold": "0.2",
        ])
        #expect(annotations == [
            "summary": "f_income drifted on credit-risk/v3: psi = 0.4 (threshold 0.2)",
            "owner": "risk",
        ])

        let ks = try #require(ruleSet.rule(named: "KsInferredKind"))
        #expect(ks.scope == .features)  // inferred from `features`
        #expect(ks.selector.featureKind == .numeric)  // narrowed by the metric
        #expect(ks.condition == .absolute(.greaterOrEqual, 0.1))
        // Defaults.
        #expect(ks.action == .alert && ks.severity == .warning && ks.forEvaluations == 1 && ks.keepFiringForEvaluations == 0)
        #expect(ks.minSamples == ks.metric.defaultMinSamples)
        #expect(ks.selector.models == .all && ks.selector.versions == .all)
        #expect(ks.labels.isEmpty && ks.annotations.isEmpty)

        #expect(ruleSet.rule(named: "AccuracyOffset")?.condition == .relativeOffset(.less, offset: -0.1))
        #expect(ruleSet.rule(named: "AccuracyOffset")?.scope == .model)
        #expect(ruleSet.rule(named: "BrierFactor")?.condition == .relativeFactor(.greater, factor: 1.5))
        #expect(ruleSet.rule(named: "VolumeBand")?.condition == .statistical(k: 4, side: .both))
        #expect(ruleSet.rule(named: "VolumeBand")?.minSamples == 0)

        let share = try #require(ruleSet.rule(named: "ShareAbove"))
        #expect(share.condition == .statistical(k: 3, side: .above))
        #expect(share.parameters == RuleParameters(["statistic": .text("js"), "above": .number(1), "feature_kind": .text("categorical")]))
        #expect(share.parameters.number("above") == 1)

        let parity = try #require(ruleSet.rule(named: "ParityBelow"))
        #expect(parity.scope == .fairness)
        #expect(parity.selector.attributes == [["gender"], ["gender", "age_band"]])
        #expect(parity.condition == .statistical(k: 2.5, side: .below))
        #expect(parity.parameters.integer("min_group_size") == 100)
        #expect(parity.selector.features == nil)

        #expect(ruleSet.rule(named: "ScoreReference")?.scope == .score)
        #expect(ruleSet.rule(named: "ScoreReference")?.condition == .relativeOffset(.lessOrEqual, offset: 0))

        let retrain = try #require(ruleSet.rule(named: "Retrain"))
        #expect(retrain.action == .retrain(cooldownMilliseconds: 5_400_000, requiresApproval: false))
        #expect(retrain.parameters == RuleParameters([
            "min_instances": .integer(30), "delta": .number(0.005), "threshold": .number(25), "alpha": .number(0.9999),
        ]))
    }

    @Test func retrainDefaults() throws {
        let rule = try RuleFixtures.rule("""
        rules:
          - name: R
            action: retrain
            metric: accuracy
            condition: "< reference - 0.1"
        """)
        #expect(rule.action == .retrain(cooldownMilliseconds: 86_400_000, requiresApproval: true))
    }

    @Test func catalogueDefaultsForDetectors() throws {
        let adwin = try RuleFixtures.rule("rules: [{name: A, metric: adwin, condition: '> 0'}]")
        #expect(adwin.parameters == RuleParameters([
            "delta": .number(0.002), "clock": .integer(32), "max_buckets": .integer(5), "min_window_length": .integer(5),
            "grace_period": .integer(10),
        ]))
        let ddm = try RuleFixtures.rule("rules: [{name: D, metric: ddm, condition: '> 0'}]")
        #expect(ddm.parameters == RuleParameters(["warm_start": .integer(30), "warning_threshold": .number(2), "drift_threshold": .number(3)]))
        let eddm = try RuleFixtures.rule("rules: [{name: E, metric: eddm, condition: '> 0'}]")
        #expect(eddm.parameters == RuleParameters(["warm_start": .integer(30), "alpha": .number(0.95), "beta": .number(0.9)]))
    }

    @Test func emptyRuleListIsValid() throws {
        let ruleSet = try RuleFixtures.load("rules: []").get()
        #expect(ruleSet.rules.isEmpty)
    }

    @Test func defaultRulesLoadClean() throws {
        let ruleSet = try RuleLoader.load(paths: [RuleFixtures.path("rules/default.yaml")]).get()
        let names = Set(ruleSet.rules.map(\.name))
        #expect(names.isSuperset(of: ["NumericFeatureDrift", "MissingRateJump", "NewCategory", "ScoreDrift", "AccuracyDrop",
                                      "DemographicParity", "RetrainOnAccuracyDrop"]))
        #expect(ruleSet.rules.contains { $0.action == .retrain(cooldownMilliseconds: 86_400_000, requiresApproval: true) })
        // Effect sizes, not p-values (see the file's comments).
        #expect(!ruleSet.rules.contains { $0.metric.name.rawValue.hasSuffix("_pvalue") })
    }

    @Test func directoriesLoadYamlFilesSortedByName() throws {
        let directory = RuleFixtures.path("fixtures/rules/split")
        #expect(try RuleLoader.ruleFiles(in: [directory]).get() == [directory + "/a.yaml", directory + "/b.yml"])
        let missing = RuleLoader.ruleFiles(in: [RuleFixtures.path("fixtures/rules/nope")]).failureErrors
        #expect(missing.map(\.message) == ["no such file or directory"])
    }

    // MARK: Errors

    /// Every kind of error, each at its line:column, in reading order.
    @Test(arguments: [
        ("rules: [{name: A, metric: psi, scope: features, condition: '> 1', thresold: 2}]",
         ["1:67: unknown key 'thresold' in a rule"]),
        ("rules:\n  - name: A\n    metric: accuracy\n    severty: info\n    condition: '> 1'",
         ["4:5: unknown key 'severty' in a rule; did you mean 'severity'?"]),
        ("rules:\n  - metric: accuracy\n    condition: '> 1'", ["2:5: missing required key 'name'"]),
        ("rules:\n  - name: A\n    metric: accuracy", ["2:5: missing required key 'condition'"]),
        ("rules:\n  - name: A\n    condition: '> 1'", ["2:5: missing required key 'metric'"]),
        ("rules:\n  - name: A\n    metric: psi\n    condition: '> 1'",
         ["2:5: missing key 'scope': metric 'psi' applies to several scopes"]),
        ("rules:\n  - name: 1st\n    metric: volume\n    condition: '> 1'", ["2:11: invalid rule name '1st'"]),
        ("rules:\n  - name: \"A b\"\n    metric: volume\n    condition: '> 1'", ["2:13: invalid rule name 'A b'"]),
        ("rules:\n  - name: A\n    metric: acuracy\n    condition: '> 1'",
         ["3:13: unknown metric 'acuracy'; did you mean 'accuracy'?"]),
        ("rules:\n  - name: A\n    metric: volume\n    for: two\n    condition: '> 1'", ["4:10: 'for' must be an integer, found 'two'"]),
        ("rules:\n  - name: A\n    metric: volume\n    for: 0\n    condition: '> 1'", ["4:10: 'for' is out of range: 0"]),
        ("rules:\n  - name: A\n    metric: volume\n    min_samples: 1.5\n    condition: '> 1'",
         ["4:18: 'min_samples' must be an integer, found the number 1.5"]),
        ("rules:\n  - name: A\n    metric: volume\n    labels: [a]\n    condition: '> 1'", ["4:13: 'labels' must be a mapping, found a list"]),
        ("rules:\n  - name: A\n    metric: volume\n    labels: {9x: a}\n    condition: '> 1'", ["4:14: invalid label name '9x'"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: 0.5", ["4:16: 'condition' must be a string, found the number 0.5"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: \"> 0.5 sigma\"", ["4:23: invalid condition: unexpected 'sigma' after the condition"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: '>= referense'", ["4:20: invalid condition: unexpected 'referense'"]),
        // An escape before the error makes the source differ from the value: the position falls back to the scalar.
        ("rules:\n  - name: A\n    metric: volume\n    condition: \"\\u003e 0.5 x\"", ["4:16: invalid condition: unexpected 'x' after the condition"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: >= 1 # block-scalar trap",
         ["4:17: invalid YAML: did not find expected comment or line break (while scanning a block scalar at 4:16); a value starting with '>' must be quoted, e.g. condition: \"> 0.2\""]),
        ("rules:\n  - name: A\n    metric: psi\n    scope: features\n    condition: '> reference + 0.1'",
         ["5:16: metric 'psi' has no value on the reference, so it cannot be compared with 'reference'"]),
        ("rules:\n  - name: A\n    metric: ddm\n    condition: 'above reference + 3 sigma'",
         ["4:16: metric 'ddm' has no reference distribution for a statistical condition"]),
        ("rules:\n  - name: A\n    metric: macro_f1\n    condition: 'below reference - 3 sigma'",
         ["4:16: metric 'macro_f1' keeps no spread across reference chunks for a statistical condition"]),
        ("rules:\n  - name: A\n    metric: accuracy\n    features: ['*']\n    feature_kind: numeric\n    condition: '< 0.5'",
         ["4:5: 'features' applies only to scope features (this rule's scope is model)",
          "5:5: 'feature_kind' applies only to scope features (this rule's scope is model)"]),
        ("rules:\n  - name: A\n    metric: psi\n    scope: score\n    attributes: [gender]\n    condition: '> 0.2'",
         ["5:5: 'attributes' applies only to scope fairness (this rule's scope is score)"]),
        ("rules:\n  - name: A\n    metric: demographic_parity_ratio\n    condition: '< 0.8'",
         ["2:5: missing required key 'attributes' for scope fairness"]),
        ("rules:\n  - name: A\n    metric: accuracy\n    scope: features\n    condition: '< 0.8'",
         ["4:12: metric 'accuracy' is not defined for scope features"]),
        ("rules:\n  - name: A\n    metric: ks\n    scope: features\n    feature_kind: categorical\n    condition: '> 0.1'",
         ["5:19: metric 'ks' is not defined for categorical features"]),
        ("rules:\n  - name: A\n    metric: volume\n    cooldown: 1h\n    requires_approval: false\n    condition: '< 1'",
         ["4:5: 'cooldown' applies only to action retrain", "5:5: 'requires_approval' applies only to action retrain"]),
        ("rules:\n  - name: A\n    action: retrain\n    metric: volume\n    cooldown: \"1h30\"\n    condition: '< 1'",
         ["5:20: invalid duration '1h30': missing unit after 30"]),
        ("rules:\n  - name: A\n    action: retrain\n    metric: volume\n    requires_approval: 'yes please'\n    condition: '< 1'",
         ["5:24: 'requires_approval' must be true or false, found 'yes please'"]),
        ("rules:\n  - name: A\n    action: retrian\n    metric: volume\n    cooldown: 1h\n    condition: '< 1'",
         ["3:13: unknown action 'retrian'; did you mean 'retrain'?"]),
        ("rules:\n  - name: A\n    metric: adwin\n    params: {clock: 0, clok: 3}\n    condition: '> 0'",
         ["4:21: parameter 'clock' is out of range: 0", "4:24: metric 'adwin' has no parameter 'clok'; did you mean 'clock'?"]),
        ("rules:\n  - name: A\n    metric: drifted_feature_share\n    params: {statistic: ks_pvalue, above: high}\n    condition: '> 0.2'",
         ["4:25: invalid parameter 'statistic' 'ks_pvalue'", "4:43: parameter 'above' must be a finite number, found 'high'"]),
        ("rules:\n  - name: A\n    metric: drifted_feature_share\n    params: {statistic: ks, feature_kind: categorical}\n    condition: '> 0.2'",
         ["4:13: statistic 'ks' is not defined for categorical features"]),
        ("rules:\n  - name: A\n    metric: volume\n    models: ['ok', '!', 'x{y}']\n    condition: '< 1'",
         ["4:21: invalid pattern: '!' must be followed by a pattern", "4:27: invalid pattern: '{' is not supported in patterns (only * and ?)"]),
        ("rules:\n  - name: A\n    metric: volume\n    versions: v1\n    condition: '< 1'",
         ["4:15: expected a non-empty list of patterns, found 'v1'"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: '< 1'\n    annotations:\n      summary: \"{{ valeu }} and {{ model\"",
         ["6:20: annotation 'summary': unknown variable 'valeu'; did you mean 'value'?"]),
        ("rules:\n  - name: A\n    metric: volume\n    condition: '< 1'\n    annotations:\n      summary: 'x {{ model'",
         ["6:19: annotation 'summary': unclosed '{{'"]),
        ("rules:\n  - name: A\n    metric: volume\n    severity: fatal\n    condition: '< 1'", ["4:15: unknown severity 'fatal'"]),
        ("rules:\n  - name: A\n    metric: demographic_parity_ratio\n    attributes: [gender, []]\n    condition: '< 0.8'",
         ["4:26: an intersection needs at least one attribute"]),
        ("rules:\n  - name: A\n    metric: demographic_parity_ratio\n    attributes: [[gender, \"*\"]]\n    condition: '< 0.8'",
         ["4:28: '*' (every attribute) cannot be part of an intersection"]),
        ("rules:\n  - name: A\n    metric: demographic_parity_ratio\n    attributes: [gen*]\n    condition: '< 0.8'",
         ["4:21: attribute names are not patterns: '*' alone means every attribute"]),
        ("rules: {name: A}", ["1:8: 'rules' must be a list, found a mapping"]),
        ("ruls: []", ["1:1: unknown key 'ruls' in the file; did you mean 'rules'?", "1:1: missing required key 'rules'"]),
        ("- a", ["1:1: the file must be a mapping, found a list"]),
        ("rules: [a]", ["1:9: a rule must be a mapping, found 'a'"]),
        ("rules:\n  - name: A\n    name: B", ["2:5: invalid YAML: duplicate key 'name'"]),
        ("rules: [\n", ["2:1: invalid YAML: did not find expected node content (while parsing a flow node)"]),
        ("rules: []\n---\nrules: []", ["2:1: invalid YAML: expected a single document in the stream, but found another document"]),
        ("rules:\n  - name: A\u{07}", ["2:12: invalid YAML: control characters are not allowed"]),
        ("", ["0:0: empty file"]),
    ])
    func reportsErrorsAtTheirPosition(yaml: String, expected: [String]) {
        #expect(RuleFixtures.errors(yaml) == expected)
    }

    @Test func errorDescriptionsFollowTheCompilerFormat() {
        let errors = RuleFixtures.load("rules:\n  - name: A\n    metric: volume\n    severity: fatal\n    condition: '< 1'",
                                       path: "dir/x.yaml").failureErrors
        #expect(errors.map(\.description) == ["dir/x.yaml:4:15: error: unknown severity 'fatal' (expected info | warning | critical)"])
        #expect(RuleError(SourceLocation(file: "f.yaml", line: 0, column: 0), "empty file").description == "f.yaml: error: empty file")
    }

    @Test func everyErrorOfAFileIsReported() throws {
        let path = RuleFixtures.path("fixtures/rules/invalid/many-errors.yaml")
        let errors = RuleLoader.load(paths: [path]).failureErrors
        #expect(errors.map { "\($0.location.line):\($0.location.column): \($0.message)" } == [
            "5:23: invalid condition: unexpected 'extra' after the condition",
            "6:5: unknown key 'severty' in a rule; did you mean 'severity'?",
            "9:5: 'features' applies only to scope features (this rule's scope is model)",
            "11:5: 'cooldown' applies only to action retrain",
            "12:5: missing required key 'name'",
            "12:13: unknown metric 'wasserstien'; did you mean 'wasserstein'?",
            "7:11: duplicate rule name 'Broken', first defined at \(path):2:11",
        ])
        #expect(errors.allSatisfy { $0.location.file == path })
    }

    @Test func duplicateNamesAcrossFilesPointAtBoth() {
        let directory = RuleFixtures.path("fixtures/rules/split")
        let errors = RuleLoader.load(paths: [directory]).failureErrors
        #expect(errors.map(\.description) == [
            "\(directory)/b.yml:6:11: error: duplicate rule name 'SharedName', first defined at \(directory)/a.yaml:2:11 (expected names unique across all rule files)",
        ])
    }

    @Test func anInvalidFileNextToAValidOneLoadsNothing() {
        let valid = RuleFixtures.path("fixtures/rules/valid/complete.yaml")
        let invalid = RuleFixtures.path("fixtures/rules/invalid/many-errors.yaml")
        let result = RuleLoader.load(paths: [valid, invalid])
        #expect((try? result.get()) == nil)
        #expect(result.failureErrors.count == 7)
        #expect(result.failureErrors.allSatisfy { $0.location.file == invalid })
        // A missing file fails the load even when every other file is valid.
        let missing = RuleLoader.load(paths: [valid, RuleFixtures.path("fixtures/rules/missing.yaml")])
        #expect((try? missing.get()) == nil)
        #expect(missing.failureErrors.map(\.message) == ["no such file or directory"])
    }

    @Test func errorFloodIsCapped() {
        let rules = (0..<(RuleLoader.maximumErrors + 10)).map { "  - {name: R\($0), metric: volume, condition: '< 1', bad: 1}" }
        let errors = RuleFixtures.load("rules:\n" + rules.joined(separator: "\n")).failureErrors
        #expect(errors.count == RuleLoader.maximumErrors)
        #expect(errors.last?.message == "too many errors: 11 more not shown")
    }

    // MARK: Digest

    static let digestBase = """
    rules:
      - name: Drift
        metric: psi
        scope: features
        condition: "> 0.2"
        labels: {team: risk, tier: "1"}
      - name: Accuracy
        metric: accuracy
        condition: "< reference - 0.1"
    """

    func digest(_ yaml: String) throws -> String { try RuleFixtures.load(yaml).get().rulesDigest }

    @Test func digestIgnoresFormattingCommentsKeyOrderRuleOrderAndDefaults() throws {
        let base = try digest(Self.digestBase)
        #expect(base.count == 16 && base.allSatisfy(\.isHexDigit))
        #expect(try digest("""
        # a comment changes nothing
        rules:
          - name: Accuracy      # nor does moving rules around
            condition: '< reference - 0.1'
            metric: accuracy
            scope: model
            severity: warning
          - {condition: "> 0.2", labels: {tier: "1", team: risk}, scope: features, metric: psi, name: Drift, for: 1}
        """) == base)
        // Split over files: the digest is about the rules, not the files.
        let split = RuleLoader.load(sources: [
            RuleSource(path: "a.yaml", text: "rules:\n  - {name: Drift, metric: psi, scope: features, condition: '> 0.2', labels: {team: risk, tier: '1'}}"),
            RuleSource(path: "b.yaml", text: "rules:\n  - {name: Accuracy, metric: accuracy, condition: '< reference - 0.1'}"),
        ])
        #expect(try split.get().rulesDigest == base)
    }

    @Test func aStarAmongAttributesMeansEveryAttribute() throws {
        let every = try RuleFixtures.rule(
            "rules:\n  - name: A\n    metric: demographic_parity_ratio\n    attributes: [\"*\", [gender, age_band]]\n    condition: '< 0.8'")
        #expect(every.selector.everyAttribute)
        #expect(every.selector.attributes == [["gender", "age_band"]])
        let named = try RuleFixtures.rule(
            "rules:\n  - name: A\n    metric: demographic_parity_ratio\n    attributes: [[gender, age_band]]\n    condition: '< 0.8'")
        #expect(!named.selector.everyAttribute)
        #expect(RulesDigest.digest(of: [every]) != RulesDigest.digest(of: [named]))
    }

    @Test func digestChangesWithMeaning() throws {
        let base = try digest(Self.digestBase)
        #expect(try digest(Self.digestBase.replacingOccurrences(of: "> 0.2", with: "> 0.25")) != base)
        #expect(try digest(Self.digestBase.replacingOccurrences(of: "reference - 0.1", with: "reference - 0.05")) != base)
        #expect(try digest(Self.digestBase.replacingOccurrences(of: "team: risk", with: "team: ops")) != base)
        #expect(try digest(Self.digestBase.replacingOccurrences(of: "name: Drift", with: "name: Drift2")) != base)
        #expect(try digest(Self.digestBase + "\n    for: 2") != base)
    }
}
