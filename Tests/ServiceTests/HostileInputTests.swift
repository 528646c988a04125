import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// Bad input and floods, end to end: a simulated stream interleaved with malformed,
/// mistyped, non-finite and 10 MB messages and with floods of distinct models, versions,
/// segment values, segment attributes and categories goes through `serve`. Every bad
/// message must be dead-lettered once with its reason and origin, the service must keep
/// consuming, publish exactly what the engine publishes over the same stream, count
/// what its caps turned away (on `/v1/status` and `/metrics`), and keep its state small.
///
/// What the decoder rejects and what it keeps (its documented behaviour): `NaN` and
/// `Infinity` tokens are not JSON (`invalid_json`); a number that overflows a Double
/// (`1e400`) reads as ±∞, which a score or timestamp rejects (`wrong_type`, "a finite
/// number") while a feature keeps it as a non-finite observation of its numeric summary;
/// the strings `"NaN"`/`"Infinity"` are text: a score rejects them, a numeric feature
/// counts them as type errors.
@Suite(.serialized) struct HostileInputTests {
    typealias Support = ServiceTestSupport
    typealias Topics = MonitorServiceTests.Topics

    /// Caps well below the floods (and configured, not the defaults), so that each is
    /// overflowed many times over.
    static let caps: MonitorConfiguration.Caps = {
        var caps = MonitorConfiguration.Caps()
        caps.models = 10
        caps.versionsPerModel = 4
        caps.segmentValuesPerAttribute = 50
        caps.referenceEvents = 5000
        return caps
    }()

    static var configuration: MonitorConfiguration {
        var configuration = Support.monitorConfiguration(caps: caps)
        // 5-minute windows: the segment flood's stream reference (the first window) then
        // holds more events than Caps.referenceEvents, and the stream still alerts.
        configuration.window = try! WindowSpec.eventTime(window: 300_000, slide: 60_000, allowedLateness: 60_000)
        configuration.profile.categoryCapacity = 200
        // The simulated stream has 12,000 predictions; the label flood, 5,000 labels of unknown ids.
        configuration.join.maximumPendingPredictions = 10_000
        configuration.join.maximumEarlyLabels = 500
        return configuration
    }

    /// The floods' sizes and what the caps let through of them.
    enum Flood {
        static let segmentValues = 100_000
        static let categories = 20_000
        /// Distinct model names; 4 models exist before them (credit-risk and the flood models).
        static let models = 40
        static let versions = 30
        /// Events of flood-segments/v1 naming 8 new segment attributes each: the caps are
        /// per model version, and with only `tenant` tracked there before them, 7 more fit
        /// under the cap of 8 — the eighth is untracked on each event.
        static let untrackedAttributeEvents = 10
        static var expectedCapped: [String: Int] {
            ["models": models - (caps.models - 4), "versions": versions - caps.versionsPerModel,
             "segment_values": segmentValues - caps.segmentValuesPerAttribute,
             "segment_attributes": untrackedAttributeEvents * 1]
        }
    }

    /// One bad message: its bytes and the rejection code the decoder must give.
    struct Hostile {
        var reason: String
        var value: [UInt8]
        init(_ reason: String, _ text: String) { (self.reason, value) = (reason, Array(text.utf8)) }
        init(_ reason: String, bytes: [UInt8]) { (self.reason, value) = (reason, bytes) }
    }

    static let hostile: [Hostile] = {
        let event = #"{"event":"prediction","model":"credit-risk","version":"v1","id":"h","ts":1700000000000"#
        return [
            // (a) not JSON, cut short, not an object
            Hostile("invalid_json", #"{"event":"prediction","model":"#),
            Hostile("invalid_json", "not json at all"),
            Hostile("invalid_json", event + #","features":{"x":1,}}"#),
            Hostile("invalid_json", ""),
            Hostile("invalid_json", bytes: Array(#"{"event":"prediction","model":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)),
            Hostile("invalid_json", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)),
            Hostile("invalid_json", event + "} trailing"),
            Hostile("not_an_object", "[1,2,3]"),
            Hostile("not_an_object", #""a string""#),
            Hostile("not_an_object", "42"),
            Hostile("not_an_object", "null"),
            // (b) wrong types, missing or unknown fields
            Hostile("wrong_type", #"{"event":"prediction","model":{"name":"credit-risk"},"id":"h","ts":1700000000000}"#),
            // Epoch digits as text are neither a number nor RFC 3339.
            Hostile("invalid_timestamp", #"{"event":"prediction","model":"credit-risk","id":"h","ts":"1700000000000"}"#),
            Hostile("wrong_type", event + #","score":"0.5"}"#),
            Hostile("wrong_type", event + #","label_pred":2.5}"#),
            Hostile("wrong_type", event + #","features":[1,2,3]}"#),
            Hostile("wrong_type", event + #","segment":{"gender":{"is":"f"}}}"#),
            Hostile("wrong_type", #"{"event":"label","id":"h","ts":1700000000000,"label":{"yes":true}}"#),
            Hostile("wrong_type", #"{"event":"prediction","model":"credit-risk","id":42,"ts":1700000000000}"#),
            Hostile("wrong_type", #"{"event":"label","id":42,"ts":1700000000000,"label":1}"#),
            Hostile("wrong_type", event + #","features":{"income":{"value":5}}}"#),
            Hostile("wrong_type", event + #","features":{"tags":["a","b"]}}"#),
            Hostile("missing_field", #"{"event":"prediction","model":"credit-risk","ts":1700000000000}"#),
            Hostile("missing_field", #"{"event":"label","id":"h","ts":1700000000000}"#),
            Hostile("unknown_event_type", #"{"event":"click","model":"credit-risk","id":"h","ts":1700000000000}"#),
            Hostile("too_many_features", event + #","features":{"# + (0...1000).map { "\"f\($0)\":\($0)" }.joined(separator: ",") + "}}"),
            // (d) non-finite numbers: tokens are not JSON; overflow and text are rejected where a finite number is required
            Hostile("invalid_json", event + #","score":NaN}"#),
            Hostile("invalid_json", event + #","score":Infinity}"#),
            Hostile("invalid_json", event + #","features":{"income":-Infinity}}"#),
            Hostile("wrong_type", event + #","score":1e400}"#),
            Hostile("wrong_type", event + #","score":-1e400}"#),
            Hostile("wrong_type", event + #","score":"NaN"}"#),
            Hostile("wrong_type", #"{"event":"prediction","model":"credit-risk","id":"h","ts":1e400}"#),
            Hostile("invalid_timestamp", #"{"event":"prediction","model":"credit-risk","id":"h","ts":1e300}"#),
        ]
    }()

    /// (c) Oversize: three 4 MiB messages and one a byte over the 1 MiB event limit. The
    /// embedded broker (librdkafka's mock) drops a 10 MiB message the moment it is appended
    /// (it trims each partition to ~5 MiB, the newest message included: the consumer's
    /// fetch then fails with "offset out of range"), so 4 MiB is the largest size this
    /// test can send through it; ``aTenMebibyteMessageIsRejectedAsOversizeAndCutForTheDeadLetterTopic()``
    /// takes 10 MiB through the engine and the dead-letter record in-process.
    static let oversizeBytes = [4 << 20, 4 << 20, (1 << 20) + 1, 4 << 20]

    static func oversize(_ bytes: Int, index: Int) -> [UInt8] {
        let head = Array(#"{"event":"prediction","model":"credit-risk","id":"big-\#(index)","ts":1700000000000,"pad":""#.utf8)
        return head + [UInt8](repeating: UInt8(ascii: "x"), count: bytes - head.count - 2) + Array(#""}"#.utf8)
    }

    /// The mixed stream: `baseEvents` simulated predictions (with their labels), the
    /// hostile messages every 97 messages (each with a key and a header of its own), the
    /// floods spread over the stream at the event time of the latest prediction (the
    /// model and version floods in its second half, after the four named models), and
    /// the oversize messages at 20%, 40%, 60% and 80%. Returns the messages and the
    /// positions of the oversize ones.
    static func stream(baseEvents: Int, segmentValues: Int = Flood.segmentValues, categories: Int = Flood.categories)
        throws -> (messages: [StreamFeeder.Message], oversize: [Int]) {
        let base = try Support.messages(events: baseEvents, scenario: "income_shift@0.4,gender_bias@0.6")
        var floods: [(Int64) -> String] = []
        func prediction(_ model: String, _ version: String, _ id: String, _ rest: String) -> (Int64) -> String {
            { #"{"event":"prediction","model":"\#(model)","version":"\#(version)","id":"\#(id)","ts":\#($0),"# + rest + "}" }
        }
        // Interleave the segment and category floods (and the non-finite feature values, which are accepted).
        for index in 0..<max(segmentValues, categories) {
            if index < segmentValues {
                floods.append(prediction("flood-segments", "v1", "s-\(index)", #""features":{"x":\#(index % 97)},"score":0.5,"segment":{"tenant":"t-\#(index)"}"#))
            }
            if index < categories {
                floods.append(prediction("flood-categories", "v1", "c-\(index)", #""features":{"color":"c-\#(index)"},"score":0.5"#))
            }
            if index % 20 == 0 {
                floods.append { #"{"event":"label","id":"ghost-\#(index)","ts":\#($0),"label":1}"# }
            }
            if index % 1000 == 999 {
                let odd = [#"1e400"#, #"-1e400"#, #""NaN""#, #""Infinity""#][index / 1000 % 4]
                floods.append(prediction("flood-segments", "v1", "inf-\(index)", #""features":{"x":\#(odd)},"score":0.5"#))
            }
        }
        var lateFloods: [(Int64) -> String] = []
        for index in 0..<Flood.untrackedAttributeEvents {
            let attributes = (0..<8).map { "\"a\($0)\":\"\(index)\"" }.joined(separator: ",")
            lateFloods.append(prediction("flood-segments", "v1", "a-\(index)", #""features":{"x":1},"segment":{"# + attributes + "}"))
        }
        for index in 0..<Flood.versions {
            lateFloods.append(prediction("flood-versions", "v-\(index)", "v-\(index)", #""features":{"x":1}"#))
        }
        for index in 0..<Flood.models {
            lateFloods.append(prediction("flood-model-\(index)", "v1", "m-\(index)", #""features":{"x":1}"#))
        }
        // flood-versions' first version must precede the model flood: put it first.
        floods.insert(prediction("flood-versions", "v-0", "v-first", #""features":{"x":1}"#), at: 0)

        var messages: [StreamFeeder.Message] = []
        var oversize: [Int] = []
        var lastPredictionTime: Int64 = 1_700_000_000_000
        var (flood, late, bad, big) = (0, 0, 0, 0)
        for (position, message) in base.enumerated() {
            messages.append(message)
            if let time = predictionTime(message.value) { lastPredictionTime = time }
            let upTo = floods.count * (position + 1) / base.count
            while flood < upTo {
                messages.append(StreamFeeder.Message(value: Array(floods[flood](lastPredictionTime).utf8)))
                flood += 1
            }
            if position >= base.count / 2 {
                let lateUpTo = lateFloods.count * (position + 1 - base.count / 2) / (base.count - base.count / 2)
                while late < lateUpTo {
                    messages.append(StreamFeeder.Message(value: Array(lateFloods[late](lastPredictionTime).utf8)))
                    late += 1
                }
            }
            if position % 97 == 50 {
                messages.append(StreamFeeder.Message(key: Array("bad-\(bad)".utf8), value: hostile[bad % hostile.count].value,
                                                     headers: [KafkaHeader("origin", "hostile-\(bad)")]))
                bad += 1
            }
            if big < oversizeBytes.count, position == base.count * (big + 1) / (oversizeBytes.count + 1) {
                oversize.append(messages.count)
                messages.append(StreamFeeder.Message(key: Array("big-\(big)".utf8), value: Self.oversize(oversizeBytes[big], index: big),
                                                     headers: [KafkaHeader("origin", "oversize-\(big)")]))
                big += 1
            }
        }
        return (messages, oversize)
    }

    /// The `ts` of a simulated prediction (labels carry their own, later, time).
    static func predictionTime(_ value: [UInt8]) -> Int64? {
        let text = String(decoding: value.prefix(200), as: UTF8.self)
        guard text.hasPrefix(#"{"event":"prediction""#), let range = text.range(of: #""ts":"#) else { return nil }
        return Int64(text[range.upperBound...].prefix { $0.isNumber })
    }

    static let streamAndOversize = try! stream(baseEvents: 12_000)

    @Test func aMixedStreamOfHostileMessagesAndFloodsIsDeadLetteredCappedAndCounted() async throws {
        let (messages, oversizePositions) = Self.streamAndOversize
        let run = Support.engineRun(messages, configuration: Self.configuration)
        let expectedAlerts = run.outputs.filter { $0.kind == .alert }
        let expectedRetrain = run.outputs.filter { $0.kind == .retrain }
        let expectedCounters = run.engine.counters
        #expect(!expectedAlerts.isEmpty, "the stream must make the engine alert, or the comparison proves nothing")
        // The engine rejects exactly the hostile messages, each for the reason listed, and counts the floods' overflow.
        let rejected = messages.indices.filter { EventDecoder().decode(messages[$0].value).failureValue != nil }
        #expect(rejected == messages.indices.filter { messages[$0].key != nil })
        for message in messages where message.key != nil && !oversizePositions.contains(where: { messages[$0].key == message.key }) {
            let expected = Self.hostile.first { $0.value == message.value }?.reason
            #expect(EventDecoder().decode(message.value).failureValue?.code == expected, "\(String(decoding: message.value.prefix(80), as: UTF8.self))")
        }
        let capped = ServiceStatus.cappedCounts(expectedCounters, join: run.engine.joinCounters)
        for (cap, count) in Flood.expectedCapped { #expect(capped[cap] == count, "\(cap)") }
        #expect(capped["reference_events"]! > 0, "the segment flood's stream reference should overflow Caps.referenceEvents")
        #expect(capped["pending_predictions"]! > 0 && capped["early_labels"]! > 0, "the label join's caps should overflow")
        // The category flood goes past the category capacity: most of a window's values are overflow.
        struct MetricValue: Decodable { var value: Double? }
        let overflowRates = try run.outputs.filter {
            $0.kind == .metric && $0.json.contains(#""model":"flood-categories""#) && $0.json.contains(#""subject":"color","metric":"category_overflow_rate""#)
        }.map { try JSONDecoder().decode(MetricValue.self, from: Data($0.json.utf8)).value ?? 0 }
        #expect(overflowRates.count > 3 && overflowRates.allSatisfy { $0 > 0.8 }, "category_overflow_rate \(overflowRates)")

        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let group = "hostile-\(topics.suffix)"
        var settings = MonitorServiceTests.settings(broker, topics, group: group)
        settings.monitor = Self.configuration
        settings.maximumMetricSeries = 100  // the stream makes ~280 series
        settings.checkpointInterval = .seconds(3600)  // only at the start and at shutdown
        let service = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false,
                                         logger: Support.quietLogger)
        let running = Task { try await service.run() }
        #expect(await Support.eventually(.seconds(60)) { service.state.isReady }, "no assignment")
        let port = try #require(service.httpPort)
        let residentBefore = Support.residentBytes()

        // The mock keeps ~5 MiB per partition: a 10 MiB message survives only until the next
        // one is appended, so each goes alone, after everything before it was consumed, and
        // the stream resumes once it was.
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, [
            "message.max.bytes": String(11 << 20),
        ]), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        var start = 0
        for position in oversizePositions + [messages.count] {
            let consumedBefore = start
            try await StreamFeeder(topic: topics.input, partition: 0, maximumAhead: 4000)
                .feed(messages[start..<position], producer: producer,
                      consumed: { state.consumed - consumedBefore }, message: { $0 })
            try #require(await Support.eventually(.seconds(60)) { state.consumed == position },
                         "consumed \(state.consumed) of \(position)")
            guard position < messages.count else { break }
            let big = messages[position]
            _ = try await producer.send(topic: topics.input, key: big.key, value: big.value, headers: big.headers, partition: 0)
            try #require(await Support.eventually(.seconds(30)) { state.consumed == position + 1 },
                         "the \(big.value.count)-byte message at \(position) was not consumed")
            start = position + 1
        }
        let residentGrowth = Support.residentBytes() - residentBefore

        // Still ready and consuming (the stream after the last 10 MiB message went through).
        #expect(state.isReady)
        #expect(state.consumed == messages.count)

        // Alerts and retraining triggers: exactly the engine's over the same stream.
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expectedAlerts.count)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expectedAlerts.map(\.json))
        #expect(alerts.map { Support.header(OutputRouting.idHeader, of: $0) } == expectedAlerts.map(\.id))
        if !expectedRetrain.isEmpty {
            let retrain = try await Support.read(topics.retrain, bootstrap: broker.bootstrapServers, count: expectedRetrain.count)
            #expect(retrain.map { String(decoding: $0.value, as: UTF8.self) } == expectedRetrain.map(\.json))
        }

        // Every hostile message dead-lettered once, in order: original key, headers and bytes
        // (oversize ones cut, with their length), the reason, and where it came from.
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: rejected.count)
        #expect(deadLetters.count == rejected.count)
        #expect(deadLetters.map { Support.header(DeadLetter.offsetHeader, of: $0) } == rejected.map { String($0) })
        for (letter, offset) in zip(deadLetters, rejected) {
            let original = messages[offset]
            try Support.expectDeadLetter(letter, of: original, from: topics.input, partition: 0, offset: offset)
            if original.value.count > DeadLetter.maximumValueBytes {
                #expect(letter.value.count == DeadLetter.maximumValueBytes)
                #expect(letter.value[...] == original.value.prefix(DeadLetter.maximumValueBytes))
                #expect(Support.header(DeadLetter.originalLengthHeader, of: letter) == String(original.value.count))
            } else {
                #expect(letter.value == original.value)
                #expect(Support.header(DeadLetter.originalLengthHeader, of: letter) == nil)
            }
        }
        #expect(deadLetters.filter { Support.header(DeadLetter.reasonHeader, of: $0) == "oversize" }.count == Self.oversizeBytes.count)

        // /v1/status and /metrics: the rejections and the caps' counts, as the engine counted them.
        let status = try JSONDecoder().decode(ServiceStatus.self, from: Data(try await Support.get(port: port, "/v1/status").body.utf8))
        #expect(status.ready)
        #expect(status.counters.consumed == messages.count)
        #expect(status.counters.deadLetters == rejected.count)
        #expect(status.counters.rejected == expectedCounters.rejected)
        #expect(status.counters.predictions == expectedCounters.predictions)
        #expect(status.counters.capped == capped)
        #expect(status.models.count == Self.caps.models)
        #expect(status.models.values.allSatisfy { $0.count <= Self.caps.versionsPerModel })
        #expect(status.models["flood-versions"]?.count == Self.caps.versionsPerModel)
        let metrics = try await Support.get(port: port, "/metrics").body
        for (cap, count) in capped {
            #expect(metrics.contains("driftwatch_capped_total{cap=\"\(cap)\"} \(count)\n"), "\(cap)")
        }
        for (reason, count) in expectedCounters.rejected {
            #expect(metrics.contains("driftwatch_events_rejected_total{reason=\"\(reason)\"} \(count)\n"), "\(reason)")
        }
        // Label cardinality: the engine's metric series stop at maximumMetricSeries, the rest counted.
        let engineFamilies = Set(MonitorValueFamily.all.map(\.descriptor.name) + ["driftwatch_alerts_firing"])
        let series = metrics.split(separator: "\n").filter { engineFamilies.contains(String($0.prefix { $0 != "{" })) }
        #expect(series.count == settings.maximumMetricSeries)
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix("driftwatch_metric_series_dropped_total ") }
        #expect((dropped?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 0)

        await service.shutdown()
        try await running.value

        // Bounded state: the checkpoint written at shutdown is the engine's state over the
        // same stream, and small despite 100,000 segment values and 20,000 categories.
        let stateRecords = try await Support.read(topics.state, bootstrap: broker.bootstrapServers,
                                                  count: try Support.messageCount(topics.state, bootstrap: broker.bootstrapServers))
        var collector = CheckpointCollector(group: group, shards: [0])
        for record in stateRecords { collector.add(record) }
        let stored = try #require(collector.checkpoints(of: 0).first).get().checkpoint
        let restored = try MonitorEngine(restoring: stored.engine, joinPages: stored.joinPageBytes, configuration: Self.configuration,
                                         rules: Support.defaultRules)
        let final = restored.checkpoint()
        #expect(final == run.engine.checkpoint())
        #expect(final.count < Self.checkpointBound, "checkpoint of \(final.count) bytes")
        _ = try await Support.stateRecords(topics.state, bootstrap: broker.bootstrapServers)
        #expect(residentGrowth < 256 << 20, "resident set grew by \(residentGrowth >> 20) MiB")
        print("hostile stream: \(messages.count) messages, \(rejected.count) dead letters, capped \(capped), "
              + "checkpoint \(final.count) bytes, resident growth \(residentGrowth >> 20) MiB")
    }

    /// A generous bound on the checkpoint after the hostile stream: the monitored
    /// versions (at most `caps.models` × `caps.versionsPerModel`, each a profile of its
    /// features and six panes) plus pending labels of the simulated stream. Without the
    /// caps, the segment values alone would add ~1 MB and the held stream-reference events
    /// several MB.
    static let checkpointBound = 2_000_000

    /// The engine's state does not grow with the number of distinct values: over the same
    /// number of events, 100,000 distinct segment values and 20,000 categories give a
    /// checkpoint no more than a few kilobytes larger than one with 50 and 200 (what the
    /// caps keep; the kept values' lengths differ).
    @Test func distinctValueFloodsDoNotGrowTheEngineState() throws {
        let flooded = try Self.stream(baseEvents: 6000).messages
        let cycled = flooded.map { message in
            var text = String(decoding: message.value, as: UTF8.self)
            for (prefix, cycle) in [(#""tenant":"t-"#, Self.caps.segmentValuesPerAttribute), (#""color":"c-"#, Self.configuration.profile.categoryCapacity)] {
                guard let range = text.range(of: prefix) else { continue }
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                text.replaceSubrange(range.upperBound..<digits.endIndex, with: String(Int(digits)! % cycle))
            }
            return StreamFeeder.Message(value: Array(text.utf8))
        }
        let floodedRun = Support.engineRun(flooded, configuration: Self.configuration)
        let cycledRun = Support.engineRun(cycled, configuration: Self.configuration)
        #expect(floodedRun.engine.counters.cappedSegmentValues == Flood.segmentValues - Self.caps.segmentValuesPerAttribute)
        #expect(cycledRun.engine.counters.cappedSegmentValues == 0)
        let (floodedBytes, cycledBytes) = (floodedRun.engine.checkpoint().count, cycledRun.engine.checkpoint().count)
        // Keeping the flood's values would add at least their bytes: ~700 KB for "t-0"…"t-99999" alone.
        #expect(floodedBytes - cycledBytes < 8_000, "checkpoint \(floodedBytes) bytes flooded, \(cycledBytes) cycled")
        print("checkpoint after the floods: \(floodedBytes) bytes; with values cycling within the caps: \(cycledBytes) bytes")
    }

    /// A 10 MiB message through the engine and the dead-letter record, without a broker.
    @Test func aTenMebibyteMessageIsRejectedAsOversizeAndCutForTheDeadLetterTopic() throws {
        let value = Self.oversize(10 << 20, index: 0)
        let engine = MonitorEngine(configuration: Self.configuration, rules: Support.defaultRules)
        let rejection = try #require(value.withUnsafeBufferPointer { engine.process(message: $0) })
        #expect(rejection == .oversize(bytes: 10 << 20, limit: 1 << 20))
        #expect(engine.counters.rejected == ["oversize": 1])
        let record = DeadLetter.record(for: KafkaMessage(topic: "in", partition: 0, offset: 5, key: nil, value: value),
                                       rejection: rejection, topic: "dead")
        #expect(record.value[...] == value.prefix(DeadLetter.maximumValueBytes))
        #expect(record.headers.contains(KafkaHeader(DeadLetter.originalLengthHeader, String(10 << 20))))
    }
}
