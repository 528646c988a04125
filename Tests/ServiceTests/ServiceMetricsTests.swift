import Foundation
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Synchronization
import Testing

@Suite struct ServiceMetricsTests {
    /// The exposition's families: name → (HELP present, TYPE).
    static func families(_ text: String) -> [String: (help: Bool, type: String?)] {
        var families: [String: (help: Bool, type: String?)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# ") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3 else { continue }
            let name = String(parts[2])
            switch parts[1] {
            case "HELP": families[name, default: (false, nil)].help = parts.count == 4
            case "TYPE": families[name, default: (false, nil)].type = parts.count == 4 ? String(parts[3]) : nil
            default: break
            }
        }
        return families
    }

    static var engineTotals: ServiceStatus.Counters {
        var totals = ServiceStatus.Counters()
        (totals.capped, totals.late, totals.ruleEvaluations, totals.mismatchedLabels) = (["models": 1], ["predictions": 2], ["psi_high": ["judged": 3]], 4)
        totals.labelJoin = ["joined": 9, "unmatched_labels": 6]
        (totals.belowCoverageEvaluations, totals.retrainTriggersInCooldown) = (5, 2)
        totals.featureValuesNotInReference = 8
        return totals
    }

    static func populated(maximumMetricSeries: Int = 2000) -> ServiceMetrics {
        let metrics = ServiceMetrics(maximumMetricSeries: maximumMetricSeries, engineCounts: { engineTotals })
        metrics.recordBatch(consumed: 10, decodedByPipeline: 7, shardCPU: .milliseconds(1500), deadLetters: 1, published: 3, evaluations: 2,
                            duration: .milliseconds(3))
        metrics.recordOutputLatency(milliseconds: [12])
        metrics.rejected(reason: "invalid_json")
        metrics.alertFired(rule: "psi_high", severity: "warning")
        metrics.setLag([("events", 0, 5)])
        metrics.setReady(true)
        metrics.setCheckpointAge(1.5)
        metrics.checkpointRestored(.fresh)
        metrics.retrainTriggered()
        return metrics
    }

    @Test func everyFamilyHasHelpAndType() {
        let metrics = Self.populated()
        metrics.monitorValue(model: "m", version: "v1", subject: "f_income", metric: .feature(.psi), value: 0.3)
        metrics.alertChanged(fingerprint: "a", labels: [("alertname", "psi_high")], firing: true)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let families = Self.families(text)
        #expect(families.count >= 20)
        for (name, family) in families {
            #expect(family.help, "\(name) has no HELP")
            #expect(family.type != nil, "\(name) has no TYPE")
        }
        #expect(families["driftwatch_build_info"]?.type == "gauge")
        #expect(text.contains("driftwatch_build_info{version=\"\(ServiceMetrics.version)\""))
        #if os(Linux)
        #expect(families["process_cpu_seconds_total"]?.type == "counter")
        for name in ["process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds", "process_max_fds"] {
            #expect(families[name]?.type == "gauge", "\(name)")
        }
        #endif
        #expect(text.contains("driftwatch_feature_drift_psi{model=\"m\",version=\"v1\",feature=\"f_income\"} 0.3\n"))
        #expect(text.contains("driftwatch_labels_mismatched_total 4\n"))
        #expect(text.contains("driftwatch_feature_values_not_in_reference_total 8\n"))
        #expect(families["driftwatch_shard_cpu_seconds_total"]?.type == "counter")
        #expect(text.contains("driftwatch_shard_cpu_seconds_total 1.5\n"))
        #expect(families["driftwatch_label_join_total"]?.type == "counter")
        #expect(text.contains("driftwatch_label_join_total{outcome=\"unmatched_labels\"} 6\n"))
        #expect(text.contains("driftwatch_performance_evaluations_below_coverage_total 5\n"))
        #expect(text.contains("driftwatch_retrain_triggers_suppressed_total 2\n"))
    }

    /// The families that follow the engines' counters are brought up to date when `/metrics`
    /// is read, by what the counters grew since the last read.
    @Test func engineCountsAreReadAtEachExposition() {
        let totals = Mutex(ServiceStatus.Counters())
        let metrics = ServiceMetrics(engineCounts: { totals.withLock { $0 } })
        #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("driftwatch_label_join_total{"))
        totals.withLock {
            $0.labelJoin = ["joined": 3]
            $0.ruleEvaluations = ["psi_high": ["judged": 2]]
        }
        var text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("driftwatch_label_join_total{outcome=\"joined\"} 3\n"))
        #expect(text.contains("driftwatch_rule_evaluations_total{rule=\"psi_high\",result=\"judged\"} 2\n"))
        totals.withLock { $0.labelJoin = ["joined": 10, "unmatched_labels": 1] }
        text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("driftwatch_label_join_total{outcome=\"joined\"} 10\n"))
        #expect(text.contains("driftwatch_label_join_total{outcome=\"unmatched_labels\"} 1\n"))
        #expect(text.contains("driftwatch_rule_evaluations_total{rule=\"psi_high\",result=\"judged\"} 2\n"))
    }

    @Test func firingAlertsAreSetAndResolvedOnesRemoved() {
        let metrics = ServiceMetrics()
        let labels = [("alertname", "psi_high"), ("severity", "warning"), ("model", "m"), ("version", "v1"), ("subject", "feature:f")]
        metrics.alertChanged(fingerprint: "f1", labels: labels, firing: true)
        metrics.alertChanged(fingerprint: "f2", labels: labels.dropLast() + [("subject", "feature:g")], firing: true)
        var text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"driftwatch_alerts_firing{alertname="psi_high",severity="warning",model="m",version="v1",subject="feature:f"} 1.0"#))
        #expect(text.contains(#"subject="feature:g"} 1.0"#))
        metrics.alertChanged(fingerprint: "f1", labels: labels, firing: false)
        text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(!text.contains(#"subject="feature:f""#))
        #expect(text.contains(#"subject="feature:g"} 1.0"#))
        // Resolving an alert never seen (or resolving twice) changes nothing.
        metrics.alertChanged(fingerprint: "f1", labels: labels, firing: false)
        metrics.alertChanged(fingerprint: "f2", labels: labels, firing: false)
        #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("driftwatch_alerts_firing{"))
    }

    @Test func engineSeriesStopAtTheCapAndTheRestAreCounted() {
        let metrics = ServiceMetrics(maximumMetricSeries: 3)
        for feature in ["a", "b", "c", "d"] {
            metrics.monitorValue(model: "m", version: "v1", subject: feature, metric: .feature(.psi), value: 0.1)
        }
        metrics.monitorValue(model: "m", version: "v1", subject: "a", metric: .feature(.psi), value: 0.2)  // an existing series
        metrics.alertChanged(fingerprint: "x", labels: [("alertname", "r")], firing: true)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("driftwatch_feature_drift_psi{") }.count == 3)
        #expect(text.contains("feature=\"a\"} 0.2\n"))
        #expect(!text.contains("driftwatch_alerts_firing{"))
        #expect(text.contains("driftwatch_metric_series_dropped_total 2\n"))
    }

    @Test func promtoolAcceptsTheExposition() throws {
        let metrics = Self.populated()
        for metric in MetricName.allCases {
            metrics.monitorValue(model: "m", version: "v1", subject: "s", metric: metric, value: 0.5)
        }
        metrics.monitorValue(model: "m", version: "v1", subject: "t", metric: .feature(.psi), value: nil)
        metrics.alertChanged(fingerprint: "a", labels: [("alertname", "psi_high"), ("severity", "warning")], firing: true)
        let result = try RealComponents.run("promtool", ["check", "metrics"], input: metrics.exposition())
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.isEmpty, "promtool's lint findings: \(result.output)")
    }
}
