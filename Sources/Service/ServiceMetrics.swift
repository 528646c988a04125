import CoreMetrics
import Foundation
import Monitor
import Prometheus

/// The service's Prometheus metrics, through swift-metrics with a registry of its own
/// (no global `MetricsSystem.bootstrap`, so several services can live in one process,
/// as in the tests).
///
/// Label cardinality is bounded: reasons, rules and severities come from the rules and
/// the decoder (small fixed sets), caps are a fixed set, partitions come from the assignment, and the engine's
/// metric series are capped at `maximumMetricSeries` (further series are counted in
/// `driftwatch_metric_series_dropped_total`).
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let maximumMetricSeries: Int

    private let consumed: CoreMetrics.Counter
    private let deadLetters: CoreMetrics.Counter
    private let published: CoreMetrics.Counter
    private let evaluations: CoreMetrics.Counter
    private let retrainTriggers: CoreMetrics.Counter
    private let seriesDropped: CoreMetrics.Counter
    private let batchLatency: CoreMetrics.Timer
    private let outputLatency: CoreMetrics.Timer
    private let ready: CoreMetrics.Gauge
    private let checkpointAge: CoreMetrics.Gauge
    /// `driftwatch_checkpoint_restores_total{result}`, every result present from the start.
    private let checkpointRestores: [CheckpointRestoreResult: CoreMetrics.Counter]

    /// Metrics with dynamic labels, created on first use.
    private struct Dynamic {
        var rejected: [String: CoreMetrics.Counter] = [:]
        var alerts: [String: CoreMetrics.Counter] = [:]
        var lag: [String: CoreMetrics.Gauge] = [:]
        var series: [String: CoreMetrics.Gauge] = [:]
        /// Counters that follow cumulative engine totals, by family and label value.
        var totals: [String: (counter: CoreMetrics.Counter, reported: Int)] = [:]
    }

    private let dynamic = Protected(Dynamic())

    static let batchLatencyName = "driftwatch_batch_processing_seconds"
    /// From a window-closing message's Kafka timestamp to the acknowledgement of its outputs.
    static let outputLatencyName = "driftwatch_output_latency_seconds"

    public init(maximumMetricSeries: Int = 2000) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.batchLatencyName] = [
            .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets[Self.outputLatencyName] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(60),
        ]
        self.factory = factory
        self.maximumMetricSeries = maximumMetricSeries
        consumed = Counter(label: "driftwatch_events_consumed_total", factory: factory)
        deadLetters = Counter(label: "driftwatch_dead_letters_total", factory: factory)
        published = Counter(label: "driftwatch_outputs_published_total", factory: factory)
        evaluations = Counter(label: "driftwatch_windows_evaluated_total", factory: factory)
        retrainTriggers = Counter(label: "driftwatch_retrain_triggers_total", factory: factory)
        seriesDropped = Counter(label: "driftwatch_metric_series_dropped_total", factory: factory)
        batchLatency = Timer(label: Self.batchLatencyName, factory: factory)
        outputLatency = Timer(label: Self.outputLatencyName, factory: factory)
        ready = CoreMetrics.Gauge(label: "driftwatch_ready", factory: factory)
        checkpointAge = CoreMetrics.Gauge(label: "driftwatch_checkpoint_age_seconds", factory: factory)
        checkpointRestores = Dictionary(uniqueKeysWithValues: CheckpointRestoreResult.allCases.map { result in
            (result, Counter(label: "driftwatch_checkpoint_restores_total", dimensions: [("result", result.rawValue)], factory: factory))
        })
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    func recordBatch(consumed count: Int, deadLetters letters: Int, published records: Int, evaluations evaluated: Int,
                     duration: Duration) {
        consumed.increment(by: Int64(count))
        if letters > 0 { deadLetters.increment(by: Int64(letters)) }
        if records > 0 { published.increment(by: Int64(records)) }
        if evaluated > 0 { evaluations.increment(by: Int64(evaluated)) }
        let (seconds, attoseconds) = duration.components
        batchLatency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func recordOutputLatency(milliseconds: [Int64]) {
        for value in milliseconds { outputLatency.recordMilliseconds(value) }
    }

    func rejected(reason: String) {
        let counter = dynamic.withLock { dynamic in
            if let existing = dynamic.rejected[reason] { return existing }
            let counter = Counter(label: "driftwatch_events_rejected_total", dimensions: [("reason", reason)], factory: factory)
            dynamic.rejected[reason] = counter
            return counter
        }
        counter.increment()
    }

    /// Brings `driftwatch_capped_total{cap}` and `driftwatch_events_late_total{kind}` up to
    /// the engines' counters (sums over the engines; the label values are the fixed sets
    /// of ``ServiceStatus/cappedCounts(_:join:)`` and ``ServiceStatus/Counters/late``).
    /// Also `driftwatch_rule_evaluations_total{rule,result}`: every rule's evaluations by
    /// result, so a rule that is never judged (too few samples, no reference value) shows.
    func setCappedAndLate(_ counts: (capped: [String: Int], late: [String: Int], ruleEvaluations: [String: [String: Int]])) {
        advance("driftwatch_capped_total", to: counts.capped.map { ([("cap", $0.key)], $0.value) })
        advance("driftwatch_events_late_total", to: counts.late.map { ([("kind", $0.key)], $0.value) })
        advance("driftwatch_rule_evaluations_total", to: counts.ruleEvaluations.flatMap { rule, results in
            results.map { ([("rule", rule), ("result", $0.key)], $0.value) }
        })
    }

    /// Totals only grow, so each counter is incremented by what is new since the last call.
    private func advance(_ name: String, to totals: [(dimensions: [(String, String)], total: Int)]) {
        dynamic.withLock { dynamic in
            for (dimensions, total) in totals {
                let key = ([name] + dimensions.map(\.1)).joined(separator: "\u{0}")
                var entry = dynamic.totals[key]
                    ?? (Counter(label: name, dimensions: dimensions, factory: factory), 0)
                if total > entry.reported {
                    entry.counter.increment(by: Int64(total - entry.reported))
                    entry.reported = total
                }
                dynamic.totals[key] = entry
            }
        }
    }

    func alertFired(rule: String, severity: String) {
        let key = rule + "\u{0}" + severity
        let counter = dynamic.withLock { dynamic in
            if let existing = dynamic.alerts[key] { return existing }
            let counter = Counter(label: "driftwatch_alerts_fired_total", dimensions: [("rule", rule), ("severity", severity)],
                                  factory: factory)
            dynamic.alerts[key] = counter
            return counter
        }
        counter.increment()
    }

    func checkpointRestored(_ result: CheckpointRestoreResult) { checkpointRestores[result]?.increment() }

    func retrainTriggered() { retrainTriggers.increment() }

    func setReady(_ isReady: Bool) { ready.record(isReady ? 1 : 0) }

    /// See ``ServiceStatus/checkpointAgeSeconds``.
    func setCheckpointAge(_ seconds: Double) { checkpointAge.record(seconds) }

    /// Consumer lag by partition (`topic[partition]` → messages behind).
    func setLag(_ lag: [(topic: String, partition: Int32, lag: Int64)]) {
        for entry in lag {
            let key = "\(entry.topic)[\(entry.partition)]"
            let gauge = dynamic.withLock { dynamic in
                if let existing = dynamic.lag[key] { return existing }
                let gauge = CoreMetrics.Gauge(label: "driftwatch_consumer_lag",
                                  dimensions: [("topic", entry.topic), ("partition", String(entry.partition))], factory: factory)
                dynamic.lag[key] = gauge
                return gauge
            }
            gauge.record(entry.lag)
        }
    }

    /// The current value of one metric the engine emitted (`nil`: undefined, exported as NaN).
    func engineMetric(model: String, version: String, subject: String, metric: String, value: Double?) {
        let key = [model, version, subject, metric].joined(separator: "\u{0}")
        let gauge: CoreMetrics.Gauge? = dynamic.withLock { dynamic in
            if let existing = dynamic.series[key] { return existing }
            guard dynamic.series.count < maximumMetricSeries else { return nil }
            let gauge = CoreMetrics.Gauge(label: "driftwatch_monitor_metric",
                              dimensions: [("model", model), ("version", version), ("subject", subject), ("metric", metric)],
                              factory: factory)
            dynamic.series[key] = gauge
            return gauge
        }
        guard let gauge else {
            seriesDropped.increment()
            return
        }
        gauge.record(value ?? .nan)
    }
}
