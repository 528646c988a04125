import ArgumentParser

/// `driftwatch bench ...`: what users measure on their own machine and cluster (Kafka,
/// the service end to end, checkpoints, the statistics core). The engine's benchmarks —
/// replay of a dense and a sparse stream, decoding — are ordo-one benchmarks under
/// `Benchmarks/` (README "Benchmarks"). Run it on a release build: `swift run -c release driftwatch bench core`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and memory (use a release build).",
        subcommands: [CoreBench.self, KafkaBench.self, ServeBench.self, CheckpointBench.self]
    )
}

/// Per-value update costs, merge costs and memory of the statistics core.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "core", abstract: "Benchmark the statistics core.")

    /// Each suite returns its results; add a suite here when a core area gets benchmarks.
    static let suites: [(title: String, run: @Sendable () -> [BenchmarkResult])] = [
        ("Detectors, classification and fairness", DetectorBenchmarks.all),
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
