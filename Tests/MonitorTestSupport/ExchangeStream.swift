import DriftCore
import Simulation
import Testing
@testable import MonitorCore

/// A pane that keeps the ids recorded into it: its merge order shows (as floating-point
/// sums would).
package struct ValuesPane: WindowPane, Equatable {
    package var values: [Int] = []
    package init(values: [Int] = []) { self.values = values }
    package mutating func merge(_ other: ValuesPane) { values += other.values }

    /// The ids as varints.
    package static var coding: PaneCoding<ValuesPane> {
        PaneCoding(encode: { pane, writer in
            writer.writeCount(pane.values.count)
            for value in pane.values { writer.writeVarint(UInt64(value)) }
        }) { reader in
            ValuesPane(values: try (0..<reader.readCount(maximum: reader.remaining)).map { _ in Int(try reader.readVarint()) })
        }
    }
}

/// A labelled prediction stream spread over join-task sources, and the sources' hand-overs
/// (issue 11's join stage, in process), for the exchange tests.
package struct ExchangeStream {
    package struct Prediction {
        package var id: Int, timestamp: Int64
        package var score: Double, label: Bool
        /// When its label arrives (nil: never).
        package var labelledAt: Int64?
        /// Its fairness group, and its features.
        package var group: Int, income: Double, channel: String
    }

    package enum Step {
        case prediction(Int)
        case label(Int)
    }

    package static let paneMilliseconds: Int64 = 1000
    package var predictions: [Prediction] = []
    /// Predictions and labels in event-time order (a label after its prediction).
    package var timeline: [(timestamp: Int64, step: Step)] = []
    /// After the last event: every source is moved on to it so that every pane closes.
    package var end: Int64 = 0

    /// 60 panes with idle ones, 0–30 predictions a pane, an error rate that rises from pane
    /// 30 on, labels 0–8 panes late and 1 in 6 never labelled, three groups.
    package init(seed: UInt64) {
        var random = RandomSource(seed: seed)
        for pane in Int64(0)..<60 where pane % 11 != 4 {
            for _ in 0..<Int.random(in: 0...30, using: &random) {
                let timestamp = pane * Self.paneMilliseconds + Int64.random(in: 0..<Self.paneMilliseconds, using: &random)
                let score = Double.random(in: 0...1, using: &random)
                let label = Double.random(in: 0...1, using: &random) < (pane < 30 ? score : 1 - score)
                let delay = Int64.random(in: 1...(8 * Self.paneMilliseconds), using: &random)
                predictions.append(Prediction(id: predictions.count, timestamp: timestamp, score: score, label: label,
                                              labelledAt: Int.random(in: 0..<6, using: &random) == 0 ? nil : timestamp + delay,
                                              group: Int.random(in: 0..<3, using: &random),
                                              income: Double.random(in: 20_000...90_000, using: &random) * (pane < 30 ? 1 : 1.3),
                                              channel: ["web", "app", "branch"][Int.random(in: 0..<3, using: &random)]))
            }
        }
        timeline = predictions.map { ($0.timestamp, .prediction($0.id)) } + predictions.compactMap { prediction in
            prediction.labelledAt.map { ($0, .label(prediction.id)) }
        }
        // Event-time order; a label after a prediction at the same time (as replay orders them).
        timeline.sort { ($0.timestamp, $0.step.order, $0.step.id) < ($1.timestamp, $1.step.order, $1.step.id) }
        end = (timeline.last?.timestamp ?? 0) + 20 * Self.paneMilliseconds
    }

    /// The source (input partition) of a prediction and its label: by id, as co-partitioned.
    package static func source(of id: Int, sources: Int) -> Int { Int(Array("p\(id)".utf8).withUnsafeBytes { XXHash64.hash($0) } % UInt64(sources)) }

    package static let outcomes = OutcomeShape(modelType: .binary, fairnessAttributes: [["group"]])

    package func record(_ prediction: Prediction, into summaries: inout OutcomeSummaries) {
        summaries.recordLabel(label: prediction.label, predicted: prediction.score > 0.5, score: prediction.score,
                              groups: [FairnessGroupKey(["g\(prediction.group)"])])
    }

    /// Each source's records, in the order it sent them: `sources` join tasks record the
    /// predictions and labels of their partition, moving on with their own events only
    /// (or, with `advancingAll`, with every event, as a task's idle partitions are moved
    /// on), and hand over at every boundary their watermark passes, each hand-over in
    /// records of at most `maximumBytes`. With `restart`, that source writes a checkpoint
    /// before the event at `from` and, after the event at `to`, is restored from it and
    /// given its events since again: it sends again what it had sent since.
    package func handOvers<Pane>(sources: Int, spec: WindowSpec, makePane: @escaping () -> Pane, record: (inout Pane, Prediction) -> Void,
                         coding: PaneCoding<Pane>, maximumBytes: Int = .max, advancingAll: Bool = false,
                         restart: (source: Int, from: Int, to: Int)? = nil) -> [[HandOver<Pane>]] {
        exchange(sources: sources, spec: spec, makePane: makePane, record: record, coding: coding, maximumBytes: maximumBytes,
                 advancingAll: advancingAll, restart: restart).records
    }

    /// What the join tasks send: their records, and their partitions' idle watermarks.
    package struct Sent<Pane> {
        package var records: [[HandOver<Pane>]]
        package var idle: [(source: Int, boundary: Int64)] = []
    }

    /// ``handOvers(sources:spec:makePane:record:coding:maximumBytes:advancingAll:restart:)``;
    /// with `joining`, the version's predictions reach that source only from pane
    /// `fromPane` on (before, they go to source 0): until then the source sends its
    /// partition's idle watermark at each boundary (the partition's time moved on by the
    /// stream's), and then starts its panes closed before the boundary its partition reached.
    package func exchange<Pane>(sources: Int, spec: WindowSpec, makePane: @escaping () -> Pane, record: (inout Pane, Prediction) -> Void,
                        coding: PaneCoding<Pane>, maximumBytes: Int = .max, advancingAll: Bool = false,
                        restart: (source: Int, from: Int, to: Int)? = nil, joining: (source: Int, fromPane: Int64)? = nil) -> Sent<Pane> {
        var tasks = (0..<sources).map { JoinTask(panes: PaneSource(source: $0, spec: spec, outcomes: Self.outcomes, makePane: makePane)!) }
        var sent = Sent<Pane>(records: Array(repeating: [], count: sources))
        var joined = joining == nil
        func handOver(_ number: Int) {
            sent.records[number] += tasks[number].panes.handOverRecords(maximumBytes: maximumBytes, panes: coding).map { bytes in
                try! HandOver(decoding: bytes, panes: coding, outcomes: Self.outcomes)
            }
        }
        func apply(_ position: Int, to number: Int) {
            let (timestamp, step) = timeline[position]
            switch step {
            case let .prediction(id):
                let prediction = predictions[id]
                if let pane = tasks[number].panes.recordPrediction(timestamp: timestamp, judgeable: true, { record(&$0, prediction) }) {
                    tasks[number].waiting[id] = pane
                }
            case let .label(id):
                tasks[number].panes.advance(to: timestamp)
                if let pane = tasks[number].waiting.removeValue(forKey: id) {
                    tasks[number].panes.recordOutcome(pane: pane) { self.record(predictions[id], into: &$0) }
                }
            }
            handOver(number)
        }
        /// The source of an event: by its prediction's id, but not the joining one before its pane.
        func source(of position: Int) -> Int {
            let id = timeline[position].step.id
            let number = Self.source(of: id, sources: sources)
            guard let joining, number == joining.source, predictions[id].timestamp < joining.fromPane * Self.paneMilliseconds else { return number }
            return 0
        }
        // The restarted source's checkpoint: its panes' state as bytes, and its label join.
        var checkpoint: (panes: [UInt8], waiting: [Int: Int64])?
        for position in timeline.indices {
            if let restart, position == restart.from {
                var writer = BinaryWriter()
                tasks[restart.source].panes.encodeState(to: &writer, panes: coding)
                checkpoint = (writer.bytes, tasks[restart.source].waiting)
            }
            let number = source(of: position)
            if let joining, !joined {
                // The joining source's partition moves on with the stream's time.
                let boundary = floorDivide(timeline[position].timestamp, Self.paneMilliseconds)
                if number == joining.source {
                    tasks[number].panes.closePanes(before: boundary)
                    joined = true
                } else if sent.idle.last.map({ $0.boundary < boundary }) ?? true {
                    sent.idle.append((joining.source, boundary))
                }
            }
            apply(position, to: number)
            if advancingAll {
                for other in tasks.indices where other != number {
                    tasks[other].panes.advance(to: timeline[position].timestamp)
                    handOver(other)
                }
            }
            if let restart, position == restart.to, let checkpoint {
                var restored = PaneSource(source: restart.source, spec: spec, outcomes: Self.outcomes, makePane: makePane)!
                var reader = BinaryReader(checkpoint.panes)
                try! restored.restoreState(from: &reader, panes: coding)
                tasks[restart.source] = JoinTask(panes: restored, waiting: checkpoint.waiting)
                for again in restart.from...restart.to where source(of: again) == restart.source {
                    apply(again, to: restart.source)
                }
            }
        }
        for number in tasks.indices {
            tasks[number].panes.advance(to: end)
            handOver(number)
        }
        return sent
    }
}

/// A join task of the exchange tests: its panes and its label join.
package struct JoinTask<Pane> {
    package var panes: PaneSource<Pane>
    /// The pane of each prediction waiting for its label.
    package var waiting: [Int: Int64] = [:]
}

extension ExchangeStream.Step {
    package var id: Int {
        switch self {
        case let .prediction(id), let .label(id): id
        }
    }

    package var order: Int {
        switch self {
        case .prediction: 0
        case .label: 1
        }
    }
}

/// What a merge made, in a form two merges can be compared by.
package struct MergedWindows<Pane: WindowPane> {
    package init() {}
    package var drift: [ClosedWindow<Pane>] = []
    package var performance: [PerformanceTracker.Window] = []
    package var counters = PaneMerge<Pane>.Counters()
    package var detectors = VersionDetectors()

    /// The performance windows' spans, counts and outcome bytes (exact: sums included).
    package var performanceBytes: [[UInt8]] {
        performance.map { window in
            var writer = BinaryWriter()
            writer.write(window.firstPane)
            writer.write(window.lastPane)
            window.summaries.writeCounts(to: &writer)
            window.summaries.writeOutcomes(to: &writer, shape: ExchangeStream.outcomes)
            return writer.bytes
        }
    }
}

extension ExchangeStream {
    package static func spec(_ sizing: WindowSpec.Sizing) -> WindowSpec {
        WindowSpec(kind: .eventTime(paneMilliseconds: paneMilliseconds, allowedLatenessMilliseconds: 0), panesPerWindow: 3, sizing: sizing)
    }

    /// The merges' change detector: DDM over the performance panes' errors.
    package static func detectors() throws -> VersionDetectors {
        VersionDetectors([(rule: 0, detector: try ErrorStreamDetector(kind: .ddm, parameters: RuleParameters(["warm_start": .integer(30)])))])
    }

    package static func tracker(_ sizing: WindowSpec.Sizing) -> PerformanceTracker {
        PerformanceTracker(panesPerWindow: 3, readiness: LabelReadiness(), timeToLive: 6 * paneMilliseconds, maximumPanes: 100,
                           outcomes: outcomes, sizing: sizing.growingOnLabels)
    }

    /// Merges `sent` (each source's records in its order): delivered through their bytes in
    /// a random interleaving of the sources (each source's records in order), each record
    /// sent again at random with `redelivering`, and judged at random points; with
    /// `restartingAfter`, the merge is restored from its checkpoint after that many records.
    package static func merge<Pane: WindowPane>(_ sent: [[HandOver<Pane>]], idle: [(source: Int, boundary: Int64)] = [], spec: WindowSpec,
                                        coding: PaneCoding<Pane>, seed: UInt64, redelivering: Bool = false,
                                        dropping: HandOver<Pane>.Origin? = nil, restartingAfter: Int? = nil) throws -> MergedWindows<Pane> {
        var random = RandomSource(seed: seed)
        var merge = PaneMerge<Pane>(spec: spec, sources: sent.count, tracker: tracker(spec.sizing))!
        var result = MergedWindows<Pane>()
        result.detectors = try detectors()
        var next = Array(repeating: 0, count: sent.count)
        var nextIdle = 0
        func judge() {
            let judged = merge.judge(detectors: &result.detectors)
            result.drift += judged.drift
            result.performance += judged.performance
        }
        var delivered = 0
        while let source = sent.indices.filter({ next[$0] < sent[$0].count }).randomElement(using: &random) {
            if delivered == restartingAfter {
                // A restart: the merge as its checkpoint has it, in a new value.
                var writer = BinaryWriter()
                merge.encodeState(to: &writer, panes: coding)
                merge = PaneMerge<Pane>(spec: spec, sources: sent.count, tracker: tracker(spec.sizing))!
                var reader = BinaryReader(writer.bytes)
                try merge.restoreState(from: &reader, panes: coding)
                #expect(reader.remaining == 0)
            }
            delivered += 1
            let record = sent[source][next[source]]
            next[source] += 1
            guard record.origin != dropping else { continue }
            let bytes = record.encoded(panes: coding, outcomes: outcomes)
            _ = merge.receive(try HandOver(decoding: bytes, panes: coding, outcomes: outcomes))
            if redelivering, Int.random(in: 0..<4, using: &random) == 0 {
                _ = merge.receive(sent[source][Int.random(in: 0..<next[source], using: &random)])
            }
            // A partition's idle watermarks arrive in its order, among the others' records.
            while nextIdle < idle.count, Bool.random(using: &random) {
                merge.receivePartitionWatermark(source: idle[nextIdle].source, before: idle[nextIdle].boundary)
                nextIdle += 1
            }
            if Int.random(in: 0..<5, using: &random) == 0 { judge() }
        }
        for watermark in idle[nextIdle...] { merge.receivePartitionWatermark(source: watermark.source, before: watermark.boundary) }
        judge()
        result.counters = merge.counters
        return result
    }
}

extension WindowSpec.Sizing {
    /// Performance windows grow on labels (fewer than drift windows' events).
    package var growingOnLabels: WindowSpec.Sizing {
        if case .growing = self { return .growing(minimumEvents: 30, maximumPanes: 20) }
        return self
    }
}

extension PaneMerge.Counters {
    /// The counters of what went wrong (every one but the labels that came after the
    /// detectors, which a stream with late labels has).
    package var troubles: Self {
        var troubles = self
        troubles.labelsAfterDetectors = 0
        return troubles
    }
}

/// The stream as prediction events with two features, and drift panes of them.
extension ExchangeStream {
    package static func event(_ prediction: Prediction) -> PredictionEvent {
        PredictionEvent(model: "m", version: "v1", id: "p\(prediction.id)", timestamp: prediction.timestamp,
                        features: [Feature("income", .number(prediction.income)), Feature("channel", .string(prediction.channel))],
                        output: .binary(class: prediction.score > 0.5 ? 1 : 0, score: prediction.score))
    }

    /// A profile of the stream's first 200 predictions.
    package func profile() throws -> ReferenceProfile {
        var profiler = try DatasetProfiler()
        for prediction in predictions.prefix(200) { profiler.add(Self.event(prediction)) }
        return profiler.finish()
    }

    /// A reference profiled from the stream's first 200 predictions.
    package func reference() throws -> ActiveReference {
        ActiveReference(profile: try profile(), identifier: "first-200", count: 200, chunkStatistics: [:])
    }

    /// Drift panes on a reference of the stream's first 200 predictions.
    package func driftPanes() throws -> (layout: FeatureLayout, template: DriftPane) {
        let layout = try reference().layout
        return (layout, DriftPane(layout: layout, fairnessAttributes: [], maximumGroups: FairnessSummary.defaultMaximumGroups))
    }
}

/// Several versions' streams on one timeline, recorded by join partitions
/// (``JoinPartition``) as join tasks would: each prediction and its label on the partition
/// of their id, except the last version's, which reach the last partition only from pane
/// 30 on (before, the first).
package struct VersionStreams {
    package let keys: [VersionKey]
    package let streams: [ExchangeStream]
    /// Every version's events, in event-time order.
    package let timeline: [(timestamp: Int64, version: Int, step: ExchangeStream.Step)]

    package init(_ keys: [VersionKey], seed: UInt64) {
        self.keys = keys
        streams = keys.indices.map { ExchangeStream(seed: seed + UInt64($0)) }
        timeline = streams.enumerated().flatMap { version, stream in
            stream.timeline.map { ($0.timestamp, version, $0.step) }
        }.sorted { ($0.timestamp, $0.step.order, $0.version, $0.step.id) < ($1.timestamp, $1.step.order, $1.version, $1.step.id) }
    }

    /// After the last event: every partition is moved on to it so that every pane closes.
    package var end: Int64 { streams.map(\.end).max()! }

    /// The join partition of the event at `position`, of `partitions`.
    package func partition(of position: Int, partitions: Int) -> Int {
        let (_, version, step) = timeline[position]
        let number = ExchangeStream.source(of: step.id * keys.count + version, sources: partitions)
        let prediction = streams[version].predictions[step.id]
        if version == keys.count - 1, number == partitions - 1, prediction.timestamp < 30 * ExchangeStream.paneMilliseconds { return 0 }
        return number
    }

    /// What each of `partitions` join partitions sends, in order. `record` records a
    /// version's prediction into its pane. With `restart`, that partition is restored from
    /// its checkpoint, taken before the event at `from`, after the event at `to`, and given
    /// its events since again.
    package func send<Pane>(partitions: Int, spec: WindowSpec, maximumBytes: Int, restart: (partition: Int, from: Int, to: Int)? = nil,
                            makeVersion: @escaping (VersionKey) -> JoinPartition<Pane>.Version?,
                            record: @escaping (inout Pane, _ version: Int, ExchangeStream.Prediction) -> Void)
        -> (messages: [[ExchangeMessage]], joins: [JoinPartition<Pane>]) {
        func make(_ number: Int) -> JoinPartition<Pane> {
            JoinPartition(source: number, spec: spec, maximumBytes: maximumBytes, makeVersion: makeVersion)!
        }
        var joins = (0..<partitions).map(make)
        var waiting = Array(repeating: [Int: Int64](), count: keys.count * partitions)
        var messages = Array(repeating: [ExchangeMessage](), count: partitions)
        func apply(_ position: Int, on number: Int) {
            let (timestamp, version, step) = timeline[position]
            let prediction = streams[version].predictions[step.id]
            switch step {
            case .prediction:
                if let pane = joins[number].recordPrediction(of: keys[version], timestamp: timestamp, judgeable: true, { record(&$0, version, prediction) }) {
                    waiting[version * partitions + number][prediction.id] = pane
                }
            case .label:
                // Nothing is late here: a prediction not waiting is one not admitted.
                let pane = waiting[version * partitions + number].removeValue(forKey: prediction.id)
                    ?? floorDivide(prediction.timestamp, ExchangeStream.paneMilliseconds)
                joins[number].recordLabel(of: keys[version], timestamp: timestamp, pane: pane) { streams[version].record(prediction, into: &$0) }
            }
            messages[number] += joins[number].takeMessages()
        }
        var checkpoint: (state: [UInt8], waiting: [[Int: Int64]])?
        for position in timeline.indices {
            if let restart, position == restart.from {
                var writer = BinaryWriter()
                joins[restart.partition].encodeState(to: &writer)
                checkpoint = (writer.bytes, waiting)
            }
            apply(position, on: partition(of: position, partitions: partitions))
            if let restart, position == restart.to, let checkpoint {
                joins[restart.partition] = make(restart.partition)
                var reader = BinaryReader(checkpoint.state)
                try! joins[restart.partition].restoreState(from: &reader)
                for version in keys.indices { waiting[version * partitions + restart.partition] = checkpoint.waiting[version * partitions + restart.partition] }
                for again in restart.from...restart.to where partition(of: again, partitions: partitions) == restart.partition {
                    apply(again, on: restart.partition)
                }
            }
        }
        for number in joins.indices {
            joins[number].advance(to: end)
            messages[number] += joins[number].takeMessages()
        }
        return (messages, joins)
    }
}

/// What join partitions sent, as a merge task of exchange partitions reads it: one channel
/// per (join partition, exchange partition), each in the order it was sent.
package struct ExchangeChannels {
    package let channels: [[[ExchangeMessage]]]

    /// Each join partition's messages (in order) split over `exchangePartitions` partitions
    /// as ``ExchangeMessage/partitions(of:)`` sends them.
    package init(_ sent: [[ExchangeMessage]], exchangePartitions: Int) {
        channels = sent.map { messages in
            (0..<exchangePartitions).map { exchange in messages.filter { $0.partitions(of: exchangePartitions).contains(exchange) } }
        }
    }

    package var sources: Int { channels.count }

    /// Exchange partition `exchange`'s messages in a random interleaving of the join
    /// partitions (each one's in order), as a consumer may read them: each given to
    /// `receive`, with `judge` called at random points (1 in `judgeEvery`) and at the end.
    package func deliver(exchange: Int, random: inout RandomSource, judgeEvery: Int = 7,
                         receive: (ExchangeMessage) -> Void, judge: () -> Void) {
        var next = Array(repeating: 0, count: channels.count)
        while let number = channels.indices.filter({ next[$0] < channels[$0][exchange].count }).randomElement(using: &random) {
            receive(channels[number][exchange][next[number]])
            next[number] += 1
            if Int.random(in: 0..<judgeEvery, using: &random) == 0 { judge() }
        }
        judge()
    }
}
