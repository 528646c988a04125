import Benchmark
import BenchmarkStreams
import Foundation
import Monitor
import MonitorCore

/// The engine on its three workloads (README "Benchmarks"): a dense simulated stream of
/// 1 M predictions with labels, a sparse 14-day history at ~36,000 predictions a day
/// with labels, and a wide one (the same volume, 30 features), all with `rules/default.yaml`
/// and the default windows; then decoding
/// alone and the engine alone (events decoded beforehand). One iteration is one whole
/// stream: predictions per second are the stream's predictions over its wall clock time.
///
/// Run from the repository root: `DRIFTWATCH_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        scalingFactor: .one,
        maxDuration: .seconds(120),
        maxIterations: 3
    )

    for stream in BenchmarkStream.allCases {
        Benchmark("Replay/\(stream.rawValue)") { benchmark in
            let file = try StreamFile.path(of: stream)
            let engine = try StreamFile.engine()
            benchmark.startMeasurement()
            try Replay.run(inputs: [file], engine: engine, deliver: { blackHole($0) }, deadLetter: { _ in })
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Decode/sparse (100,000 lines)") { benchmark in
        let lines = StreamFile.firstLines(of: .sparse, count: 100_000)
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for line in lines {
            line.withUnsafeBufferPointer { blackHole(session.decode($0)) }
        }
    }

    // The same events as Avro in Schema Registry framing and as JSON: the fastavro-written
    // `event` vectors of fixtures/vectors/avro.json (a prediction and a label), 50,000 each.
    let framed = try! AvroEvents.load()
    Benchmark("Decode/Avro framed (100,000 messages)") { benchmark in
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for _ in 0..<50_000 {
            for message in framed.avro { message.withUnsafeBufferPointer { blackHole(session.decode($0, schemas: framed.schemas)) } }
        }
    }
    Benchmark("Decode/same events as JSON (100,000 messages)") { benchmark in
        var session = EventDecoder.Session(EventDecoder())
        benchmark.startMeasurement()
        for _ in 0..<50_000 {
            for message in framed.json { message.withUnsafeBufferPointer { blackHole(session.decode($0)) } }
        }
    }

    Benchmark("Engine only/sparse (events decoded beforehand)") { benchmark in
        let engine = try StreamFile.engine()
        let events = try StreamFile.firstLines(of: .sparse, count: .max).map { line in
            try line.withUnsafeBufferPointer { try engine.decoder.decode($0).get() }
        }
        benchmark.startMeasurement()
        for event in events {
            engine.process(event)
            blackHole(engine.drainOutputs())
        }
        engine.finish()
        blackHole(engine.drainOutputs())
        benchmark.stopMeasurement()
    }
}

/// The benchmark streams and the engine they are replayed through.
enum StreamFile {
    /// The default rules, found from the working directory (the repository root).
    static let rules = FileManager.default.currentDirectoryPath + "/rules/default.yaml"

    /// An engine as `driftwatch replay --alerts-out` makes it: default windows and caps,
    /// the default rules, no metric events (nothing would write them).
    static func engine() throws -> MonitorEngine {
        var configuration = MonitorConfiguration()
        configuration.emitsMetricEvents = false
        return MonitorEngine(configuration: configuration, rules: try RuleLoader.load(paths: [rules]).get())
    }

    /// The stream as a file in the temporary directory, written on first use and kept for
    /// later runs (`$TMPDIR/driftwatch-bench-*.jsonl`, 1.2 GB for the three: delete them after
    /// changing a generator). Written under a name of its own, then renamed, so that an
    /// interrupted run leaves no partial file behind.
    static func path(of stream: BenchmarkStream) throws -> String {
        let path = NSTemporaryDirectory() + "driftwatch-bench-\(stream.rawValue).jsonl"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        let partial = path + ".\(getpid()).partial"
        try stream.write(to: partial)
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// The stream's first `count` lines, as bytes.
    static func firstLines(of stream: BenchmarkStream, count: Int) -> [[UInt8]] {
        stream.lines().prefix(count).map { Array($0.utf8) }
    }
}

/// The `event` case of `fixtures/vectors/avro.json`: its datums framed with schema id 1, and
/// the same events as JSON.
enum AvroEvents {
    static func load() throws -> (avro: [[UInt8]], json: [[UInt8]], schemas: SchemaTable) {
        let vectors = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "fixtures/vectors/avro.json"))) as? [String: Any]
        guard let cases = vectors?["cases"] as? [[String: Any]], let event = cases.first(where: { $0["name"] as? String == "event" }),
              let schema = event["schema"] as? String, let datums = event["datums"] as? [[String: String]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let avro = datums.map { datum in
            let hex = Array(datum["hex", default: ""].utf8)
            return [0, 0, 0, 0, 1] + stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        }
        let schemas = SchemaTable(schemas: [1: .success(.avro(AvroDecoder(schema: try AvroSchema(json: schema))))])
        return (avro, datums.map { Array($0["json", default: ""].utf8) }, schemas)
    }
}
