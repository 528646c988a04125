// swift-tools-version:6.0
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
        // The monitor: decoding, windows, label join, rules, alerts. Built on DriftCore.
        .target(
            name: "Monitor",
            dependencies: [
                "DriftCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // Synthetic prediction streams with drift injected at known points (simulate, demo, benchmarks).
        .target(
            name: "Simulation",
            dependencies: [
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "driftwatch",
            dependencies: [
                "Kafka",
                "DriftCore",
                "Monitor",
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
        .testTarget(name: "DriftCoreTests", dependencies: ["DriftCore"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "Simulation"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Monitor"]),
    ]
)
