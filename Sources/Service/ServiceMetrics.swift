import Foundation
import MonitorCore
import Prometheus

/// The service's Prometheus metrics, in a registry of its own (no global bootstrap, so
/// several services can live in one process, as in the tests). Every family carries
/// HELP and TYPE (``PrometheusFamily``), so `promtool check metrics` passes on `/metrics`.
///
/// Label cardinality is bounded: reasons, rules and severities come from the rules and
/// the decoder (small fixed sets), caps are a fixed set, partitions come from the
/// assignment, and the engine-driven series (monitor values and firing alerts) together
/// stop at `maximumMetricSeries` (further series are counted in
/// `driftwatch_metric_series_dropped_total`).
package final class ServiceMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    let maximumMetricSeries: Int

    private let consumed: Counter
    private let decodedByPipeline: Counter
    private let shardCPU: Counter
    private let deadLetters: Counter
    private let published: Counter
    private let evaluations: Counter
    private let retrainTriggers: Counter
    private let seriesDropped: Counter
    private let alertEventsForgotten: Counter
    private let batchLatency: DurationHistogram
    private let outputLatency: DurationHistogram
    private let ready: Gauge
    private let checkpointAge: Gauge
    private let enforcedProcessing: Counter
    private let alignmentBuffered: Gauge
    private let alignmentPaused: Gauge
    private let alignmentPauses: Counter
    /// `driftwatch_checkpoint_restores_total{result}`, every result present from the start.
    private let checkpointRestores: [CheckpointRestoreResult: Counter]
    private let process: ProcessGauges?

    /// Metrics with dynamic labels, created on first use.
    private struct Dynamic {
        var rejected: [String: Counter] = [:]
        var alerts: [String: Counter] = [:]
        var lag: [String: Gauge] = [:]
        var values: [String: Gauge] = [:]
        /// `driftwatch_alerts_firing` by alert fingerprint.
        var firing: [String: Gauge] = [:]
        /// Counters that follow cumulative engine totals, by family and label value.
        var totals: [String: (counter: Counter, reported: Int)] = [:]

        var engineSeries: Int { values.count + firing.count }
    }

    private let dynamic = Protected(Dynamic())

    /// The version `driftwatch_build_info` reports.
    package static let version = "0.1.0"

    enum Family {
        static let consumed = PrometheusFamily("driftwatch_events_consumed_total", "Input messages consumed (every one, accepted or rejected).")
        static let decodedByPipeline = PrometheusFamily("driftwatch_messages_decoded_by_pipeline_total", "Consumed messages the pipeline decoded itself because the batch decoder had not reached them.")
        static let shardCPU = PrometheusFamily("driftwatch_shard_cpu_seconds_total", "CPU time the shards' engines spent on consumed messages, summed over the shards (a rate near the number of shards: the engines are bound by their cores).")
        static let rejected = PrometheusFamily("driftwatch_events_rejected_total", "Input messages the decoder rejected, by reason (each is dead-lettered).")
        static let deadLetters = PrometheusFamily("driftwatch_dead_letters_total", "Messages published to the dead-letter topic.")
        static let published = PrometheusFamily("driftwatch_outputs_published_total", "Output events (alerts, retraining triggers, metric events) acknowledged by the broker.")
        static let evaluations = PrometheusFamily("driftwatch_windows_evaluated_total", "Window evaluations (drift and performance) by the engines.")
        static let retrainTriggers = PrometheusFamily("driftwatch_retrain_triggers_total", "Retraining triggers emitted.")
        static let seriesDropped = PrometheusFamily("driftwatch_metric_series_dropped_total", "Monitor-value and firing-alert series not exported because the series cap was reached.")
        static let batchLatency = PrometheusFamily("driftwatch_batch_processing_seconds", "Wall time to process one consumed batch, outputs acknowledged.")
        static let outputLatency = PrometheusFamily("driftwatch_output_latency_seconds", "From a window-closing message's Kafka timestamp to the acknowledgement of its outputs.")
        static let ready = PrometheusFamily("driftwatch_ready", "1 when the consumer has its assignment and the broker answers, else 0.")
        static let checkpointAge = PrometheusFamily("driftwatch_checkpoint_age_seconds", "How long the oldest processed message not covered by a checkpoint has waited (0: all checkpointed).")
        static let checkpointRestores = PrometheusFamily("driftwatch_checkpoint_restores_total", "Shards taken on, by how their state was found.")
        static let capped = PrometheusFamily("driftwatch_capped_total", "What the engines' caps turned away, by cap.")
        static let late = PrometheusFamily("driftwatch_events_late_total", "Events that came too late, by kind (predictions, labels, labels_for_detectors: labels whose pane the change detectors had judged, which still reach the open performance windows).")
        static let labelJoin = PrometheusFamily("driftwatch_label_join_total", "What the label join did with predictions and labels, by outcome (joined, unmatched_labels, expired_predictions, ...).")
        static let belowCoverage = PrometheusFamily("driftwatch_performance_evaluations_below_coverage_total", "Performance windows evaluated below label coverage before their labels' time to live (labels.partial_wait passed with enough labels, or too many panes waiting).")
        static let retrainSuppressed = PrometheusFamily("driftwatch_retrain_triggers_suppressed_total", "Retraining rules that started firing within the cooldown of the previous trigger of the same model version (no trigger emitted).")
        static let notInReference = PrometheusFamily("driftwatch_feature_values_not_in_reference_total", "Values of features their model version's reference does not have: not monitored for drift.")
        static let mismatchedLabels = PrometheusFamily("driftwatch_labels_mismatched_total", "Labels joined to a binary classifier's prediction that are not 0 or 1 (left out of performance).")
        static let ruleEvaluations = PrometheusFamily("driftwatch_rule_evaluations_total", "Rule evaluations by rule and result (judged, too_few_samples, no_value, ...).")
        static let alertsFired = PrometheusFamily("driftwatch_alerts_fired_total", "Alerts that started firing, by rule and severity.")
        static let alertsFiring = PrometheusFamily("driftwatch_alerts_firing", "1 for each alert firing now (as Prometheus' ALERTS); a resolved alert's series is removed.")
        static let lag = PrometheusFamily("driftwatch_consumer_lag", "Messages behind the end of each assigned input partition.")
        static let alertEventsForgotten = PrometheusFamily("driftwatch_alert_events_forgotten_total", "Alerts whose latest event GET /v1/alerts/{fingerprint} no longer serves (over its capacity).")
        static let enforcedProcessing = PrometheusFamily("driftwatch_enforced_processing_total", "Records processed while another input partition of their task was empty past --max-task-idle (possibly out of event-time order).")
        static let alignmentBuffered = PrometheusFamily("driftwatch_alignment_buffered_messages", "Input messages fetched and waiting for event-time alignment.")
        static let alignmentPaused = PrometheusFamily("driftwatch_alignment_paused_partitions", "Input partitions paused because their alignment buffer is full.")
        static let alignmentPauses = PrometheusFamily("driftwatch_alignment_pauses_total", "Times an input partition was paused because its alignment buffer was full.")
        static let buildInfo = PrometheusFamily("driftwatch_build_info", "Always 1; the labels tell the driftwatch version and platform.")
    }

    /// The engines' counters summed (see ``setEngineCounts(_:)``), read at each exposition.
    private let engineCounts: (@Sendable () -> ServiceStatus.Counters)?

    /// `engineCounts` gives the engines' counters summed when `/metrics` is read: the
    /// families that follow them are brought up to date then, not after every batch (their
    /// label sets, rule by rule, cost more than a batch's other bookkeeping).
    package init(maximumMetricSeries: Int = 2000, engineCounts: (@Sendable () -> ServiceStatus.Counters)? = nil) {
        self.maximumMetricSeries = maximumMetricSeries
        self.engineCounts = engineCounts
        let registry = registry
        consumed = registry.counter(Family.consumed)
        decodedByPipeline = registry.counter(Family.decodedByPipeline)
        shardCPU = registry.counter(Family.shardCPU)
        deadLetters = registry.counter(Family.deadLetters)
        published = registry.counter(Family.published)
        evaluations = registry.counter(Family.evaluations)
        retrainTriggers = registry.counter(Family.retrainTriggers)
        seriesDropped = registry.counter(Family.seriesDropped)
        alertEventsForgotten = registry.counter(Family.alertEventsForgotten)
        batchLatency = registry.durationHistogram(Family.batchLatency, buckets: [
            .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ])
        outputLatency = registry.durationHistogram(Family.outputLatency, buckets: [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(60),
        ])
        ready = registry.gauge(Family.ready)
        checkpointAge = registry.gauge(Family.checkpointAge)
        enforcedProcessing = registry.counter(Family.enforcedProcessing)
        alignmentBuffered = registry.gauge(Family.alignmentBuffered)
        alignmentPaused = registry.gauge(Family.alignmentPaused)
        alignmentPauses = registry.counter(Family.alignmentPauses)
        checkpointRestores = Dictionary(uniqueKeysWithValues: CheckpointRestoreResult.allCases.map { result in
            (result, registry.counter(Family.checkpointRestores, [("result", result.rawValue)]))
        })
        registry.gauge(Family.buildInfo, [("version", Self.version), ("platform", Self.platform)]).set(to: 1)
        process = ProcessSample.read() == nil ? nil : ProcessGauges(registry)
    }

    private static var platform: String {
        #if os(Linux)
        let system = "linux"
        #else
        let system = "darwin"
        #endif
        #if arch(x86_64)
        return system + "/amd64"
        #else
        return system + "/arm64"
        #endif
    }

    /// The Prometheus text exposition of every metric (the process's resources read now).
    package func exposition() -> [UInt8] {
        if let process, let sample = ProcessSample.read() { process.record(sample) }
        if let engineCounts { setEngineCounts(engineCounts()) }
        return registry.emitToBuffer()
    }

    func recordBatch(consumed count: Int, decodedByPipeline decoded: Int, shardCPU cpu: Duration, deadLetters letters: Int,
                     published records: Int, evaluations evaluated: Int, duration: Duration) {
        consumed.increment(by: Int64(count))
        if decoded > 0 { decodedByPipeline.increment(by: Int64(decoded)) }
        if cpu > .zero { shardCPU.increment(by: cpu.seconds) }
        if letters > 0 { deadLetters.increment(by: Int64(letters)) }
        if records > 0 { published.increment(by: Int64(records)) }
        if evaluated > 0 { evaluations.increment(by: Int64(evaluated)) }
        batchLatency.record(duration)
    }

    func recordOutputLatency(milliseconds: [Int64]) {
        for value in milliseconds { outputLatency.record(.milliseconds(value)) }
    }

    func rejected(reason: String) {
        series(\.rejected, reason) { registry.counter(Family.rejected, [("reason", reason)]) }.increment()
    }

    /// Brings `driftwatch_capped_total{cap}`, `driftwatch_events_late_total{kind}`,
    /// `driftwatch_labels_mismatched_total`, `driftwatch_feature_values_not_in_reference_total`, `driftwatch_label_join_total{outcome}`,
    /// `driftwatch_performance_evaluations_below_coverage_total` and
    /// `driftwatch_retrain_triggers_suppressed_total` up to the engines' counters (`totals`: sums over the engines; the label values are the
    /// fixed sets of ``ServiceStatus/cappedCounts(_:join:)``, ``ServiceStatus/Counters/late``
    /// and ``ServiceStatus/joinCounts(_:)``). Also
    /// `driftwatch_rule_evaluations_total{rule,result}`: every rule's evaluations by
    /// result, so a rule that is never judged (too few samples, no reference value, a missing segment attribute) shows.
    private func setEngineCounts(_ totals: ServiceStatus.Counters) {
        advance(Family.capped, to: totals.capped.map { ([("cap", $0.key)], $0.value) })
        advance(Family.late, to: totals.late.map { ([("kind", $0.key)], $0.value) })
        advance(Family.mismatchedLabels, to: [([], totals.mismatchedLabels)])
        advance(Family.notInReference, to: [([], totals.featureValuesNotInReference)])
        advance(Family.labelJoin, to: totals.labelJoin.map { ([("outcome", $0.key)], $0.value) })
        advance(Family.belowCoverage, to: [([], totals.belowCoverageEvaluations)])
        advance(Family.retrainSuppressed, to: [([], totals.retrainTriggersInCooldown)])
        advance(Family.ruleEvaluations, to: totals.ruleEvaluations.flatMap { rule, results in
            results.map { ([("rule", rule), ("result", $0.key)], $0.value) }
        })
    }

    /// Totals only grow, so each counter is incremented by what is new since the last call.
    private func advance(_ family: PrometheusFamily, to totals: [(dimensions: [(String, String)], total: Int)]) {
        dynamic.withLock { dynamic in
            for (dimensions, total) in totals {
                let key = ([family.name] + dimensions.map(\.1)).joined(separator: "\u{0}")
                var entry = dynamic.totals[key] ?? (registry.counter(family, dimensions), 0)
                if total > entry.reported {
                    entry.counter.increment(by: Int64(total - entry.reported))
                    entry.reported = total
                }
                dynamic.totals[key] = entry
            }
        }
    }

    func alertFired(rule: String, severity: String) {
        series(\.alerts, rule + "\u{0}" + severity) {
            registry.counter(Family.alertsFired, [("rule", rule), ("severity", severity)])
        }.increment()
    }

    /// `driftwatch_alerts_firing{alertname,severity,model,version,subject}`: set to 1 while
    /// the alert with this fingerprint fires, its series removed when it resolves.
    func alertChanged(fingerprint: String, labels: [(String, String)], firing: Bool) {
        let dropped = dynamic.withLock { dynamic -> Bool in
            if !firing {
                if let gauge = dynamic.firing.removeValue(forKey: fingerprint) { registry.unregisterGauge(gauge) }
                return false
            }
            guard dynamic.firing[fingerprint] == nil else { return false }
            guard dynamic.engineSeries < maximumMetricSeries else { return true }
            let gauge = registry.gauge(Family.alertsFiring, labels)
            gauge.set(to: 1)
            dynamic.firing[fingerprint] = gauge
            return false
        }
        if dropped { seriesDropped.increment() }
    }

    func alertEventForgotten() { alertEventsForgotten.increment() }

    func checkpointRestored(_ result: CheckpointRestoreResult) { checkpointRestores[result]?.increment() }

    func retrainTriggered() { retrainTriggers.increment() }

    func setReady(_ isReady: Bool) { ready.set(to: isReady ? 1 : 0) }

    /// See ``ServiceStatus/checkpointAgeSeconds``.
    /// The alignment's state after a step: `enforced` new enforced-processing records, `pauses` new pauses.
    func recordAlignment(enforced: Int, pauses: Int, buffered: Int, paused: Int) {
        if enforced > 0 { enforcedProcessing.increment(by: Int64(enforced)) }
        if pauses > 0 { alignmentPauses.increment(by: Int64(pauses)) }
        alignmentBuffered.set(to: Double(buffered))
        alignmentPaused.set(to: Double(paused))
    }

    func setCheckpointAge(_ seconds: Double) { checkpointAge.set(to: seconds) }

    /// Consumer lag by partition (`topic[partition]` → messages behind).
    func setLag(_ lag: [(topic: String, partition: Int32, lag: Int64)]) {
        for entry in lag {
            series(\.lag, "\(entry.topic)[\(entry.partition)]") {
                registry.gauge(Family.lag, [("topic", entry.topic), ("partition", String(entry.partition))])
            }.set(to: Double(entry.lag))
        }
    }

    /// The current value of one metric the engine emitted (`nil`: undefined, exported as
    /// NaN), in its family (``MonitorValueFamily``).
    func monitorValue(model: String, version: String, subject: String, metric: MetricName, value: Double?) {
        let key = [model, version, subject, metric.rawValue].joined(separator: "\u{0}")
        let gauge: Gauge? = dynamic.withLock { dynamic in
            if let existing = dynamic.values[key] { return existing }
            guard dynamic.engineSeries < maximumMetricSeries else { return nil }
            let family = MonitorValueFamily(metric)
            let gauge = registry.gauge(family.descriptor, family.labels(model: model, version: version, subject: subject, metric: metric))
            dynamic.values[key] = gauge
            return gauge
        }
        guard let gauge else {
            seriesDropped.increment()
            return
        }
        gauge.set(to: value ?? .nan)
    }

    /// The series of a dynamic family under `key`, created by `make` on first use.
    private func series<Metric>(_ path: WritableKeyPath<Dynamic, [String: Metric]>, _ key: String,
                                _ make: () -> Metric) -> Metric {
        dynamic.withLock { dynamic in
            if let existing = dynamic[keyPath: path][key] { return existing }
            let metric = make()
            dynamic[keyPath: path][key] = metric
            return metric
        }
    }
}

/// The standard process families (as the Go and Python clients name them), updated at each scrape.
private struct ProcessGauges: Sendable {
    let cpu: Counter
    /// CPU seconds already added to `cpu` (the kernel gives totals; the counter takes increments).
    let cpuReported = Protected(0.0)
    let resident: Gauge
    let virtual: Gauge
    let openFileDescriptors: Gauge
    let maximumFileDescriptors: Gauge
    let startTime: Gauge

    init(_ registry: PrometheusCollectorRegistry) {
        cpu = registry.counter(PrometheusFamily("process_cpu_seconds_total", "Total user and system CPU time spent in seconds."))
        resident = registry.gauge(PrometheusFamily("process_resident_memory_bytes", "Resident memory size in bytes."))
        virtual = registry.gauge(PrometheusFamily("process_virtual_memory_bytes", "Virtual memory size in bytes."))
        openFileDescriptors = registry.gauge(PrometheusFamily("process_open_fds", "Number of open file descriptors."))
        maximumFileDescriptors = registry.gauge(PrometheusFamily("process_max_fds", "Maximum number of open file descriptors."))
        startTime = registry.gauge(PrometheusFamily("process_start_time_seconds", "Start time of the process since unix epoch in seconds."))
    }

    func record(_ sample: ProcessSample) {
        cpuReported.withLock { reported in
            guard sample.cpuSeconds > reported else { return }
            cpu.increment(by: sample.cpuSeconds - reported)
            reported = sample.cpuSeconds
        }
        resident.set(to: sample.residentBytes)
        virtual.set(to: sample.virtualBytes)
        openFileDescriptors.set(to: sample.openFileDescriptors)
        maximumFileDescriptors.set(to: sample.maximumFileDescriptors)
        startTime.set(to: sample.startTimeSeconds)
    }
}

extension PrometheusCollectorRegistry {
    func counter(_ family: PrometheusFamily, _ labels: [(String, String)] = []) -> Counter {
        makeCounter(descriptor: family.descriptor, labels: labels)
    }

    func gauge(_ family: PrometheusFamily, _ labels: [(String, String)] = []) -> Gauge {
        makeGauge(descriptor: family.descriptor, labels: labels)
    }

    func durationHistogram(_ family: PrometheusFamily, buckets: [Duration]) -> DurationHistogram {
        makeDurationHistogram(descriptor: family.descriptor, buckets: buckets)
    }
}
