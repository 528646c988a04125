import DriftCore
import Simulation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-update costs of the change detectors, the classification summary and the
/// fairness summary, and their merge costs, on seeded synthetic streams.
enum DetectorBenchmarks {
    static let streamLength = 1_000_000

    static func all() -> [BenchmarkResult] {
        var random = RandomSource(seed: 2026)
        let gaussian = (0..<streamLength).map { _ in random.normal() }
        let errors = (0..<streamLength).map { _ in random.uniform() < 0.1 ? 1.0 : 0.0 }
        return detectorResults(gaussian: gaussian, errors: errors) + outcomeResults(random: &random)
    }

    private static func detectorResults(gaussian: [Double], errors: [Double]) -> [BenchmarkResult] {
        [
            measureDetector("ADWIN update (Gaussian)", try! ADWIN(), gaussian),
            measureDetector("Page-Hinkley update (Gaussian)", try! PageHinkley(), gaussian),
            measureDetector("DDM update (Bernoulli errors, p = 0.1)", try! DDM(), errors),
            measureDetector("EDDM update (Bernoulli errors, p = 0.1)", try! EDDM(), errors),
        ]
    }

    /// Generic over the concrete detector, so each one is specialised, not called through
    /// an existential.
    private static func measureDetector<Detector: ChangeDetector>(
        _ name: String, _ fresh: Detector, _ values: [Double]
    ) -> BenchmarkResult {
        var detections = 0
        var last = fresh
        let result = Bench.measure(name, operations: values.count) {
            var detector = fresh
            detections = 0
            for value in values {
                detector.update(value)
                if detector.driftDetected { detections += 1 }
            }
            last = detector
        }
        var writer = BinaryWriter()
        last.encode(to: &writer)
        blackHole(detections)
        return with(result) { $0.note = "\(detections) detections; state \(writer.bytes.count) B serialised" }
    }

    private static func outcomeResults(random: inout RandomSource) -> [BenchmarkResult] {
        let rows = (0..<streamLength).map { _ -> (label: Bool, predicted: Bool, score: Double, group: Int) in
            let label = random.uniform() < 0.3
            let score = min(max(0.3 + (label ? 0.3 : 0) + 0.2 * random.normal(), 0), 1)
            return (label, score >= 0.5, score, Int(random.next() % 6))
        }
        let keys = ["female", "male"].flatMap { gender in
            ["18-34", "35-54", "55+"].map { FairnessGroupKey([gender, $0]) }
        }

        var summary = try! BinaryOutcomeSummary()
        let record = Bench.measure("BinaryOutcomeSummary record (scored)", operations: rows.count) {
            summary = try! BinaryOutcomeSummary()
            for row in rows { summary.record(label: row.label, predicted: row.predicted, score: row.score) }
        }
        blackHole(summary.rocAUC)

        let emptyFairness = try! FairnessSummary(attributes: ["gender", "age_band"])
        var fairness = emptyFairness
        let fairnessRecord = Bench.measure("Fairness record (6 groups, 20 % unlabelled)", operations: rows.count) {
            fairness = emptyFairness
            for (index, row) in rows.enumerated() {
                fairness.record(group: keys[row.group], label: index % 5 == 0 ? nil : row.label, predicted: row.predicted)
            }
        }
        blackHole(fairness.report().demographicParity)

        let merges = 2_000
        let other = summary
        var target = summary
        let summaryMerge = Bench.measure("BinaryOutcomeSummary merge (1,000 bins)", operations: merges) {
            for _ in 0..<merges { try! target.merge(other) }
        }
        blackHole(target.truePositives)

        var wideFairness = try! FairnessSummary(attributes: ["segment"])
        for (index, row) in rows.prefix(100_000).enumerated() {
            wideFairness.record(group: FairnessGroupKey(["s\(index % 200)"]), label: row.label, predicted: row.predicted)
        }
        var fairnessTarget = wideFairness
        let fairnessMerge = Bench.measure("FairnessSummary merge (200 groups)", operations: 200) {
            for _ in 0..<200 { try! fairnessTarget.merge(wideFairness) }
        }
        blackHole(fairnessTarget.groups.count)

        let report = Bench.measure("FairnessSummary report (200 groups)", operations: 100) {
            for _ in 0..<100 { blackHole(wideFairness.report()) }
        }

        var writer = BinaryWriter()
        summary.encode(to: &writer)
        var fairnessWriter = BinaryWriter()
        wideFairness.encode(to: &fairnessWriter)
        return [
            with(record) { $0.note = "state \(writer.bytes.count) B serialised" },
            fairnessRecord,
            summaryMerge,
            with(fairnessMerge) { $0.note = "state \(fairnessWriter.bytes.count) B serialised" },
            report,
        ]
    }

    private static func with(_ result: BenchmarkResult, _ change: (inout BenchmarkResult) -> Void) -> BenchmarkResult {
        var copy = result
        change(&copy)
        return copy
    }
}
