import DriftCore

/// Per-value update, merge and memory costs of the window summaries and the KLL sketch.
enum SummaryBenchmarks {
    static func all() -> [BenchmarkResult] {
        let values = normalValues(count: 1_000_000, seed: 1)
        let binning = referenceBinning()
        return [
            numericUpdate(values, binning),
            categoricalUpdate(),
            merge(values, binning),
            numericMemory(values, binning),
            windowMemory(values, binning),
            kllUpdate(values),
            driftEvaluation(values, binning),
        ]
    }

    /// Approximately normal values (Irwin–Hall sum of 4 SplitMix64 uniforms).
    static func normalValues(count: Int, seed: UInt64) -> [Double] {
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        return (0..<count).map { _ in (uniform() + uniform() + uniform() + uniform() - 2) * 1.7 }
    }

    /// B = 1000 bins over the quantiles of a reference sample, as a profile would have.
    static func referenceBinning() -> ReferenceBinning {
        var builder = try! ReferenceProfileBuilder(kinds: ["x": .numeric])
        for value in normalValues(count: 100_000, seed: 2) { builder.add(.number(value), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"]! else { fatalError("numeric profile expected") }
        return reference.binning
    }

    static func numericUpdate(_ values: [Double], _ binning: ReferenceBinning) -> BenchmarkResult {
        Bench.measure("numeric summary update (B=1000)", operations: values.count, note: "target ≤ 25 ns") {
            var summary = NumericSummary(binning: binning)
            for value in values { summary.update(value) }
            blackHole(summary)
        }
    }

    static func categoricalUpdate() -> BenchmarkResult {
        let vocabulary = ["US", "DE", "FR", "GB", "electronics", "books", "home-garden", "mobile-ios", "mobile-android",
                          "web-desktop", "segment-a", "segment-b", "premium", "basic", "trial"]
            + (0..<185).map { "merchant-\($0)" }
        var state: UInt64 = 3
        let stream: [String] = (0..<1_000_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return vocabulary[Int((state >> 33) % UInt64(vocabulary.count))]
        }
        return Bench.measure("categorical summary update (200 categories)", operations: stream.count, note: "target ≤ 40 ns") {
            var summary = CategoricalSummary()
            for value in stream { summary.update(value) }
            blackHole(summary)
        }
    }

    static func merge(_ values: [Double], _ binning: ReferenceBinning) -> BenchmarkResult {
        var pane = NumericSummary(binning: binning)
        for value in values.prefix(10_000) { pane.update(value) }
        let merges = 10_000
        return Bench.measure("numeric pane merge (B=1000)", operations: merges) {
            var window = NumericSummary(binning: binning)
            for _ in 0..<merges { try! window.merge(pane) }
            blackHole(window)
        }
    }

    static func numericMemory(_ values: [Double], _ binning: ReferenceBinning) -> BenchmarkResult {
        var summary = NumericSummary(binning: binning)
        for value in values.prefix(100_000) { summary.update(value) }
        return BenchmarkResult(name: "numeric summary memory", operations: 1, nanosecondsPerOperation: .nan,
                               note: "\(summary.ownedBytes) bytes owned (target ≤ 16384)")
    }

    static func windowMemory(_ values: [Double], _ binning: ReferenceBinning) -> BenchmarkResult {
        let before = Bench.peakResidentBytes()
        var panes: [[NumericSummary]] = []
        for _ in 0..<12 {
            var features: [NumericSummary] = []
            for feature in 0..<100 {
                var summary = NumericSummary(binning: binning)
                for value in values[(feature * 1000)..<(feature * 1000 + 1000)] { summary.update(value) }
                features.append(summary)
            }
            panes.append(features)
        }
        let owned = panes.joined().reduce(0) { $0 + $1.ownedBytes }
        let growth = Bench.peakResidentBytes() - before
        blackHole(panes)
        return BenchmarkResult(name: "window memory (12 panes x 100 features)", operations: 1, nanosecondsPerOperation: .nan,
                               note: "\(format(Double(owned) / 1_048_576, decimals: 2)) MiB owned, peak RSS +\(format(Double(growth) / 1_048_576, decimals: 2)) MiB (target ≤ 20 MiB)")
    }

    static func kllUpdate(_ values: [Double]) -> BenchmarkResult {
        Bench.measure("KLL sketch update (k=4096)", operations: values.count) {
            var sketch = KLLSketch()
            for value in values { sketch.update(value) }
            blackHole(sketch)
        }
    }

    static func driftEvaluation(_ values: [Double], _ binning: ReferenceBinning) -> BenchmarkResult {
        var builder = try! ReferenceProfileBuilder(kinds: ["x": .numeric])
        for value in values.prefix(100_000) { builder.add(.number(value), to: "x") }
        guard case let .numeric(reference) = builder.finish().features["x"]! else { fatalError("numeric profile expected") }
        var current = reference.makeSummary()
        for value in values.suffix(50_000) { current.update(value * 1.1 + 0.05) }
        let evaluations = 2_000
        return Bench.measure("numeric drift evaluation (all statistics)", operations: evaluations) {
            for _ in 0..<evaluations { blackHole(try! NumericDriftResult(reference: reference, current: current)) }
        }
    }
}
