import DriftCore

/// The reference a version is monitored against, with what rules need beyond the
/// profile: statistics of the reference's own chunks (for `± k sigma` conditions) and
/// its performance once its labels arrive (for `reference - 0.05` conditions).
///
/// A class: it is immutable once built and read on every event, so sharing one
/// reference costs a retain rather than a copy of its arrays.
package final class ActiveReference: Sendable {
    package let profile: ReferenceProfile
    package let layout: FeatureLayout
    package let identifier: String
    /// Rows the reference was built from.
    package let count: Int
    /// Mean and standard deviation of each drift statistic over the reference's chunks
    /// (each chunk compared with the whole reference), keyed by subject and metric.
    package let chunkStatistics: [MetricKey: ChunkStatistic]
    /// Each performance metric's spread over chunks of `performanceChunkSize` labelled
    /// predictions (profiles built from labelled data; empty otherwise).
    package let performanceChunks: [PerformanceMetric: ChunkStatistic]
    package let performanceChunkSize: Int

    package init(profile: ReferenceProfile, identifier: String, count: Int, chunkStatistics: [MetricKey: ChunkStatistic],
         performanceChunks: [PerformanceMetric: ChunkStatistic] = [:], performanceChunkSize: Int = 0) {
        self.profile = profile
        layout = FeatureLayout(profile: profile)
        self.identifier = identifier
        self.count = count
        self.chunkStatistics = chunkStatistics
        self.performanceChunks = performanceChunks
        self.performanceChunkSize = performanceChunkSize
    }

    /// A performance metric's reference band on a window of `labelled` predictions: the
    /// chunks' mean, and their standard deviation scaled from the chunk size to the window
    /// (a proportion's sampling deviation shrinks as 1/√n).
    package func performanceBand(_ metric: PerformanceMetric, labelled: Int) -> (mean: Double, standardDeviation: Double)? {
        guard let chunk = performanceChunks[metric], labelled > 0, performanceChunkSize > 0 else { return nil }
        return (chunk.mean, chunk.standardDeviation * (Double(performanceChunkSize) / Double(labelled)).squareRoot())
    }
}

/// The engine-wide allowance of events, and of their estimated bytes, held for stream
/// references (see `Caps.referenceEventsInTotal` and `Caps.referenceBytesInTotal`),
/// shared by every version's collector.
final class ReferenceBudget {
    private(set) var remaining: Int
    private(set) var remainingBytes: Int

    init(events: Int, bytes: Int) {
        remaining = events
        remainingBytes = bytes
    }

    /// Takes one event of `bytes`, if both allowances have room for it.
    func take(bytes: Int) -> Bool {
        reserve(events: 1, bytes: bytes)
    }

    func giveBack(events: Int, bytes: Int) {
        remaining += events
        remainingBytes += bytes
    }

    /// Takes `events` of `bytes` in all at once (restoring a checkpoint's holdings);
    /// false (and nothing taken) when either allowance has less left.
    func reserve(events: Int, bytes: Int) -> Bool {
        guard events <= remaining, bytes <= remainingBytes else { return false }
        remaining -= events
        remainingBytes -= bytes
        return true
    }
}

extension PredictionEvent {
    /// Roughly what the event occupies while it is held whole: its strings' bytes plus a
    /// fixed allowance per event, feature and segment attribute for their storage. O(features).
    var estimatedBytes: Int {
        var bytes = 128 + model.utf8.count + version.utf8.count + id.utf8.count
        for feature in features {
            bytes += 48 + feature.name.utf8.count
            if case let .string(text) = feature.value { bytes += text.utf8.count }
        }
        for attribute in segment { bytes += 64 + attribute.name.utf8.count + attribute.value.utf8.count }
        return bytes
    }
}

/// Labelled outcomes of the reference period's predictions (stream references), the
/// baseline of `reference ± x` conditions on performance and fairness metrics; read
/// through its summaries (`reference.outcome`, `reference.fairness`, …).
@dynamicMemberLookup
struct ReferencePerformance: Sendable {
    /// The period's judgeable predictions and the outcomes of those labelled (the same
    /// summaries as a performance pane's; their event-time span is not kept).
    var outcomes: OutcomeSummaries
    /// Predictions whose label joined or expired.
    var resolved = 0
    /// A multiclass classifier's labelled class probabilities: what its CBPE calibration is
    /// fitted on, and its realized ROC AUC. Frozen once the calibration is fitted.
    var classProbabilities = Self.freshClassProbabilities
    private(set) var classCalibrationState = ClassCalibrationState.gathering
    let shape: OutcomeShape

    /// Empty labelled class probabilities (no allocation: their tables start empty).
    private static let freshClassProbabilities = try! ClassProbabilityOutcomes()  // default bins and cap are valid

    init(_ shape: OutcomeShape) {
        self.shape = shape
        outcomes = OutcomeSummaries(shape)
    }

    var predictions: Int {
        get { outcomes.predictions }
        set { outcomes.predictions = newValue }
    }

    subscript<Value>(dynamicMember keyPath: KeyPath<OutcomeSummaries, Value>) -> Value { outcomes[keyPath: keyPath] }

    /// A profile's outcomes, settled: every prediction resolved. Attribute sets the profile has
    /// no summary for (intersections, attributes it lacks) stay empty, their conditions unavailable.
    init(_ profiled: ReferenceOutcomes, shape: OutcomeShape) {
        self.init(shape)
        predictions = max(profiled.predictions, 1)
        resolved = predictions
        outcomes.outcome = profiled.performance
        outcomes.regression = profiled.regression
        outcomes.residuals = profiled.residuals
        outcomes.multiclass = profiled.multiclass
        classProbabilities = profiled.classProbabilities
        Self.adopt(profiled.fairness, into: &outcomes.fairness)
        Self.adopt(profiled.regressionFairness, into: &outcomes.regressionFairness)
        Self.adopt(profiled.multiclassFairness, into: &outcomes.multiclassFairness)
    }

    /// Each of `summaries` (one per tracked attribute set) replaced by the given one for its attribute set, if any.
    private static func adopt<Summary: GroupTableSummary>(_ given: [Summary], into summaries: inout [Summary]) {
        for index in summaries.indices {
            if let match = given.first(where: { $0.attributes == summaries[index].attributes }) { summaries[index] = match }
        }
    }

    /// Whether enough of the period's predictions have an outcome to trust its metrics: the
    /// coverage a window needs, or as many labels as a window judged after the partial wait
    /// (taken as passed: the reference is older than every window compared with it).
    func isSettled(_ readiness: LabelReadiness) -> Bool {
        predictions > 0 && readiness.isReady(predictions: predictions, labelled: resolved, waited: .max)
    }

    /// Records a reference prediction's labelled class probabilities, until the calibration is fitted.
    mutating func recordClassProbabilities(label: String, probabilities: [String: Double]) {
        guard case .gathering = classCalibrationState else { return }
        classProbabilities.record(label: label, probabilities: probabilities)
    }

    /// Multiclass CBPE's calibration (``ClassCalibrationState``): fitted, and the labelled
    /// probabilities frozen, the first time it is asked for once the outcomes are settled;
    /// nil before, and when they cannot calibrate.
    mutating func classCalibration(_ readiness: LabelReadiness) -> NamedClassCalibration? {
        switch classCalibrationState {
        case let .fitted(calibration):
            return calibration
        case .gathering:
            guard isSettled(readiness) else { return nil }
            let fitted = NamedClassCalibration(classProbabilities)
            classCalibrationState = .fitted(fitted)
            return fitted
        }
    }
}

/// Collects a version's first window of events to build its reference from the stream
/// (when no profile was given): the profile from all of them, and one chunk per pane.
struct StreamReferenceCollector: Sendable {
    let firstPane: Int64
    /// Panes of the period: the window's, or more once a sparse period grew (``extend()``).
    private(set) var panes: Int
    /// The window's panes: the period's length before it grew.
    let initialPanes: Int
    private(set) var events: [[PredictionEvent]]
    private var kept = 0
    /// Estimated bytes of the kept events (what goes back to the budget with them).
    private(set) var keptBytes = 0
    let capacity: Int
    /// Events beyond the capacity: left out of the reference, counted.
    private(set) var dropped = 0

    init(firstPane: Int64, panes: Int, capacity: Int) {
        self.firstPane = firstPane
        self.panes = panes
        initialPanes = panes
        self.capacity = capacity
        events = Array(repeating: [], count: panes)
    }

    /// Adds the next pane to the period.
    mutating func extend() {
        panes += 1
        events.append([])
    }

    /// Whether `pane` belongs to the reference period.
    func contains(pane: Int64) -> Bool {
        pane >= firstPane && pane < firstPane + Int64(panes)
    }

    mutating func add(_ event: PredictionEvent, pane: Int64, budget: ReferenceBudget) {
        let bytes = event.estimatedBytes
        guard kept < capacity, budget.take(bytes: bytes) else {
            dropped += 1
            return
        }
        kept += 1
        keptBytes += bytes
        events[Int(pane - firstPane)].append(event)
    }

    var isEmpty: Bool { kept == 0 }
    /// Events held (what goes back to the budget once the reference is built).
    var keptCount: Int { kept }

    /// The reference's chunks, for the spread of each drift statistic: its panes, or for a
    /// period that grew on sparse traffic, its events cut into as many chunks of equal
    /// size as a window has panes (panes of a few events would only measure noise).
    private var chunks: [[PredictionEvent]] {
        guard panes > initialPanes else { return events }
        let all = events.flatMap { $0 }
        return (0..<initialPanes).map { chunk in Array(all[chunk * all.count / initialPanes ..< (chunk + 1) * all.count / initialPanes]) }
    }

    /// Builds the reference: the profile of every kept event, then each chunk's drift
    /// statistics against it.
    func finish(configuration: ProfileConfiguration, kinds: [String: FeatureKind], modelType: ModelType) throws -> ActiveReference {
        // The same rows-first profiling as `driftwatch profile`: a feature an event does
        // not mention is missing in that row, as the drift panes count it.
        var profiler = try DatasetProfiler(configuration: configuration, kinds: kinds)
        for pane in events {
            for event in pane { profiler.add(event) }
        }
        let profile = profiler.finish().outputs(of: modelType)
        var variation = ChunkVariation(profile: profile, chunkSize: .max)
        for chunk in chunks where !chunk.isEmpty { variation.add(chunk: chunk) }
        let chunkStatistics = variation.finish()
        return ActiveReference(profile: profile, identifier: "stream:first-window", count: kept, chunkStatistics: chunkStatistics)
    }
}

extension ReferenceProfile {
    /// The profile a model of `type` is compared with: a regression model has no predicted
    /// class, so its `prediction` subject (always missing) is left out rather than reported
    /// on every window; its numeric prediction is the `score` subject. A multiclass
    /// classifier has no score (its `score` subject is left out); its predicted classes are
    /// the `prediction` subject's categories.
    func outputs(of type: ModelType) -> ReferenceProfile {
        switch type {
        case .binary: self
        case .regression: ReferenceProfile(configuration: configuration, features: features.filter { $0.key != OutputSubject.prediction })
        case .multiclass: ReferenceProfile(configuration: configuration, features: features.filter { $0.key != OutputSubject.score })
        }
    }

    /// Rows the profile was built from (its most complete feature's count).
    package var rowCount: Int {
        features.values.map { feature in
            switch feature {
            case let .numeric(numeric): numeric.summary.totalCount
            case let .categorical(categorical): categorical.summary.totalCount
            }
        }.max() ?? 0
    }
}

// MARK: Checkpoint

extension ActiveReference {
    /// Layout: the profile, identifier, row count, then the chunk statistics sorted by
    /// subject and metric (so equal references always give equal bytes).
    func encode(to writer: inout BinaryWriter) {
        writer.write(profile)
        writer.write(identifier)
        writer.writeCounter(count)
        let keys = chunkStatistics.keys.sorted { ($0.subject, $0.metric) < ($1.subject, $1.metric) }
        writer.writeCount(keys.count)
        for key in keys {
            writer.write(key.subject)
            writer.write(key.metric.rawValue)
            writer.write(chunkStatistics[key]!.mean)
            writer.write(chunkStatistics[key]!.standardDeviation)
        }
        writer.writeCounter(performanceChunkSize)
        let metrics = PerformanceMetric.allCases.filter { performanceChunks[$0] != nil }
        writer.writeCount(metrics.count)
        for metric in metrics {
            writer.write(metric.rawValue)
            writer.write(performanceChunks[metric]!.mean)
            writer.write(performanceChunks[metric]!.standardDeviation)
        }
    }

    static func decode(from reader: inout BinaryReader) throws -> ActiveReference {
        let profile = try reader.read(ReferenceProfile.self)
        let identifier = try reader.readString()
        let count = try reader.readCounter()
        let statisticCount = try reader.readCount(maximum: reader.remaining)
        var statistics: [MetricKey: ChunkStatistic] = [:]
        for _ in 0..<statisticCount {
            let subject = try reader.readMetricSubject()
            let name = try reader.readString()
            guard let metric = FeatureMetric(rawValue: name) else {
                throw SerializationError.invalidValue("unknown metric \(name) in a chunk statistic")
            }
            let key = MetricKey(subject, metric)
            let statistic = ChunkStatistic(mean: try reader.readDouble(), standardDeviation: try reader.readDouble())
            guard statistics.updateValue(statistic, forKey: key) == nil else {
                throw SerializationError.invalidValue("duplicate chunk statistic \(key.subject.name)/\(key.metric)")
            }
        }
        let chunkSize = try reader.readCounter()
        var chunks: [PerformanceMetric: ChunkStatistic] = [:]
        for _ in 0..<(try reader.readCount(maximum: PerformanceMetric.allCases.count)) {
            let name = try reader.readString()
            guard let metric = PerformanceMetric(rawValue: name) else { throw SerializationError.invalidValue("unknown performance metric \(name)") }
            chunks[metric] = ChunkStatistic(mean: try reader.readDouble(), standardDeviation: try reader.readDouble())
        }
        return ActiveReference(profile: profile, identifier: identifier, count: count, chunkStatistics: statistics,
                               performanceChunks: chunks, performanceChunkSize: chunkSize)
    }
}

extension ReferencePerformance {
    /// Writes every model type's summaries, another type's as empty tables for each
    /// attribute set: the layout of formats 7 and later, whatever the model.
    func encode(to writer: inout BinaryWriter) {
        let every = { (type: ModelType) in OutcomeShape(modelType: type, fairnessAttributes: shape.fairnessAttributes) }
        writer.writeCounter(predictions)
        writer.writeCounter(resolved)
        writer.write(outcomes.outcome)
        writer.write(shape.modelType == .binary ? outcomes.fairness : every(.binary).freshFairness)
        writer.write(outcomes.regression)
        writer.write(shape.modelType == .regression ? outcomes.regressionFairness : every(.regression).freshRegressionFairness)
        writer.write(outcomes.residuals)
        writer.write(outcomes.multiclass)
        writer.write(shape.modelType == .multiclass ? outcomes.multiclassFairness : every(.multiclass).freshMulticlassFairness)
        writer.write(classProbabilities)
        writer.write(classCalibrationState.isFitted)
    }

    /// Decodes onto the version's model type and fairness attribute sets (engine checkpoint
    /// `format`: 6 added the regression summary, 7 the residuals and the multiclass summary,
    /// 8 the labelled class probabilities and whether the calibration was fitted on them,
    /// which is then refitted). Another model type's group tables are checked and left out.
    init(from reader: inout BinaryReader, format: UInt32, shape: OutcomeShape) throws {
        self.init(shape)
        let attributes = shape.fairnessAttributes
        predictions = try reader.readCounter()
        resolved = try reader.readCounter()
        outcomes.outcome = try reader.read(BinaryOutcomeSummary.self)
        try reader.expect(outcomes.outcome.scoreBins, OutcomeShape.freshBinary.scoreBins, "reference outcome score bins")
        let fairness = try reader.readArray(of: FairnessSummary.self)
        try reader.expect(fairness.map(\.attributes), attributes, "reference fairness attribute sets")
        try reader.expect(fairness.map(\.scoreBins), attributes.map { _ in 0 }, "reference fairness score bins")
        if shape.modelType == .binary { outcomes.fairness = fairness }
        if format >= 6 {
            outcomes.regression = try reader.read(RegressionSummary.self)
            let regressionFairness = try reader.readArray(of: RegressionFairnessSummary.self)
            try reader.expect(regressionFairness.map(\.attributes), attributes, "reference regression fairness attribute sets")
            if shape.modelType == .regression { outcomes.regressionFairness = regressionFairness }
        }
        if format >= 7 {
            outcomes.residuals = try reader.read(ResidualHistogram.self)
            outcomes.multiclass = try reader.read(MulticlassOutcomeSummary.self)
            try reader.expect(outcomes.multiclass.maximumClasses, OutcomeShape.freshMulticlass.maximumClasses, "reference class cap")
            let multiclassFairness = try reader.readArray(of: GroupAccuracySummary.self)
            try reader.expect(multiclassFairness.map(\.attributes), attributes, "reference group accuracy attribute sets")
            if shape.modelType == .multiclass { outcomes.multiclassFairness = multiclassFairness }
        }
        if format >= 8 {
            classProbabilities = try reader.read(ClassProbabilityOutcomes.self)
            try reader.expect(classProbabilities.scoreBins, Self.freshClassProbabilities.scoreBins, "reference class probability bins")
            if try reader.readBool() { classCalibrationState = .fitted(NamedClassCalibration(classProbabilities)) }
        }
    }
}

extension StreamReferenceCollector {
    /// Layout: first pane, pane count, the window's pane count, capacity, dropped, then each pane's events.
    func encode(to writer: inout BinaryWriter) {
        writer.write(firstPane)
        writer.writeCount(panes)
        writer.writeCount(initialPanes)
        writer.writeCounter(capacity)
        writer.writeCounter(dropped)
        for pane in events {
            writer.writeCount(pane.count)
            for event in pane { writer.write(event) }
        }
    }

    /// A collector written by ``encode(to:)`` in engine checkpoint `format`.
    init(from reader: inout BinaryReader, format: UInt32) throws {
        let firstPane = try reader.readInt64()
        let panes = try reader.readCount(maximum: reader.remaining)
        let initialPanes = try reader.readCount(maximum: panes)
        guard initialPanes > 0 else { throw SerializationError.invalidValue("stream reference of no panes") }
        self.init(firstPane: firstPane, panes: initialPanes, capacity: try reader.readCounter())
        for _ in initialPanes..<panes { extend() }
        dropped = try reader.readCounter()
        for pane in 0..<panes {
            let count = try reader.readCount(maximum: reader.remaining)
            for _ in 0..<count {
                let event = try reader.readPredictionEvent(format: format)
                events[pane].append(event)
                keptBytes += event.estimatedBytes
            }
            kept += count
        }
        guard kept <= capacity else { throw SerializationError.invalidValue("stream reference holds \(kept) events, capacity \(capacity)") }
    }
}
