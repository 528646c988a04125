// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "driftwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "driftwatch", targets: ["driftwatch"]),
        .library(name: "DriftCore", targets: ["DriftCore"]),
        .library(name: "Kafka", targets: ["Kafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C API of librdkafka (Debian: librdkafka-dev). Only the Kafka module imports it.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Safe Swift layer over librdkafka: consumer, producer, admin, embedded broker.
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pure statistics core: sketches, drift statistics, detectors, metrics. No I/O.
        .target(
            name: "DriftCore",
            dependencies: [
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The streaming engine: decoding, windows, label join, rules, alerts, checkpoints.
        // Built on DriftCore; no Foundation and no files (bytes in, typed outputs out).
        .target(
            name: "MonitorCore",
            dependencies: [
                "DriftCore",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // Around the engine: file input and replay, profiling datasets, comparison, analysis,
        // the HTML report, and loading rules and driftwatch.yaml (one YAML diagnostics reader).
        .target(
            name: "Monitor",
            dependencies: [
                "DriftCore",
                "MonitorCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Synthetic prediction streams with drift injected at known points (simulate, demo, benchmarks).
        .target(
            name: "Simulation",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // The long-running service: Kafka in, engine per partition, Kafka out, HTTP metrics and status.
        .target(
            name: "Service",
            dependencies: [
                "Kafka",
                "Monitor",
                "MonitorCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "driftwatch",
            dependencies: [
                "Kafka",
                "Service",
                "DriftCore",
                "Monitor",
                "MonitorCore",
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
        // Independent CPU-bound parts of one test spread over the cores (the suite runs serially).
        .target(name: "TestConcurrency", path: "Tests/TestConcurrency"),
        .testTarget(name: "DriftCoreTests", dependencies: ["DriftCore", "TestConcurrency"]),
        // What the engine's and the Monitor module's tests share: fixture paths, rule loading,
        // stream replays and the model-type streams' reference vectors.
        .target(name: "MonitorTestSupport", dependencies: ["Monitor", "MonitorCore", "DriftCore", "Simulation"], path: "Tests/MonitorTestSupport"),
        .testTarget(name: "MonitorCoreTests", dependencies: ["MonitorCore", "Monitor", "MonitorTestSupport", "Simulation", "TestConcurrency"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "MonitorCore", "MonitorTestSupport", "Simulation", "TestConcurrency"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Monitor", "MonitorCore"]),
        .testTarget(name: "ServiceTests", dependencies: [
            "Service", "Kafka", "Monitor", "MonitorCore", "MonitorTestSupport", "Simulation",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
        ],
        // The independent producer the schema registry tests run with Python, read from its path.
        exclude: ["SchemaRegistry/serialize_events.py"]),
    ]
)

// Engine benchmarks on ordo-one/benchmark, as Hummingbird enables its own: only with
// DRIFTWATCH_BENCHMARKS set, so that CI and everyday builds neither fetch nor build them
// (README "Benchmarks": `DRIFTWATCH_BENCHMARKS=1 swift package benchmark`).
if Context.environment["DRIFTWATCH_BENCHMARKS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets += [
        // The benchmark streams: the simulator's dense stream, a sparse and a wide 14-day history.
        .target(
            name: "BenchmarkStreams",
            dependencies: ["Simulation", "MonitorCore", .product(name: "HeapModule", package: "swift-collections")],
            path: "Benchmarks/BenchmarkStreams"
        ),
        // Writes a benchmark stream to a file, to time another build's `driftwatch replay` on it
        // (not directly under Benchmarks/, where the benchmark plugin runs every executable).
        .executableTarget(name: "bench-streams", dependencies: ["BenchmarkStreams"], path: "Benchmarks/Tools/bench-streams"),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                "BenchmarkStreams",
                "Monitor",
                "MonitorCore",
                "Simulation",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
}
