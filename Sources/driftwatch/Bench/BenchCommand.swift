import ArgumentParser

/// `driftwatch bench ...`: the speed and memory targets, measured on this machine.
/// Run it on a release build: `swift run -c release driftwatch bench core`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and memory (use a release build).",
        subcommands: [CoreBench.self, KafkaBench.self, ServeBench.self]
    )
}

/// Per-value update costs, merge costs and memory of the statistics core.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "core", abstract: "Benchmark the statistics core.")

    /// Each suite returns its results; add a suite here when a core area gets benchmarks.
    static let suites: [(title: String, run: @Sendable () -> [BenchmarkResult])] = [
        ("Detectors, classification and fairness", DetectorBenchmarks.all),
        ("event decoding", DecodeBenchmarks.all),
        ("distributions", DistributionsBenchmarks.all),
        ("window summaries and sketches", SummaryBenchmarks.all),
    ]

    func run() {
        for (title, suite) in Self.suites {
            print("== \(title)")
            for result in suite() { print(result.line) }
        }
    }
}
