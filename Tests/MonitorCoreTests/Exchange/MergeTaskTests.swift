import DriftCore
import MonitorTestSupport
import Simulation
import Testing
@testable import MonitorCore

@Suite struct MergeTaskTests {
    static let spec = ExchangeStream.spec(.fixed)
    static let keys = [VersionKey(model: "credit", version: "v1"), VersionKey(model: "credit", version: "v2")]
    static let versions = VersionStreams(keys, seed: 80)
    static let exchangePartitions = 2
    /// Rules the test stream breaches from pane 30 on (income ×1.3, the error rate flipped):
    /// a drift rule, an accuracy rule with a retraining twin, and a change detector.
    static let rules: RuleSet = try! RuleFixtures.load("""
        rules:
          - {name: IncomeDrift, scope: features, features: [income], metric: psi, condition: "> 0.1", min_samples: 20, for: 2}
          - {name: AccuracyLow, scope: model, metric: accuracy, condition: "< 0.6", min_samples: 15}
          - {name: RetrainOnAccuracy, action: retrain, scope: model, metric: accuracy, condition: "< 0.5", min_samples: 15}
          - {name: ErrorRateDDM, metric: ddm, condition: "> 0"}
        """).get()

    /// Each version monitored against a profile of its stream's first 200 predictions, with
    /// the test stream's windows, label wait and pane cap.
    static let configuration: MonitorConfiguration = {
        var configuration = MonitorConfiguration()
        configuration.window = spec
        configuration.join.timeToLiveMilliseconds = 6 * ExchangeStream.paneMilliseconds
        configuration.caps.performancePanes = 100
        for (key, stream) in zip(keys, versions.streams) {
            configuration.references.set(try! stream.profile(), identifier: "first-200", model: key.model, version: key.version)
        }
        return configuration
    }()

    /// A version as both stages make it, its fairness tracked over the stream's `group`.
    static func provided(_ key: VersionKey, rules evaluator: RuleEvaluator) -> ProvidedVersion? {
        ProvidedVersion(key, configuration: configuration, rules: evaluator, segmentAttributes: ["group"])
    }

    /// What `partitions` join partitions send, recording each prediction into its version's
    /// drift pane with its group.
    static func send(partitions: Int) -> ExchangeChannels {
        let evaluator = RuleEvaluator(ruleSet: rules)
        let layouts = keys.map { provided($0, rules: evaluator)!.reference.layout }
        let (messages, _) = versions.send(partitions: partitions, spec: spec, maximumBytes: 6_000, makeVersion: { key in
            provided(key, rules: evaluator).map(JoinPartition.Version.init)
        }) { pane, version, prediction in
            pane.record(ExchangeStream.event(prediction), layout: layouts[version], groups: [FairnessGroupKey(["g\(prediction.group)"])])
        }
        return ExchangeChannels(messages, exchangePartitions: exchangePartitions)
    }

    /// A merge task of `sources` partitions judging by the test rules.
    static func task(sources: Int) -> MergeTask {
        MergeTask(sources: sources, configuration: configuration, rules: rules, segmentAttributes: ["group"])
    }

    /// Each exchange partition's merge task takes its messages in a random interleaving,
    /// judging now and then (with `restartingAfter`, restored from its checkpoint after that
    /// many messages); returns each version's outputs (alerts, triggers and metric events)
    /// and the tasks.
    static func outputs(_ channels: ExchangeChannels, seed: UInt64, restartingAfter: Int? = nil) throws
        -> (outputs: [VersionKey: [MonitorOutput]], tasks: [MergeTask]) {
        var random = RandomSource(seed: seed)
        var outputs: [VersionKey: [MonitorOutput]] = [:]
        var tasks: [MergeTask] = []
        for exchange in 0..<exchangePartitions {
            var task = Self.task(sources: channels.sources)
            var received = 0
            channels.deliver(exchange: exchange, random: &random) { message in
                if received == restartingAfter {
                    let checkpoint = task.checkpoint()
                    task = Self.task(sources: channels.sources)
                    try! task.restore(from: checkpoint)
                }
                received += 1
                switch task.receive(key: message.key, value: message.value, from: exchange) {
                case .damaged, .unmonitored, .unknownSource: Issue.record("\(message) refused")
                case .handOver, .watermark: break
                }
            } judge: {
                task.judge()
                for output in task.drainOutputs() {
                    let key = try! #require(output.versionKey)
                    outputs[key, default: []].append(output)
                }
            }
            tasks.append(task)
        }
        return (outputs, tasks)
    }

    /// Two versions' events spread by prediction id over one, three or five join partitions,
    /// merged and judged by two merge tasks reading the exchange in random interleavings:
    /// each version's alerts, retraining triggers and metric events are the same whatever
    /// the partitioning — the same events in the same order, drift metrics to 1e-9 (moments
    /// merge in another order) — and every rule fires (the performance rules on each
    /// version after the change at pane 30).
    @Test func theOutputsDoNotDependOnThePartitioning() throws {
        let one = try Self.outputs(Self.send(partitions: 1), seed: 1)
        for key in Self.keys {
            let outputs = try #require(one.outputs[key])
            let afterTheChange = outputs.compactMap(\.firing).filter { $0.at >= 30 * ExchangeStream.paneMilliseconds }.map(\.rule)
            #expect(Set(afterTheChange).isSuperset(of: ["AccuracyLow", "RetrainOnAccuracy", "ErrorRateDDM"]), "\(key): \(afterTheChange)")
            #expect(outputs.count { $0.kind == .metric } > 100)
        }
        let fired = Set(one.outputs.values.joined().compactMap(\.firing?.rule))
        #expect(fired == ["IncomeDrift", "AccuracyLow", "RetrainOnAccuracy", "ErrorRateDDM"])
        #expect(one.tasks.reduce(0) { $0 + $1.counters.evaluations } > 200)
        for partitions in [3, 5] {
            let spread = try Self.outputs(Self.send(partitions: partitions), seed: UInt64(partitions))
            for key in Self.keys {
                Self.expectTheSame(try #require(spread.outputs[key]), one.outputs[key]!)
            }
        }
    }

    /// A merge task restored from its checkpoint part of the way through the exchange, then
    /// given the messages since, makes the outputs of one that never stopped, to the byte
    /// (alert lifecycles, detectors and merges included; restoring a fresh task fails it).
    @Test(arguments: [400, 1_500]) func aRestoredTaskMakesTheOutputsOfOneThatNeverStopped(after messages: Int) throws {
        let channels = Self.send(partitions: 3)
        let plain = try Self.outputs(channels, seed: 9)
        let restarted = try Self.outputs(channels, seed: 9, restartingAfter: messages)
        for key in Self.keys {
            #expect(restarted.outputs[key]?.map(\.rendered.json) == plain.outputs[key]?.map(\.rendered.json))
        }
        #expect(restarted.tasks.map(\.counters) == plain.tasks.map(\.counters))
    }

    /// A checkpoint that is not a merge task's (an engine's), or is damaged or cut short, is
    /// refused with an error; a whole one restores to a task whose checkpoint is the same bytes.
    @Test func aForeignOrDamagedCheckpointIsRefused() throws {
        let channels = Self.send(partitions: 1)
        var random = RandomSource(seed: 3)
        let task = Self.task(sources: channels.sources)
        channels.deliver(exchange: 0, random: &random) { _ = task.receive($0, from: 0) } judge: { task.judge() }
        let checkpoint = task.checkpoint()
        var damaged = checkpoint
        damaged[damaged.count / 2] ^= 0x40
        let engine = MonitorEngine(rules: Self.rules).checkpoint()
        for bytes in [damaged, Array(checkpoint.prefix(checkpoint.count / 2)), engine] {
            let restored = Self.task(sources: channels.sources)
            #expect(throws: SerializationError.self) { try restored.restore(from: bytes) }
        }
        let restored = Self.task(sources: channels.sources)
        try restored.restore(from: checkpoint)
        #expect(restored.checkpoint() == checkpoint && restored.counters == task.counters)
    }

    /// The same outputs in the same order; metric values equal to 1e-9.
    static func expectTheSame(_ outputs: [MonitorOutput], _ expected: [MonitorOutput]) {
        #expect(outputs.map(\.kind) == expected.map(\.kind))
        #expect(outputs.map(\.firing?.rule) == expected.map(\.firing?.rule))
        #expect(outputs.map(\.firing?.at) == expected.map(\.firing?.at))
        for (output, other) in zip(outputs, expected) {
            guard case let .metric(metric) = output.event, case let .metric(expectedMetric) = other.event else { continue }
            #expect(metric.metric == expectedMetric.metric && metric.subject == expectedMetric.subject && metric.windowStart == expectedMetric.windowStart)
            switch (metric.value, expectedMetric.value) {
            case let (value?, expectedValue?): #expect(abs(value - expectedValue) <= 1e-9 * max(1, abs(expectedValue)), "\(metric.metric)")
            case (nil, nil): break
            default: Issue.record("\(metric.metric): \(String(describing: metric.value)) against \(String(describing: expectedMetric.value))")
            }
        }
    }
}

extension MonitorOutput {
    /// The model version an alert, trigger, metric event or rule notice is about (nil for
    /// other notices, which a merge task does not make).
    var versionKey: VersionKey? {
        switch event {
        case let .alert(alert): VersionKey(model: alert.model, version: alert.version)
        case let .retrain(trigger): VersionKey(model: trigger.model, version: trigger.version)
        case let .metric(metric): VersionKey(model: metric.model, version: metric.version)
        case let .notice(.ruleBlindness(blindness)): VersionKey(model: blindness.model, version: blindness.version)
        case .notice: nil
        }
    }
}
