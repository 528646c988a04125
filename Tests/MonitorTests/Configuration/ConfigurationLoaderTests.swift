import Foundation
import DriftCore
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

@Suite struct ConfigurationLoaderTests {
    private func load(_ yaml: String) -> Result<DriftwatchConfiguration, RuleLoadFailure> {
        ConfigurationLoader.load(text: yaml, path: "c.yaml")
    }

    /// Errors as `line:column: message`.
    private func errors(_ yaml: String) -> [String] {
        load(yaml).failureErrors.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    @Test func exampleFileSetsEveryKey() throws {
        let configuration = try ConfigurationLoader.load(path: RuleFixtures.path("fixtures/config/example.yaml")).get()
        let monitor = configuration.monitor
        #expect(monitor.window == WindowSpec.hourlySlidingByFiveMinutes)
        #expect(monitor.join.timeToLiveMilliseconds == 7 * 86_400_000)
        #expect(monitor.join.earlyLabelWaitMilliseconds == 600_000)
        #expect(monitor.join.maximumPendingPredictions == 1_000_000)
        #expect(monitor.labelReadiness == LabelReadiness())
        #expect(monitor.caps == MonitorConfiguration.Caps())
        #expect(monitor.profile == ProfileConfiguration())
        #expect(monitor.featureKinds == ["zip_code": .categorical, "c_channel": .categorical])
        #expect(configuration.mapping == FieldMapping())
        #expect(configuration.limits == EventDecoder.Limits())
        #expect(configuration.maximumMetricSeries == DriftwatchConfiguration.defaultMaximumMetricSeries)
        #expect(monitor.modelTypes == ModelTypes(["credit-risk": .binary]))
    }

    /// `models`: each model's type reaches the monitor and the decoder; undeclared models
    /// are binary; a wrong or missing type is an error at its line and column.
    @Test func modelTypesAreDeclaredPerModel() throws {
        let configuration = try load("models:\n  house-price: {type: regression}\n  credit-risk: {type: binary}\n  triage: {type: multiclass}\n"
            + "mapping: {probabilities: out.class_probs}\n").get()
        #expect(configuration.monitor.modelTypes["triage"] == .multiclass && configuration.mapping.probabilities == "out.class_probs")
        #expect(configuration.monitor.modelTypes["house-price"] == .regression)
        #expect(configuration.monitor.modelTypes["credit-risk"] == .binary)
        #expect(configuration.monitor.modelTypes["churn"] == .binary)
        #expect(configuration.decoder.modelTypes == configuration.monitor.modelTypes)
        #expect(try load("").get().monitor.modelTypes.declared.isEmpty)
        #expect(errors("models:\n  house-price: {type: regresion}\n")
            == ["2:23: unknown model type 'regresion'; did you mean 'regression'?"])
        #expect(errors("models:\n  house-price: {kind: regression}\n").contains { $0.hasPrefix("2:17: unknown key 'kind' in model 'house-price'") })
        #expect(errors("models:\n  house-price: {}\n").first?.hasPrefix("2:16: model 'house-price' has no 'type'") == true)
        #expect(errors("models: [house-price]\n").first?.hasPrefix("1:9: 'models' must be a mapping") == true)
    }

    @Test func metricSeriesCapIsSetAndBounded() throws {
        #expect(try load("metrics: {max_series: 150}").get().maximumMetricSeries == 150)
        #expect(errors("metrics: {max_series: 0}").count == 1)
        #expect(errors("metrics: {max_seris: 10}") == ["1:11: unknown key 'max_seris' in 'metrics'; did you mean 'max_series'?"])
    }

    @Test func nonDefaultValuesReachTheConfiguration() throws {
        let configuration = try load("""
        window: {length: 2h, slide: 10m, allowed_lateness: 30s, min_events: 200, max_span: 3d}
        labels: {ttl: 1d, coverage_threshold: 0.5, partial_wait: 30m, partial_min_labelled: 800, max_pending: 10, early_label_wait: 1m}
        caps: {models: 3, versions_per_model: 4, segment_values_per_attribute: 5, segment_attributes: 2, reference_events: 7, reference_bytes: 2097152, performance_panes: 9}
        profile: {fine_bins: 200, bins: 20, category_capacity: 50}
        feature_kinds: {age: numeric}
        mapping:
          event_type: kind
          model: meta.model
          version: meta.version
          id: request_id
          timestamp: time
          timestamp_unit: s
          feature_paths: [request.income, request.age]
          score: out.p
          label_pred: out.class
          segment_paths: {gender: user.gender}
          label: y
          default_version: v0
          features: f
          segment: s
        limits: {max_event_bytes: 4096, max_features: 12}
        """).get()
        let monitor = configuration.monitor
        #expect(monitor.window == WindowSpec(kind: .eventTime(paneMilliseconds: 600_000, allowedLatenessMilliseconds: 30_000), panesPerWindow: 12,
                                             sizing: .growing(minimumEvents: 200, maximumPanes: 432)))
        #expect(monitor.join.timeToLiveMilliseconds == 86_400_000)
        #expect(monitor.join.earlyLabelWaitMilliseconds == 60_000)
        #expect(monitor.join.maximumPendingPredictions == 10)
        #expect(monitor.labelReadiness.coverageThreshold == 0.5)
        #expect(monitor.labelReadiness.partialWaitMilliseconds == 1_800_000 && monitor.labelReadiness.partialMinimumLabelled == 800)
        #expect([monitor.caps.models, monitor.caps.versionsPerModel, monitor.caps.segmentValuesPerAttribute,
                 monitor.caps.segmentAttributes, monitor.caps.referenceEvents, monitor.caps.referenceBytesInTotal,
                 monitor.caps.performancePanes] as [Int] == [3, 4, 5, 2, 7, 2_097_152, 9])
        #expect(monitor.profile == ProfileConfiguration(fineBinCount: 200, coarseBinCount: 20, categoryCapacity: 50))
        #expect(monitor.featureKinds == ["age": .numeric])
        var mapping = FieldMapping()
        mapping.eventType = "kind"
        mapping.model = "meta.model"
        mapping.version = "meta.version"
        mapping.id = "request_id"
        mapping.timestamp = .field("time")
        mapping.timestampUnit = .seconds
        mapping.featurePaths = ["request.income", "request.age"]
        mapping.score = "out.p"
        mapping.predictedLabel = "out.class"
        mapping.segmentPaths = ["gender": "user.gender"]
        mapping.label = "y"
        mapping.defaultVersion = "v0"
        mapping.features = "f"
        mapping.segment = "s"
        #expect(configuration.mapping == mapping)
        #expect(configuration.limits == EventDecoder.Limits(maximumEventBytes: 4096, maximumFeatures: 12))
        // The decoder follows the mapping.
        let event = configuration.decoder.decode(Array(#"{"meta":{"model":"m"},"request_id":"a","time":2,"request":{"age":30},"out":{"p":0.5}}"#.utf8))
        guard case let .success(.prediction(prediction)) = event else {
            Issue.record("not decoded: \(event)")
            return
        }
        #expect(prediction.timestamp == 2000)
        #expect(prediction.version == "v0")
        #expect(prediction.features.contains(Feature("request.age", .number(30))))
    }

    @Test func countWindowsWithDefaultSlide() throws {
        let configuration = try load("window:\n  count: 1200\n").get()
        #expect(configuration.monitor.window == WindowSpec(kind: .count(eventsPerPane: 100), panesPerWindow: 12))
    }

    @Test func emptyFileIsTheDefaults() throws {
        let configuration = try load("").get()
        #expect(configuration.mapping == FieldMapping())
        #expect(configuration.monitor.window == WindowSpec.hourlySlidingByFiveMinutes)
    }

    @Test func unknownKeysArePointedAtWithSuggestions() {
        #expect(errors("windw:\n  length: 1h\n") == [
            "1:1: unknown key 'windw' in the configuration; did you mean 'window'?",
        ])
        #expect(errors("labels:\n  tll: 1d\n") == ["2:3: unknown key 'tll' in 'labels'; did you mean 'ttl'?"])
        #expect(errors("mapping:\n  scor: p\n") == ["2:3: unknown key 'scor' in 'mapping'; did you mean 'score'?"])
    }

    @Test func wrongTypesArePositioned() {
        #expect(errors("caps:\n  models: many\n") == ["2:11: 'models' must be an integer, found 'many'"])
        #expect(errors("caps:\n  segment_attributes: 9\n") == ["2:23: 'segment_attributes' is out of range: 9"])
        #expect(errors("labels:\n  coverage_threshold: 1.5\n") == ["2:23: 'coverage_threshold' is out of range: 1.5"])
        #expect(errors("labels:\n  coverage_threshold: [1]\n") == ["2:23: 'coverage_threshold' must be a finite number, found a list"])
        #expect(errors("window: 5m\n") == ["1:9: 'window' must be a mapping, found '5m'"])
        #expect(errors("mapping:\n  feature_paths: a.b\n") == ["2:18: 'feature_paths' must be a list, found 'a.b'"])
        #expect(errors("mapping:\n  id: [a]\n") == ["2:7: 'id' must be a string, found a list"])
        #expect(errors("mapping:\n  id: \"\"\n") == ["2:7: 'id' cannot be empty"])
        #expect(errors("limits:\n  max_features: 0\n") == ["2:17: 'max_features' is out of range: 0"])
    }

    @Test func enumerationsListTheChoices() {
        #expect(errors("mapping:\n  timestamp_unit: sec\n") == ["2:19: unknown timestamp unit 'sec'"])
        #expect(errors("feature_kinds:\n  age: numerical\n") == ["2:8: unknown feature kind 'numerical'; did you mean 'numeric'?"])
    }

    @Test func timestampsFromKafkaAndNaiveTextPolicies() throws {
        let kafka = try load("mapping:\n  timestamp: kafka\n  naive_timestamps: reject\n").get().mapping
        #expect(kafka.timestamp == .kafkaMessage && kafka.naiveTimestamps == .reject)
        #expect(try load("mapping:\n  timestamp: meta.time\n").get().mapping.timestamp == .field("meta.time"))
        #expect(errors("mapping:\n  timestamp: kafka\n  timestamp_unit: s\n")
            == ["3:19: 'timestamp_unit' does not apply to 'timestamp: kafka' (Kafka timestamps are milliseconds)"])
        #expect(errors("mapping:\n  naive_timestamps: local\n") == ["2:21: unknown naive_timestamps policy 'local'"])
        #expect(errors("mapping:\n  timestamp: \"\"\n") == ["2:14: 'timestamp' cannot be empty"])
    }

    @Test func durationErrorsPointIntoTheValue() {
        #expect(errors("labels:\n  ttl: 7x\n") == ["2:9: invalid duration 'ttl': unknown unit 'x'"])
        #expect(errors("window:\n  slide: m5\n") == ["2:10: invalid duration 'slide': expected a number at 'm5'"])
    }

    @Test func inconsistentWindowsAndProfilesAreErrors() {
        #expect(errors("window:\n  length: 1h\n  slide: 7m\n") == [
            "2:3: invalid window: the window (3600000) must be a whole number of slides (420000)",
        ])
        #expect(errors("window:\n  count: 100\n  length: 1h\n") == ["3:3: 'length' cannot be combined with 'count'"])
        #expect(errors("window:\n  count_slide: 10\n") == ["2:3: 'count_slide' needs 'count'"])
        #expect(errors("profile:\n  fine_bins: 15\n  bins: 10\n") == [
            "2:3: invalid profile configuration: fine bins (15) must be a positive multiple of coarse bins (10)",
        ])
    }

    @Test func everyErrorIsReportedInReadingOrder() {
        #expect(errors("limits:\n  max_features: x\ncaps:\n  models: y\n  bogus: 1\n") == [
            "2:17: 'max_features' must be an integer, found 'x'",
            "4:11: 'models' must be an integer, found 'y'",
            "5:3: unknown key 'bogus' in 'caps'",
        ])
    }

    @Test func invalidYAMLAndMissingFiles() {
        let yamlErrors = errors("window:\n  length: [1h\n")
        #expect(yamlErrors.count == 1)
        #expect(yamlErrors.first?.hasPrefix("3:1: invalid YAML") == true)
        let missing = ConfigurationLoader.load(path: "/nonexistent/driftwatch.yaml").failureErrors
        #expect(missing.map(\.description) == ["/nonexistent/driftwatch.yaml: error: cannot open file"])
    }

    /// A window option on the command line replaces only its own part of the configuration
    /// file's window ("a flag beats the configuration file", part by part): `--lateness`
    /// once reset the file's 10-minute window to the default hour.
    @Test func windowOptionsReplaceOnlyTheirPartOfTheFilesWindow() throws {
        let executable = try #require(driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-window-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // 100 minutes, a prediction a second.
        let lines = (0..<6000).map { index in
            #"{"event":"prediction","model":"m","version":"v1","id":"p\#(index)","ts":\#(1_767_225_600_000 + Int64(index) * 1000),"#
                + #""features":{"x":\#(Double(index * 37 % 100) / 100)},"score":0.4,"label_pred":0}"#
        }
        let input = directory.appendingPathComponent("events.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("driftwatch.yaml")
        try "window: {length: 10m, slide: 2m, allowed_lateness: 1m}\n".write(to: config, atomically: true, encoding: .utf8)
        /// The (start, end) of the run's drift windows.
        func windows(_ options: [String]) throws -> Set<[Int64]> {
            let metrics = directory.appendingPathComponent("metrics.jsonl")
            let process = Process()
            process.executableURL = executable
            process.arguments = ["replay", "--input", input.path, "--rules", RuleFixtures.path("rules/default.yaml"), "--config", config.path,
                                 "--alerts-out", "/dev/null", "--metrics-out", metrics.path] + options
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let text = try String(contentsOf: metrics, encoding: .utf8)
            return Set(text.split(separator: "\n").filter { $0.contains(#""evaluation":"drift""#) }.compactMap { line -> [Int64]? in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                guard let start = object?["window_start"] as? Int64, let end = object?["window_end"] as? Int64 else { return nil }
                return [start, end]
            })
        }
        let lengths: (Set<[Int64]>) -> Set<Int64> = { windows in Set(windows.map { $0[1] - $0[0] }) }
        let slides: (Set<[Int64]>) -> Set<Bool> = { windows in Set(windows.map { $0[1] % 120_000 == 0 }) }
        let fromFile = try windows([])
        #expect(!fromFile.isEmpty && lengths(fromFile) == [600_000] && slides(fromFile) == [true])
        #expect(lengths(try windows(["--lateness", "30s"])) == [600_000], "the file's length and slide stay")
        let longer = try windows(["--window", "20m"])
        #expect(lengths(longer) == [1_200_000] && slides(longer) == [true], "the file's slide stays")
        #expect(lengths(try windows(["--slide", "5m"])) == [600_000])
    }
}
