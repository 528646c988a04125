import DriftCore
import MonitorCore
import Yams

/// Everything `driftwatch.yaml` sets: what the monitor computes (``MonitorConfiguration``)
/// and how events are read (``FieldMapping`` and ``EventDecoder/Limits``). Keys the file
/// leaves out keep their defaults; `fixtures/config/example.yaml` documents every key.
package struct DriftwatchConfiguration: Sendable {
    package var monitor = MonitorConfiguration()
    package var mapping = FieldMapping()
    package var limits = EventDecoder.Limits()
    /// `replay`, `profile` and `compare` fail when more of their input is rejected (``RejectionTally``).
    package var maximumRejectedShare = RejectionTally.defaultMaximumShare
    /// `serve`'s checkpoints (the `checkpoint` section; replay and the other commands ignore it).
    package var checkpoint = CheckpointOptions()
    /// `serve`'s `/metrics`: most series of monitor values and firing alerts (the `metrics` section's `max_series`).
    package var maximumMetricSeries = DriftwatchConfiguration.defaultMaximumMetricSeries
    package static let defaultMaximumMetricSeries = 2000
    package static let maximumMetricSeriesRange = 1...1_000_000

    package init() {}

    /// A decoder for events in the configured schema.
    package var decoder: EventDecoder { EventDecoder(mapping: mapping, limits: limits, modelTypes: monitor.modelTypes) }
}

/// How `serve` writes and restores its checkpoints (the `checkpoint` section).
package struct CheckpointOptions: Sendable, Equatable {
    /// What `serve` does with a shard whose group committed offsets but whose state topic
    /// holds no usable checkpoint.
    package enum MissingState: String, Sendable, CaseIterable {
        /// Stop with an error naming the shard, the offsets and what to do.
        case fail
        /// Start the shard empty at the committed offsets, logged as an error and counted.
        case reset
    }

    package static let defaultMaximumRecordBytes = 900_000
    /// Bounds of `max_record_bytes`: room for the manifest, and a checkpoint never needs more.
    package static let maximumRecordBytesRange = (16 << 10)...(64 << 20)

    /// The largest state-topic record (key, value and headers) a checkpoint is written as:
    /// under a default Kafka broker's ~1 MB message limit.
    package var maximumRecordBytes = defaultMaximumRecordBytes
    package var onMissingState = MissingState.fail

    package init() {}
}

/// Loads `driftwatch.yaml`: either the whole configuration or every problem found, each
/// with `file:line:column`, in the same form as rule-file errors (``RuleError``).
package enum ConfigurationLoader {
    package static func load(path: String) -> Result<DriftwatchConfiguration, RuleLoadFailure> {
        switch YAMLReader.read(path: path, maximumBytes: RuleLoader.maximumFileBytes) {
        case let .success(text): load(text: text, path: path)
        case let .failure(error): .failure(RuleLoadFailure(errors: [error]))
        }
    }

    /// Parses configuration text; `path` names the file in messages.
    package static func load(text: String, path: String) -> Result<DriftwatchConfiguration, RuleLoadFailure> {
        var parser = ConfigurationParser(path: path, text: text)
        let configuration = parser.parse(text)
        return parser.errors.isEmpty ? .success(configuration) : .failure(RuleLoadFailure(errors: parser.errors))
    }
}

/// Reads the configuration's node tree section by section with the rule files' diagnostics
/// reader (``YAMLReader``), so unknown keys get "did you mean" hints and every error a position.
private struct ConfigurationParser {
    private var yaml: YAMLReader
    private var configuration = DriftwatchConfiguration()

    static let sections = ["window", "labels", "caps", "profile", "feature_kinds", "mapping", "limits", "checkpoint", "metrics", "models"]

    init(path: String, text: String) {
        yaml = YAMLReader(path: path, text: text)
    }

    var errors: [RuleError] { yaml.errors }

    mutating func parse(_ text: String) -> DriftwatchConfiguration {
        // An empty file is a valid configuration: every default.
        guard case let .root(root) = yaml.compose(text),
              let fields = yaml.mapping(root, knownKeys: Self.sections, what: "the configuration") else {
            return configuration
        }
        if let field = fields["window"] { parseWindow(field.value) }
        if let field = fields["labels"] { parseLabels(field.value) }
        if let field = fields["caps"] { parseCaps(field.value) }
        if let field = fields["profile"] { parseProfile(field.value) }
        if let field = fields["feature_kinds"] { parseFeatureKinds(field.value) }
        if let field = fields["mapping"] { parseMapping(field.value) }
        if let field = fields["limits"] { parseLimits(field.value) }
        if let field = fields["checkpoint"] { parseCheckpoint(field.value) }
        if let field = fields["metrics"] { parseMetrics(field.value) }
        if let field = fields["models"] { parseModels(field.value) }
        return configuration
    }

    // MARK: Sections

    private mutating func parseWindow(_ node: Node) {
        let keys = ["length", "slide", "allowed_lateness", "min_events", "max_span", "count", "count_slide"]
        guard let fields = yaml.mapping(node, knownKeys: keys, what: "'window'") else { return }
        let timeKeys = ["length", "slide", "allowed_lateness", "min_events", "max_span"].filter { fields[$0] != nil }
        if let count = fields["count"] {
            if let first = timeKeys.first, let field = fields[first] {
                yaml.error(at: field.key, "'\(first)' cannot be combined with 'count'",
                           expected: "either length/slide/allowed_lateness (event time) or count/count_slide (events)")
                return
            }
            guard let window = yaml.integer(count.value, in: 1...100_000_000, what: "'count'") else { return }
            let slide = fields["count_slide"].map { yaml.integer($0.value, in: 1...100_000_000, what: "'count_slide'") }
                ?? max(1, window / 12)
            guard let slide else { return }
            makeWindow(at: count.value) { () throws(WindowSpecError) in try WindowSpec.count(window: window, slide: slide) }
            return
        }
        if let field = fields["count_slide"] {
            yaml.error(at: field.key, "'count_slide' needs 'count'", expected: "count: <events per window>")
            return
        }
        guard case let .eventTime(defaultSlide, defaultLateness) = configuration.monitor.window.kind else { return }
        let defaultLength = defaultSlide * Int64(configuration.monitor.window.panesPerWindow)
        let length = fields["length"].map { duration($0.value, what: "'length'") } ?? defaultLength
        let slide = fields["slide"].map { duration($0.value, what: "'slide'") } ?? defaultSlide
        let lateness = fields["allowed_lateness"].map { duration($0.value, what: "'allowed_lateness'") } ?? defaultLateness
        let minimumEvents = fields["min_events"].map { yaml.integer($0.value, in: 0...100_000_000, what: "'min_events'") }
            ?? WindowSpec.defaultMinimumEvents
        let maximumSpan = fields["max_span"].map { duration($0.value, what: "'max_span'") } ?? WindowSpec.defaultMaximumSpanMilliseconds
        guard let length, let slide, let lateness, let minimumEvents, let maximumSpan else { return }
        makeWindow(at: node) { () throws(WindowSpecError) in
            try WindowSpec.eventTime(window: length, slide: slide, allowedLateness: lateness, minimumEvents: minimumEvents, maximumSpan: maximumSpan)
        }
    }

    private mutating func makeWindow(at node: Node, _ make: () throws(WindowSpecError) -> WindowSpec) {
        do { configuration.monitor.window = try make() } catch { yaml.error(at: node, "invalid window: \(error.description)") }
    }

    private mutating func parseLabels(_ node: Node) {
        let keys = ["ttl", "coverage_threshold", "partial_wait", "partial_min_labelled", "max_pending", "early_label_wait"]
        guard let fields = yaml.mapping(node, knownKeys: keys, what: "'labels'") else { return }
        if let field = fields["ttl"], let value = duration(field.value, what: "'ttl'") {
            configuration.monitor.join.timeToLiveMilliseconds = value
        }
        if let field = fields["coverage_threshold"], let value = yaml.number(field.value, what: "'coverage_threshold'") {
            if value > 0, value <= 1 {
                configuration.monitor.labelReadiness.coverageThreshold = value
            } else {
                yaml.error(at: field.value, "'coverage_threshold' is out of range: \(value)", expected: "a share in (0, 1]")
            }
        }
        if let field = fields["partial_wait"], let value = duration(field.value, what: "'partial_wait'") {
            configuration.monitor.labelReadiness.partialWaitMilliseconds = value
        }
        if let field = fields["partial_min_labelled"], let value = yaml.integer(field.value, in: 1...100_000_000, what: "'partial_min_labelled'") {
            configuration.monitor.labelReadiness.partialMinimumLabelled = value
        }
        if let field = fields["max_pending"], let value = yaml.integer(field.value, in: 1...100_000_000, what: "'max_pending'") {
            configuration.monitor.join.maximumPendingPredictions = value
        }
        if let field = fields["early_label_wait"], let value = duration(field.value, what: "'early_label_wait'") {
            configuration.monitor.join.earlyLabelWaitMilliseconds = value
        }
    }

    private mutating func parseCaps(_ node: Node) {
        let caps: [(key: String, range: ClosedRange<Int>, path: WritableKeyPath<MonitorConfiguration.Caps, Int>)] = [
            ("models", 1...100_000, \.models),
            ("versions_per_model", 1...10_000, \.versionsPerModel),
            // Segment values are coded in one byte: at most 254 per attribute, 8 attributes.
            ("segment_values_per_attribute", 1...254, \.segmentValuesPerAttribute),
            ("segment_attributes", 0...8, \.segmentAttributes),
            ("reference_events", 1...100_000_000, \.referenceEvents),
            ("reference_bytes", 1 << 20...1 << 40, \.referenceBytesInTotal),
            ("performance_panes", 1...1_000_000, \.performancePanes),
        ]
        guard let fields = yaml.mapping(node, knownKeys: caps.map(\.key), what: "'caps'") else { return }
        for cap in caps {
            if let field = fields[cap.key], let value = yaml.integer(field.value, in: cap.range, what: "'\(cap.key)'") {
                configuration.monitor.caps[keyPath: cap.path] = value
            }
        }
    }

    private mutating func parseProfile(_ node: Node) {
        let settings: [(key: String, path: WritableKeyPath<ProfileConfiguration, Int>)] = [
            ("fine_bins", \.fineBinCount), ("bins", \.coarseBinCount), ("category_capacity", \.categoryCapacity),
        ]
        guard let fields = yaml.mapping(node, knownKeys: settings.map(\.key), what: "'profile'") else { return }
        var profile = configuration.monitor.profile
        for setting in settings {
            if let field = fields[setting.key], let value = yaml.integer(field.value, in: 1...(1 << 20), what: "'\(setting.key)'") {
                profile[keyPath: setting.path] = value
            }
        }
        do {
            try profile.validate()
            configuration.monitor.profile = profile
        } catch {
            yaml.error(at: node, error.description)
        }
    }

    private mutating func parseFeatureKinds(_ node: Node) {
        guard let fields = yaml.mapping(node, knownKeys: nil, what: "'feature_kinds'") else { return }
        let kinds = ["numeric", "categorical"]
        for (name, field) in fields.sortedByPosition {
            guard let text = yaml.string(field.value, what: "the kind of '\(name)'") else { continue }
            guard let kind = FeatureKind(rawValue: text) else {
                yaml.error(at: field.value, "unknown feature kind '\(text)'" + Suggestions.didYouMean(text, in: kinds),
                           expected: kinds.joined(separator: " | "))
                continue
            }
            configuration.monitor.featureKinds[name] = kind
        }
    }

    private mutating func parseMapping(_ node: Node) {
        let paths: [(key: String, path: WritableKeyPath<FieldMapping, String>)] = [
            ("event_type", \.eventType), ("model", \.model), ("version", \.version), ("id", \.id),
            ("features", \.features), ("score", \.score), ("label_pred", \.predictedLabel), ("prediction", \.prediction), ("probabilities", \.probabilities),
            ("segment", \.segment), ("label", \.label), ("default_version", \.defaultVersion),
        ]
        let keys = paths.map(\.key) + ["timestamp", "timestamp_unit", "naive_timestamps", "feature_paths", "segment_paths"]
        guard let fields = yaml.mapping(node, knownKeys: keys, what: "'mapping'") else { return }
        for entry in paths {
            guard let field = fields[entry.key], let value = yaml.string(field.value, what: "'\(entry.key)'") else { continue }
            guard !value.isEmpty else {
                yaml.error(at: field.value, "'\(entry.key)' cannot be empty", expected: "a dot-separated path such as request.model")
                continue
            }
            configuration.mapping[keyPath: entry.path] = value
        }
        if let field = fields["timestamp"], let value = yaml.string(field.value, what: "'timestamp'") {
            if value.isEmpty {
                yaml.error(at: field.value, "'timestamp' cannot be empty", expected: "a dot-separated path such as meta.time, or kafka")
            } else {
                configuration.mapping.timestamp = FieldMapping.TimestampSource(value)
            }
        }
        if let field = fields["timestamp_unit"],
           let unit = yaml.enumeration(field.value, FieldMapping.TimestampUnit.self, what: "timestamp unit") {
            if configuration.mapping.timestamp == .kafkaMessage {
                yaml.error(at: field.value, "'timestamp_unit' does not apply to 'timestamp: kafka' (Kafka timestamps are milliseconds)",
                           expected: "no timestamp_unit, or a timestamp field")
            } else {
                configuration.mapping.timestampUnit = unit
            }
        }
        if let field = fields["naive_timestamps"],
           let policy = yaml.enumeration(field.value, FieldMapping.NaiveTimestamps.self, what: "naive_timestamps policy") {
            configuration.mapping.naiveTimestamps = policy
        }
        if let field = fields["feature_paths"] { configuration.mapping.featurePaths = stringList(field.value, what: "'feature_paths'") }
        if let field = fields["segment_paths"], let entries = yaml.mapping(field.value, knownKeys: nil, what: "'segment_paths'") {
            for (name, entry) in entries.sortedByPosition {
                if let path = yaml.string(entry.value, what: "the path of '\(name)'") { configuration.mapping.segmentPaths[name] = path }
            }
        }
    }

    private mutating func parseLimits(_ node: Node) {
        guard let fields = yaml.mapping(node, knownKeys: ["max_event_bytes", "max_features", "max_rejected_share"], what: "'limits'") else { return }
        if let field = fields["max_event_bytes"], let value = yaml.integer(field.value, in: 64...(1 << 30), what: "'max_event_bytes'") {
            configuration.limits.maximumEventBytes = value
        }
        if let field = fields["max_features"], let value = yaml.integer(field.value, in: 1...100_000, what: "'max_features'") {
            configuration.limits.maximumFeatures = value
        }
        if let field = fields["max_rejected_share"], let value = yaml.number(field.value, what: "'max_rejected_share'") {
            if value >= 0, value <= 1 {
                configuration.maximumRejectedShare = value
            } else {
                yaml.error(at: field.value, "'max_rejected_share' is out of range: \(value)", expected: "a share in [0, 1]")
            }
        }
    }

    private mutating func parseCheckpoint(_ node: Node) {
        guard let fields = yaml.mapping(node, knownKeys: ["max_record_bytes", "on_missing_state"], what: "'checkpoint'") else { return }
        if let field = fields["max_record_bytes"],
           let value = yaml.integer(field.value, in: CheckpointOptions.maximumRecordBytesRange, what: "'max_record_bytes'") {
            configuration.checkpoint.maximumRecordBytes = value
        }
        if let field = fields["on_missing_state"], let text = yaml.string(field.value, what: "'on_missing_state'") {
            if let policy = CheckpointOptions.MissingState(rawValue: text) {
                configuration.checkpoint.onMissingState = policy
            } else {
                yaml.error(at: field.value, "'on_missing_state' is '\(text)'", expected: "fail or reset")
            }
        }
    }

    /// `models: {house-price: {type: regression}}`: each model's type (undeclared: binary).
    private mutating func parseModels(_ node: Node) {
        guard let models = yaml.mapping(node, knownKeys: nil, what: "'models'") else { return }
        for (name, model) in models.sortedByPosition {
            guard let fields = yaml.mapping(model.value, knownKeys: ["type"], what: "model '\(name)'") else { continue }
            guard let field = fields["type"] else {
                yaml.error(at: model.value, "model '\(name)' has no 'type'", expected: ModelType.allCases.map(\.rawValue).joined(separator: " | "))
                continue
            }
            if let type = yaml.enumeration(field.value, ModelType.self, what: "model type") { configuration.monitor.modelTypes.declare(name, type) }
        }
    }

    private mutating func parseMetrics(_ node: Node) {
        guard let fields = yaml.mapping(node, knownKeys: ["max_series"], what: "'metrics'") else { return }
        if let field = fields["max_series"],
           let value = yaml.integer(field.value, in: DriftwatchConfiguration.maximumMetricSeriesRange, what: "'max_series'") {
            configuration.maximumMetricSeries = value
        }
    }

    // MARK: Values

    private mutating func duration(_ node: Node, what: String) -> Int64? {
        guard let text = yaml.string(node, what: what) else { return nil }
        do {
            return try RuleDuration.milliseconds(text)
        } catch {
            yaml.error(at: node, offset: error.offset, "invalid duration \(what): \(error.message)", expected: "e.g. 30s, 5m, 1h30m, 7d")
            return nil
        }
    }

    private mutating func stringList(_ node: Node, what: String) -> [String] {
        guard case let .sequence(entries) = node else {
            yaml.error(at: node, "\(what) must be a list, found \(yaml.describe(node))", expected: "a list of paths")
            return []
        }
        return entries.compactMap { yaml.string($0, what: "an entry of \(what)") }
    }
}
