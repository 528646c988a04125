import Benchmark
import DriftCore
import BenchmarkStreams
import Foundation
import Monitor
import MonitorCore
import Simulation

/// The engine on its three workloads (README "Benchmarks"): a dense simulated stream of
/// 1 M predictions with labels, a sparse 14-day history at ~36,000 predictions a day
/// with labels, and a wide one (the same volume, 30 features), all with `rules/default.yaml`
/// and the default windows; then decoding
/// alone and the engine alone (events decoded beforehand). One iteration is one whole
/// stream: predictions per second are the stream's predictions over its wall clock time.
///
/// Run from the repository root: `DRIFTWATCH_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        scalingFactor: .one,
        maxDuration: .seconds(120),
        maxIterations: 3
    )

    for stream in BenchmarkStream.allCases {
        Benchmark("Replay/\(stream.rawValue)") { benchmark in
            let file = try StreamFile.path(of: stream)
            let engine = try StreamFile.engine()
            benchmark.startMeasurement()
            try Replay.run(inputs: [file], engine: engine, deliver: { blackHole($0) }, deadLetter: { _ in })
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Decode/sparse (100,000 lines)") { benchmark in
        let lines = StreamFile.firstLines(of: .sparse, count: 100_000)
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for line in lines {
            line.withUnsafeBufferPointer { blackHole(session.decode($0)) }
        }
    }

    // The same events as Avro in Schema Registry framing and as JSON: the fastavro-written
    // `event` vectors of fixtures/vectors/avro.json (a prediction and a label), 50,000 each.
    let framed = try! AvroEvents.load()
    Benchmark("Decode/Avro framed (100,000 messages)") { benchmark in
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for _ in 0..<50_000 {
            for message in framed.avro { message.withUnsafeBufferPointer { blackHole(session.decode($0, schemas: framed.schemas)) } }
        }
    }
    Benchmark("Decode/same events as JSON (100,000 messages)") { benchmark in
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for _ in 0..<50_000 {
            for message in framed.json { message.withUnsafeBufferPointer { blackHole(session.decode($0)) } }
        }
    }

    // The merge stage's work (issue 11): parts of a version's panes, recorded on 4 sources
    // (input partitions), merged and made into windows. A part costs what its summaries
    // hold (bins, categories, groups), not how many events it summarises: the same panes
    // from parts of 10 and of 1,000 events each.
    for eventsPerPart in [10, 1_000] {
        Benchmark("Merge stage/drift parts of \(eventsPerPart) events (4 sources × 288 panes)") { benchmark in
            let parts = try MergeParts.drift(eventsPerPart: eventsPerPart)
            var assembler = WindowAssembler<DriftPane>(spec: WindowSpec(kind: MonitorConfiguration().window.kind, panesPerWindow: 12))
            benchmark.startMeasurement()
            for (index, paneParts) in parts.enumerated() {
                for part in paneParts { blackHole(assembler.add(part)) }
                blackHole(assembler.close(before: Int64(index) + 1))
            }
            benchmark.stopMeasurement()
        }
        Benchmark("Merge stage/outcome parts of \(eventsPerPart) labels (4 sources × 288 panes)") { benchmark in
            let parts = MergeParts.outcomes(labelsPerPart: eventsPerPart)
            var tracker = PerformanceTracker(panesPerWindow: 12, readiness: LabelReadiness(), timeToLive: 0, maximumPanes: 1_000,
                                             outcomes: MergeParts.outcomeShape)
            var detectors = VersionDetectors()
            benchmark.startMeasurement()
            for (index, paneParts) in parts.enumerated() {
                for part in paneParts { blackHole(tracker.add(part)) }
                blackHole(tracker.readyWindows(closedBefore: Int64(index) + 1, detectors: &detectors) { _ in 0 })
            }
            benchmark.stopMeasurement()
        }
    }

    // The exchange between the stages (issue 11, step 3): 4 join tasks record their share of
    // a day of the sparse history's predictions (25 a pane and source, each labelled) and
    // hand over at every pane boundary, as the bytes of records under the broker's 1 MB; the
    // merge stage takes them and judges the windows.
    Benchmark("Join stage/\(HandOvers.events) predictions recorded and handed over as bytes (4 sources × 288 panes)") { benchmark in
        let setup = try HandOvers.setup()
        benchmark.startMeasurement()
        blackHole(HandOvers.record(setup))
        benchmark.stopMeasurement()
    }
    Benchmark("Merge stage/hand-overs decoded, merged and judged (4 sources × 288 panes)") { benchmark in
        let setup = try HandOvers.setup()
        let bytes = HandOvers.record(setup)
        var merge = PaneMerge<DriftPane>(spec: HandOvers.spec, sources: MergeParts.sources, tracker: HandOvers.tracker())!
        var detectors = VersionDetectors()
        benchmark.startMeasurement()
        for step in 0..<bytes.map(\.count).max()! {
            for records in bytes where step < records.count {
                blackHole(merge.receive(try HandOver(decoding: records[step], panes: setup.coding, outcomes: setup.outcomes)))
            }
            blackHole(merge.judge(detectors: &detectors))
        }
        benchmark.stopMeasurement()
    }

    // The same hand-overs (with fairness by segment, as the default rules track it) through a
    // merge task of the default configuration: merged, judged and every default rule
    // evaluated on every window, the outputs drained.
    Benchmark("Merge stage/hand-overs through a merge task judged by the default rules (4 sources × 288 panes)") { benchmark in
        let setup = try HandOvers.configuredSetup()
        let bytes = HandOvers.record(setup)
        let rules = try RuleLoader.load(paths: [StreamFile.rules]).get()
        let task = MergeTask(sources: MergeParts.sources, configuration: HandOvers.configuration(setup), rules: rules,
                             segmentAttributes: HandOvers.segmentAttributes)
        let key = VersionKey(model: "loan-approval", version: "2026.01")
        var outputs = 0
        benchmark.startMeasurement()
        for step in 0..<bytes.map(\.count).max()! {
            for records in bytes where step < records.count {
                guard case .handOver = task.receive(.handOver(key, record: records[step]), from: 0) else { fatalError("a record refused") }
            }
            task.judge()
            outputs += task.drainOutputs().count
        }
        benchmark.stopMeasurement()
        precondition(task.counters.evaluations > 500 && outputs > 0, "windows judged")
    }

    Benchmark("Engine only/sparse (events decoded beforehand)") { benchmark in
        let engine = try StreamFile.engine()
        let events = try StreamFile.firstLines(of: .sparse, count: .max).map { line in
            try line.withUnsafeBufferPointer { try engine.decoder.decode($0).get() }
        }
        benchmark.startMeasurement()
        for event in events {
            engine.process(event)
            blackHole(engine.drainOutputs())
        }
        engine.finish()
        blackHole(engine.drainOutputs())
        benchmark.stopMeasurement()
    }
}

/// The benchmark streams and the engine they are replayed through.
enum StreamFile {
    /// The default rules, found from the working directory (the repository root).
    static let rules = FileManager.default.currentDirectoryPath + "/rules/default.yaml"

    /// An engine as `driftwatch replay --alerts-out` makes it: default windows and caps,
    /// the default rules, no metric events (nothing would write them).
    static func engine() throws -> MonitorEngine {
        var configuration = MonitorConfiguration()
        configuration.emitsMetricEvents = false
        return MonitorEngine(configuration: configuration, rules: try RuleLoader.load(paths: [rules]).get())
    }

    /// The stream as a file in the temporary directory, written on first use and kept for
    /// later runs (`$TMPDIR/driftwatch-bench-*.jsonl`, 1.2 GB for the three: delete them after
    /// changing a generator). Written under a name of its own, then renamed, so that an
    /// interrupted run leaves no partial file behind.
    static func path(of stream: BenchmarkStream) throws -> String {
        let path = NSTemporaryDirectory() + "driftwatch-bench-\(stream.rawValue).jsonl"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        let partial = path + ".\(getpid()).partial"
        try stream.write(to: partial)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// The stream's first `count` lines, as bytes.
    static func firstLines(of stream: BenchmarkStream, count: Int) -> [[UInt8]] {
        stream.lines().prefix(count).map { Array($0.utf8) }
    }
}

/// The `event` case of `fixtures/vectors/avro.json`: its datums framed with schema id 1, and
/// the same events as JSON.
enum AvroEvents {
    static func load() throws -> (avro: [[UInt8]], json: [[UInt8]], schemas: SchemaTable) {
        let vectors = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "fixtures/vectors/avro.json"))) as? [String: Any]
        guard let cases = vectors?["cases"] as? [[String: Any]], let event = cases.first(where: { $0["name"] as? String == "event" }),
              let schema = event["schema"] as? String, let datums = event["datums"] as? [[String: String]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let avro = datums.map { datum in
            let hex = Array(datum["hex", default: ""].utf8)
            return [0, 0, 0, 0, 1] + stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        }
        let schemas = SchemaTable(schemas: [1: .success(.avro(AvroDecoder(schema: try AvroSchema(json: schema))))])
        return (avro, datums.map { Array($0["json", default: ""].utf8) }, schemas)
    }
}

/// Parts of panes as a merge stage receives them: for each of 288 panes (a day of 5-minute
/// panes), one part from each of 4 sources, recorded from the sparse history's predictions
/// (taken in turn, whatever their time) against a reference profiled from its first 20,000.
enum MergeParts {
    static let sources = 4
    static let panes = 288

    /// The sparse history's first predictions, decoded.
    static func predictions(_ count: Int) throws -> [PredictionEvent] {
        let decoder = try StreamFile.engine().decoder
        var predictions: [PredictionEvent] = []
        for line in BenchmarkStream.sparse.lines() {
            if case let .prediction(event) = try Array(line.utf8).withUnsafeBufferPointer({ try decoder.decode($0).get() }) { predictions.append(event) }
            if predictions.count == count { break }
        }
        return predictions
    }

    static func drift(eventsPerPart: Int) throws -> [[RecordedPane<DriftPane>]] {
        let events = try predictions(20_000)
        var profiler = try DatasetProfiler()
        for event in events { profiler.add(event) }
        let layout = FeatureLayout(profile: profiler.finish())
        var next = 0
        return (0..<panes).map { index in
            (0..<sources).map { _ in
                var pane = DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: 1_000)
                for _ in 0..<eventsPerPart {
                    pane.record(events[next % events.count], layout: layout)
                    next += 1
                }
                return RecordedPane(index: Int64(index), pane: pane, eventCount: eventsPerPart, start: Int64(index) * 300_000,
                                    end: Int64(index + 1) * 300_000)
            }
        }
    }

    static let outcomeShape = OutcomeShape(modelType: .binary, fairnessAttributes: [["region"], ["channel"]])

    /// Parts with predictions and their labels (scores spread over the bins, 3 groups each).
    static func outcomes(labelsPerPart: Int) -> [[PerformanceTracker.Pane]] {
        var random = RandomSource(seed: 1)
        return (0..<panes).map { index in
            (0..<sources).map { _ in
                var part = PerformanceTracker.Pane(index: Int64(index), summaries: OutcomeSummaries(outcomeShape))
                for event in 0..<labelsPerPart {
                    let score = Double.random(in: 0...1, using: &random)
                    part.summaries.recordPrediction(timestamp: Int64(index) * 300_000 + Int64(event))
                    part.summaries.recordLabel(label: Bool.random(using: &random), predicted: score > 0.5, score: score,
                                               groups: [FairnessGroupKey(["r\(event % 3)"]), FairnessGroupKey(["c\(event % 3)"])])
                }
                return part
            }
        }
    }
}

/// A day of the sparse history's predictions over 4 join-task sources (``PaneSource``),
/// 25 a pane and source, each labelled as it is made, for the exchange benchmarks.
enum HandOvers {
    static let perPaneAndSource = 25
    static let events = MergeParts.panes * MergeParts.sources * perPaneAndSource
    static let spec = WindowSpec(kind: MonitorConfiguration().window.kind, panesPerWindow: 12)

    struct Setup {
        var events: [PredictionEvent]
        var profile: ReferenceProfile
        var layout: FeatureLayout
        var template: DriftPane
        var coding: PaneCoding<DriftPane>
        var outcomes = MergeParts.outcomeShape
        /// The groups of the `number`th prediction in the drift panes' fairness sets and in
        /// the outcomes': none and 3 synthetic ones each, or its segment's.
        var groups: (_ event: PredictionEvent, _ number: Int) -> (panes: [FairnessGroupKey], outcomes: [FairnessGroupKey]) = { _, number in
            ([], [FairnessGroupKey(["r\(number % 3)"]), FairnessGroupKey(["c\(number % 3)"])])
        }
    }

    static func setup() throws -> Setup {
        let events = try MergeParts.predictions(20_000)
        var profiler = try DatasetProfiler()
        for event in events { profiler.add(event) }
        let profile = profiler.finish()
        let layout = FeatureLayout(profile: profile)
        let template = DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: 1_000)
        return Setup(events: events, profile: profile, layout: layout, template: template, coding: .drift(layout: layout, template: template))
    }

    /// The sparse history's segment attributes, tracked alike by every join task.
    static let segmentAttributes = ["region", "tier"]

    /// Panes as a merge task configured by `configuration()` reads them: fairness by each
    /// segment attribute (the default rules' `DemographicParity` takes every one) in the
    /// drift panes and the outcomes.
    static func configuredSetup() throws -> Setup {
        var setup = try setup()
        let fairness = segmentAttributes.map { [$0] }
        setup.template = DriftPane(layout: setup.layout, fairnessAttributes: fairness, maximumGroups: FairnessSummary.defaultMaximumGroups)
        setup.coding = .drift(layout: setup.layout, template: setup.template)
        setup.outcomes = OutcomeShape(modelType: .binary, fairnessAttributes: fairness)
        setup.groups = { event, _ in
            let groups = segmentAttributes.map { name in FairnessGroupKey([event.segment.first { $0.name == name }?.value ?? ""]) }
            return (groups, groups)
        }
        return setup
    }

    /// The default configuration with `setup`'s profile as every version's reference and the
    /// benchmark's windows.
    static func configuration(_ setup: Setup) -> MonitorConfiguration {
        var configuration = MonitorConfiguration()
        configuration.window = spec
        configuration.join.timeToLiveMilliseconds = 0
        configuration.references.set(setup.profile, identifier: "sparse-20000")
        return configuration
    }

    static func tracker() -> PerformanceTracker {
        PerformanceTracker(panesPerWindow: 12, readiness: LabelReadiness(), timeToLive: 0, maximumPanes: 1_000, outcomes: MergeParts.outcomeShape)
    }

    /// Each source's records, as bytes: the predictions taken in turn, spread evenly over the day.
    static func record(_ setup: Setup) -> [[[UInt8]]] {
        let template = setup.template
        var sources = (0..<MergeParts.sources).map { PaneSource(source: $0, spec: spec, outcomes: setup.outcomes) { template }! }
        var sent = Array(repeating: [[UInt8]](), count: MergeParts.sources)
        let spacing = Int64(MergeParts.panes) * 300_000 / Int64(events)
        for number in 0..<events {
            let event = setup.events[number % setup.events.count]
            let source = number % MergeParts.sources
            let timestamp = Int64(number) * spacing
            let groups = setup.groups(event, number)
            guard let pane = sources[source].recordPrediction(timestamp: timestamp, judgeable: true, { $0.record(event, layout: setup.layout, groups: groups.panes) })
            else { continue }
            var score = 0.5
            if case let .binary(_, logged?) = event.output { score = logged }
            sources[source].recordOutcome(pane: pane) {
                $0.recordLabel(label: number % 3 == 0, predicted: score > 0.5, score: score, groups: groups.outcomes)
            }
            sent[source] += sources[source].handOverRecords(maximumBytes: 1_000_000, panes: setup.coding)
        }
        for source in sources.indices {
            sources[source].advance(to: Int64(MergeParts.panes + 1) * 300_000)
            sent[source] += sources[source].handOverRecords(maximumBytes: 1_000_000, panes: setup.coding)
        }
        return sent
    }
}
