import DriftCore
import Foundation
import Testing
import Monitor
import MonitorCore

/// What the end-to-end model-type stream tests share: their reference vectors
/// (`fixtures/vectors/*`), their example rules, their configuration and replay, and the
/// check of a window metric against the vectors.
package enum StreamVectors {
    /// A stream test suite's fixture: `fixtures/streams/<stream>` replayed under
    /// `rules/examples/<rules>` with `model` declared as `type`, and its reference vectors
    /// `fixtures/vectors/<vectors>`.
    package struct Fixture<Vectors: Decodable & Sendable>: Sendable {
        package let stream: String
        package let vectors: Vectors
        package let rules: RuleSet
        package let configuration: MonitorConfiguration

        package init(stream: String, vectors: String, rules: String, model: String, _ type: ModelType) {
            self.stream = stream
            self.vectors = load(Vectors.self, vectors)
            self.rules = exampleRules(rules)
            configuration = StreamVectors.configuration(model: model, type)
        }

        package func replay() throws -> StreamFixtures.Run {
            try StreamVectors.replay(stream, configuration: configuration, rules: rules)
        }

        /// The stream's lines, what an engine fed all of them emits (`expected`), and an engine
        /// fed the first `cut` of them (`first`) with what it emitted (`produced`).
        package func interrupted(at cut: Int) throws
            -> (lines: [[UInt8]], decoder: EventDecoder, expected: [String], first: MonitorEngine, produced: [String]) {
            let decoder = EventDecoder(modelTypes: configuration.modelTypes)
            let lines = try String(contentsOfFile: StreamFixtures.path(stream), encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
            let whole = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
            let expected = StreamVectors.feed(whole, lines[...])
            let first = MonitorEngine(configuration: configuration, rules: rules, decoder: decoder)
            let produced = StreamVectors.feed(first, lines[..<cut])
            return (lines, decoder, expected, first, produced)
        }

        /// A checkpoint of `engine` (whose panes hold `type`'s summaries) is refused for a
        /// binary classifier, saying why.
        package func expectRefusedForBinary(_ engine: MonitorEngine, checkpointing type: String) {
            var binary = configuration
            binary.modelTypes = ModelTypes()
            #expect {
                try MonitorEngine(restoring: engine.checkpoint(), configuration: binary, rules: rules)
            } throws: { "\($0)".contains("model type: checkpoint has \(type), expected binary") }
        }

        /// Replays, expecting no dead letters; the run and the vectors' windows by their end.
        package func replayWindows<Window>(_ windows: (Vectors) -> [Window], end: (Window) -> Int64) throws -> (StreamFixtures.Run, [Int64: Window]) {
            let run = try replay()
            #expect(run.deadLetters.isEmpty)
            return (run, Dictionary(uniqueKeysWithValues: windows(vectors).map { (end($0), $0) }))
        }
    }

    /// Feeds `engine` `lines`; what it emits.
    package static func feed(_ engine: MonitorEngine, _ lines: ArraySlice<[UInt8]>) -> [String] {
        var outputs: [String] = []
        for line in lines {
            line.withUnsafeBufferPointer { _ = engine.process(message: $0) }
            outputs += engine.drainOutputs().map(\.json)
        }
        return outputs
    }

    package static func load<Vectors: Decodable>(_ type: Vectors.Type, _ name: String) -> Vectors {
        try! JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: RuleFixtures.path("fixtures/vectors/" + name))))
    }

    package static func exampleRules(_ name: String) -> RuleSet {
        try! RuleLoader.load(paths: [RuleFixtures.path("rules/examples/" + name)]).get()
    }

    /// The stream fixtures' panes of 1 s, windows of 10 (250 predictions), every label
    /// awaited (coverage 1), `model` declared as `type`.
    package static func configuration(model: String, _ type: ModelType) -> MonitorConfiguration {
        var configuration = StreamFixtures.configuration()
        configuration.window = try! WindowSpec.eventTime(window: 10_000, slide: 1000, allowedLateness: 500, minimumEvents: 0)
        configuration.modelTypes = ModelTypes([model: type])
        configuration.labelReadiness.coverageThreshold = 1
        return configuration
    }

    package static func replay(_ stream: String, configuration: MonitorConfiguration, rules: RuleSet) throws -> StreamFixtures.Run {
        try StreamFixtures.replay([StreamFixtures.path(stream)], configuration: configuration, rules: rules,
                                  decoder: EventDecoder(modelTypes: configuration.modelTypes))
    }

    package static func expectClose(_ computed: Double?, _ reference: Double, _ what: String) {
        guard let computed else {
            Issue.record("\(what): no value")
            return
        }
        #expect(abs(computed - reference) <= 1e-9 * max(1, abs(reference)), "\(what): \(computed) vs \(reference)")
    }

    /// `name` on `subject`, for the windows ending at 20 s (the first after the 10 s
    /// reference) to 40 s, is the vectors' window of the same end (`references`) read by `path`.
    package static func expectWindows<Window>(_ run: StreamFixtures.Run, _ name: String, subject: String = "model",
                                      references: [Int64: Window], _ path: (Window) -> Double?) throws {
        let lines = run.metric(name, evaluation: "performance", subject: subject)
        #expect(lines.count == 21, "\(name): \(lines.count) windows")
        for (end, value) in lines {
            let reference = references[end].flatMap(path)
            expectClose(value, try #require(reference, "\(name) window ending \(end)"), "\(name) window ending \(end)")
        }
    }
}
