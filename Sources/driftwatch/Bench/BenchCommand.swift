import ArgumentParser

/// `driftwatch bench ...`: the speed and memory targets, measured on this machine.
/// Run it on a release build: `swift run -c release driftwatch bench core`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and memory (use a release build).",
        subcommands: [CoreBench.self, KafkaBench.self, ReplayBench.self, ServeBench.self, CheckpointBench.self]
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

    @Option(help: "Run only the suites whose title contains this text.")
    var suite: String?

    func run() {
        for (title, suite) in Self.suites where self.suite.map({ title.contains($0) }) ?? true {
            print("== \(title)")
            for result in suite() { print(result.line) }
        }
    }
}
