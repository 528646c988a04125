import Prometheus

/// One family of `/metrics`: its full name and its HELP text, declared once (the registry
/// writes `# HELP` and `# TYPE` for it; `promtool check metrics` wants both).
struct PrometheusFamily: Sendable, Hashable {
    let name: String
    let help: String

    init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }

    /// swift-prometheus' descriptor: the full name is the metric name, the unit already in it.
    var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}
