import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Hostile input, field mapping and determinism, through ``Replay/run``.
@Suite struct ReplayTests {
    /// `fixtures/streams/hostile.jsonl`: every kind of bad line between valid events,
    /// with a 512-byte line limit so its padded line is oversize.
    @Test func everyBadLineIsDeadLetteredWithItsReasonAndBytesAndTheRunGoesOn() throws {
        let path = StreamFixtures.path("hostile.jsonl")
        let run = try StreamFixtures.replay([path], maximumLineBytes: 512)
        let original = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        #expect(run.deadLetters.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(run.deadLetters.map(\.rejection.code) == [
            "invalid_json",  // truncated line
            "invalid_json",  // not JSON at all
            "invalid_timestamp",  // "ts":"soon"
            "invalid_json",  // NaN literal
            "invalid_json",  // Infinity literal
            "invalid_json",  // invalid UTF-8 in a string
            "oversize",
            "not_an_object",  // an array
            "missing_field",  // a label without its id
        ])
        for letter in run.deadLetters where letter.rejection.code != "oversize" {
            #expect(letter.bytes == Array(original[letter.line - 1]), "line \(letter.line): the dead letter keeps the original bytes")
            #expect(letter.length == letter.bytes.count)
        }
        let oversize = try #require(run.deadLetters.first { $0.rejection.code == "oversize" })
        // Shorter than the reader's buffer, yet over the limit: rejected all the same.
        #expect(oversize.length == original[7].count && oversize.bytes == Array(original[7].prefix(oversize.bytes.count)))
        #expect(oversize.json.contains(#""reason":"oversize""#) && oversize.json.contains(#""length":\#(original[7].count)"#))
        // Bytes that are not UTF-8 travel as base64, the rest as text.
        let invalidUTF8 = run.deadLetters[5]
        #expect(invalidUTF8.json.contains(#""payload_base64":""#) && !invalidUTF8.json.contains(#""payload":""#))
        #expect(run.deadLetters[1].json.contains(#""payload":"not json at all""#))

        let counters = run.engine.counters
        #expect(counters.rejected == ["invalid_json": 5, "invalid_timestamp": 1, "oversize": 1, "not_an_object": 1, "missing_field": 1])
        // h1, its label and h8 (the last line, without a final newline) all got through.
        #expect(counters.predictions == 2 && counters.labels == 1)
    }

    /// `fixtures/streams/custom-schema.json` maps `custom-schema.jsonl`, whose events
    /// keep model, version, features, outputs and segments at paths of their own and
    /// time in seconds.
    @Test func aCustomSchemaMapsEveryField() throws {
        let schema = try JSONDecoder().decode(SchemaFile.self, from: Data(contentsOf: URL(fileURLWithPath: StreamFixtures.path("custom-schema.json"))))
        let decoder = EventDecoder(mapping: schema.mapping)
        let text = try String(contentsOfFile: StreamFixtures.path("custom-schema.jsonl"), encoding: .utf8)
        let events = text.split(separator: "\n").map { decoder.decode(Array($0.utf8)) }
        guard case let .success(.prediction(first)) = events[0], case let .success(.label(label)) = events[3] else {
            Issue.record("not decoded: \(events)")
            return
        }
        #expect(first == PredictionEvent(
            model: "loans", version: "2024-01", id: "q1", timestamp: 0,
            features: [Feature("inputs.age", .number(30)), Feature("inputs.profile.income", .number(50000)), Feature("inputs.channel", .string("web"))],
            score: 0.9, predictedLabel: 1, segment: [SegmentAttribute("gender", "f")]))
        #expect(label == LabelEvent(id: "q1", timestamp: 2500, label: 1))

        // Through a replay: the reference is q1–q3 (seconds 0–2), q4 (3.5 s) is monitored,
        // and q1's label joins.
        let run = try StreamFixtures.replay([StreamFixtures.path("custom-schema.jsonl")], decoder: decoder)
        #expect(run.deadLetters.isEmpty)
        #expect(run.engine.counters.predictions == 4 && run.engine.counters.labels == 1 && run.engine.joinCounters.joined == 1)
        let notice = try #require(run.lines(.notice).first)
        #expect(notice["model"] as? String == "loans" && notice["version"] as? String == "2024-01")
        let volume = run.metric("volume", evaluation: "drift", version: "2024-01")
        #expect(volume.map(\.end) == [4000] && volume.map(\.value) == [1])
        let missing = run.metric("missing_rate", evaluation: "drift", subject: "inputs.profile.income", version: "2024-01")
        #expect(missing.map(\.value) == [0])
    }

    @Test func twoReplaysOfTheSameInputGiveTheSameBytes() throws {
        let inputs = ["join.jsonl", "late-events.jsonl", "version-change.jsonl"].map(StreamFixtures.path)
        let first = try StreamFixtures.replay(inputs, rules: StreamFixtures.smallRules)
        let second = try StreamFixtures.replay(inputs, rules: StreamFixtures.smallRules)
        #expect(first.outputs.map(\.json) == second.outputs.map(\.json))
        #expect(first.outputs.contains { $0.kind == .alert } && first.outputs.contains { $0.kind == .metric })
        #expect(first.engine.summaryLines() == second.engine.summaryLines())
    }

    /// `rejected_rate`: rejected messages among all messages (any model, labels too)
    /// received since the version's previous drift evaluation. Merged with join.jsonl,
    /// hostile.jsonl's nine bad lines are read (and rejected) right after its first
    /// event, before the first window of m/v1 closes at p3.
    @Test func rejectedRateIsTheShareOfMessagesSinceThePreviousEvaluation() throws {
        let run = try StreamFixtures.replay(["join.jsonl", "hostile.jsonl"].map(StreamFixtures.path), maximumLineBytes: 512)
        #expect(run.engine.counters.rejectedTotal == 9)
        // 33 messages up to p3, the first (r1) before the version existed: 9 / 32.
        #expect(run.metric("rejected_rate", evaluation: "drift").map(\.value) == [9.0 / 32, 0, 0, 0])
    }

    /// join.jsonl moved to 2026 with its times as RFC 3339 text (offsets Z and +02:00, a
    /// space or a T, milliseconds) gives exactly the outputs of the same stream in epoch milliseconds.
    @Test func textTimestampsReplayLikeTheirEpochMilliseconds() throws {
        let base: Int64 = 1_772_366_400_000  // 2026-03-01T12:00:00Z
        let lines = try String(contentsOfFile: StreamFixtures.path("join.jsonl"), encoding: .utf8).split(separator: "\n")
        func rewritten(_ time: (Int, Int64) -> String) -> [String] {
            lines.enumerated().map { index, line in
                let match = line.firstMatch(of: /"ts":(\d+)/)!
                return line.replacingCharacters(in: match.range, with: #""ts":"# + time(index, base + Int64(match.1)!))
            }
        }
        let numeric = rewritten { _, milliseconds in String(milliseconds) }
        let text = rewritten { index, milliseconds in
            let plusTwo = ISO8601Time.string(milliseconds: milliseconds + 7_200_000).replacingOccurrences(of: "Z", with: "+02:00")
            let utc = ISO8601Time.string(milliseconds: milliseconds)
            return "\"" + (index % 2 == 0 ? utc : plusTwo).replacingOccurrences(of: "T", with: index % 3 == 0 ? " " : "T") + "\""
        }
        #expect(text[3] != numeric[3] && text[3].contains("2026-03-01"))
        let runs = try [numeric, text].map { lines in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-\(UUID().uuidString).jsonl").path
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try StreamFixtures.replay([path])
        }
        #expect(runs[1].deadLetters.isEmpty)
        #expect(!runs[0].outputs.isEmpty)
        #expect(runs[1].outputs.map(\.json) == runs[0].outputs.map(\.json))
    }

    /// Files have no Kafka message timestamps: `timestamp: kafka` stops a replay before it reads a line.
    @Test func kafkaMessageTimestampsAreRefusedForFiles() throws {
        var mapping = FieldMapping()
        mapping.timestamp = .kafkaMessage
        let error = #expect(throws: EventTimeUnavailable.self) {
            try StreamFixtures.replay([StreamFixtures.path("join.jsonl")], decoder: EventDecoder(mapping: mapping))
        }
        #expect(error?.description.hasSuffix("join.jsonl: 'timestamp: kafka' takes the Kafka message timestamp, which files do not carry "
            + "(it works in serve only); name the event-time field instead (e.g. mapping.timestamp: ts)") == true)
    }

    @Test func mergeTiesGoToTheInputNamedFirst() {
        let label = MonitorEvent.label(LabelEvent(id: "a", timestamp: 5, label: 1))
        #expect(Replay.earliestHead([nil, (label, 5), (label, 5), (label, 4)]) == 3)
        #expect(Replay.earliestHead([(label, 7), (label, 5), (label, 5)]) == 1)
        #expect(Replay.earliestHead([nil, nil]) == nil)
    }
}

/// The custom schema file's shape: `FieldMapping`'s properties by name.
private struct SchemaFile: Decodable {
    var eventType: String
    var model: String
    var version: String
    var id: String
    var timestamp: String
    var timestampUnit: String
    var featurePaths: [String]
    var score: String
    var predictedLabel: String
    var segmentPaths: [String: String]
    var label: String

    var mapping: FieldMapping {
        var mapping = FieldMapping()
        mapping.eventType = eventType
        mapping.model = model
        mapping.version = version
        mapping.id = id
        mapping.timestamp = .field(timestamp)
        mapping.timestampUnit = FieldMapping.TimestampUnit(rawValue: timestampUnit)!
        mapping.featurePaths = featurePaths
        mapping.score = score
        mapping.predictedLabel = predictedLabel
        mapping.segmentPaths = segmentPaths
        mapping.label = label
        return mapping
    }
}
