import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// `driftwatch serve` end to end over real TCP against the embedded broker: a simulated
/// stream with malformed messages goes in, and what comes out is compared with the
/// engine run directly over the same messages.
@Suite(.serialized) struct MonitorServiceTests {
    typealias Support = ServiceTestSupport

    struct Topics {
        let suffix = UInt32.random(in: 0...UInt32.max)
        var input: String { "events-\(suffix)" }
        var alerts: String { "alerts-\(suffix)" }
        var retrain: String { "retrain-\(suffix)" }
        var deadLetters: String { "dead-\(suffix)" }
        var state: String { "state-\(suffix)" }
        var metrics: String { "metrics-\(suffix)" }
        var all: [String] { [input, alerts, retrain, deadLetters, state, metrics] }
    }

    static func settings(_ broker: EmbeddedBroker, _ topics: Topics, group: String) -> ServeSettings {
        var settings = ServeSettings()
        settings.brokers = broker.bootstrapServers
        settings.group = group
        settings.inputTopics = [topics.input]
        settings.alertsTopic = topics.alerts
        settings.retrainTopic = topics.retrain
        settings.deadLetterTopic = topics.deadLetters
        settings.stateTopic = topics.state
        settings.monitor = Support.monitorConfiguration()
        settings.httpPort = 0
        settings.healthInterval = .milliseconds(300)
        settings.commitInterval = .milliseconds(500)
        settings.consumerProperties = ["session.timeout.ms": "6000", "fetch.wait.max.ms": "10"]
        return settings
    }

    @Test func servePublishesTheEngineOutputsDeadLettersAndMetricsThenCommitsOnShutdown() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let group = "serve-\(topics.suffix)"
        var messages = try Support.messages(events: 16_000, scenario: "income_shift@0.4,gender_bias@0.6", malformedEvery: 5_000)
        // Three predictions whose panes closed long ago: counted as late.
        for index in 0..<3 {
            let early = String(decoding: messages[index].value, as: UTF8.self)
            messages.append(StreamFeeder.Message(value: Array(early.replacingOccurrences(of: #""id":"p-"#, with: #""id":"late-"#).utf8)))
        }
        let expected = Support.engineOutputs(messages)
        #expect(expected.counters.lateEvents == 3)
        let expectedAlerts = expected.outputs.filter { $0.kind == .alert }
        let expectedRetrain = expected.outputs.filter { $0.kind == .retrain }
        #expect(!expectedAlerts.isEmpty, "the stream must make the engine alert, or the comparison proves nothing")

        let service = try MonitorService(settings: Self.settings(broker, topics, group: group), rules: Support.defaultRules,
                                         handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }

        // /readyz is 503 until the group assignment (the mock's first join takes seconds), then 200.
        var port = 0
        #expect(await Support.eventually(.seconds(10)) { port = service.httpPort ?? 0; return port > 0 })
        #expect(try await Support.get(port: port, "/healthz").status == 200)
        #expect(try await Support.get(port: port, "/readyz").status == 503)
        #expect(try await Support.eventually(.seconds(60)) { try await Support.get(port: port, "/readyz").status == 200 })

        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        let produced = try await StreamFeeder(topic: topics.input, partition: 0, maximumAhead: 4000)
            .feed(messages, producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(produced == messages.count)
        #expect(await Support.eventually(.seconds(60)) { state.consumed == messages.count })

        // Alerts: exactly the engine's, in order, keyed by fingerprint, with the event id header.
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expectedAlerts.count)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expectedAlerts.map(\.json))
        #expect(alerts.map { Support.header(OutputRouting.idHeader, of: $0) } == expectedAlerts.map(\.id))
        #expect(alerts.allSatisfy { message in
            message.key.map { String(decoding: $0, as: UTF8.self) }
                == (try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])?["fingerprint"] as? String
        })
        if !expectedRetrain.isEmpty {
            let retrain = try await Support.read(topics.retrain, bootstrap: broker.bootstrapServers, count: expectedRetrain.count)
            #expect(retrain.map { String(decoding: $0.value, as: UTF8.self) } == expectedRetrain.map(\.json))
        }

        // Dead letters: the original key, bytes and headers, plus why and where from.
        let malformed = messages.enumerated().filter { $0.element.key != nil }
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: malformed.count)
        #expect(deadLetters.count == malformed.count)
        for (letter, (offset, original)) in zip(deadLetters, malformed) {
            try Support.expectDeadLetter(letter, of: original, from: topics.input, partition: 0, offset: offset)
            #expect(letter.value == original.value)
        }

        // /metrics and /v1/status agree with the engine run.
        let metrics = try await Support.get(port: port, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("driftwatch_events_consumed_total \(messages.count)\n"))
        for (reason, count) in expected.counters.rejected {
            #expect(metrics.body.contains("driftwatch_events_rejected_total{reason=\"\(reason)\"} \(count)\n"), "\(reason)")
        }
        #expect(metrics.body.contains("driftwatch_alerts_fired_total{"))
        #expect(metrics.body.contains("driftwatch_feature_drift_psi{"))
        #expect(metrics.body.contains("driftwatch_alerts_firing{"))
        #expect(metrics.body.contains("driftwatch_batch_processing_seconds_bucket"))
        #expect(metrics.body.contains("driftwatch_consumer_lag{"))
        // Output latency: one sample per message whose processing closed a window (emitted outputs).
        let reference = MonitorEngine(configuration: Support.monitorConfiguration(), rules: Support.defaultRules)
        let closing = messages.filter { message in !Support.outputs(of: reference, over: [message]).isEmpty }.count
        #expect(closing > 10)
        #expect(metrics.body.contains("driftwatch_output_latency_seconds_count \(closing)\n"))
        #expect(metrics.body.contains("driftwatch_checkpoint_age_seconds "))
        #expect(metrics.body.contains("driftwatch_events_late_total{kind=\"predictions\"} 3\n"))
        let statusBody = try await Support.get(port: port, "/v1/status").body
        let status = try JSONDecoder().decode(ServiceStatus.self, from: Data(statusBody.utf8))
        #expect(status.ready)
        #expect(status.counters.consumed == messages.count)
        // However decoding was shared between the decoder and the pipeline, it is reported once, the same in both.
        #expect((0...messages.count).contains(status.counters.decodedByPipeline))
        #expect(metrics.body.contains("driftwatch_messages_decoded_by_pipeline_total \(status.counters.decodedByPipeline)\n"))
        // The engines' CPU time: some, the same in both (the exposition prints the sum the status holds).
        let cpuLine = try #require(metrics.body.split(separator: "\n").first { $0.hasPrefix("driftwatch_shard_cpu_seconds_total ") })
        let exported = try #require(Double(cpuLine.split(separator: " ")[1]))
        #expect(status.counters.shardCPUSeconds > 0 && abs(exported - status.counters.shardCPUSeconds) <= 1e-9 * status.counters.shardCPUSeconds)
        #expect(status.counters.predictions == expected.counters.predictions)
        #expect(status.counters.labels == expected.counters.labels)
        #expect(status.counters.rejected == expected.counters.rejected)
        #expect(status.counters.alerts == expected.counters.alerts)
        #expect(status.models == ["credit-risk": ["v1"]])
        #expect(!status.firing.isEmpty)
        #expect(status.outputLatency?.samples == closing)
        #expect(status.checkpointAgeSeconds != nil)
        #expect(status.counters.late == ["predictions": 3, "labels": expected.counters.lateLabels, "labels_for_detectors": expected.counters.labelsAfterDetectors])
        #expect((status.outputLatency?.p50 ?? -1) >= 0 && (status.outputLatency?.max ?? .max) < 60_000)

        // Graceful shutdown: well within 10 s, offsets committed up to the last message.
        let shutdownStart = ContinuousClock.now
        await service.shutdown()
        try await running.value
        #expect(ContinuousClock.now - shutdownStart < .seconds(10))

        // A restarted member of the group starts right after the committed offsets.
        let marker = Array(#"{"marker":true}"#.utf8)
        _ = try await producer.send(topic: topics.input, value: marker, partition: 0)
        let restarted = try KafkaConsumer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers, [
            "group.id": group, "auto.offset.reset": "earliest", "session.timeout.ms": "6000",
        ]), logger: Support.quietLogger)
        defer { restarted.close() }
        try restarted.subscribe([topics.input])
        var first: KafkaMessage?
        _ = try await Support.eventually(.seconds(20), every: .zero) {
            if case let .messages(batch)? = try await restarted.nextEvent(timeout: .milliseconds(100)) { first = batch.first }
            return first != nil
        }
        #expect(first?.offset == Int64(messages.count))
        #expect(first?.value == marker)
    }

    /// `timestamp: kafka`: the Kafka message timestamp is the event time. The stream's bodies
    /// lose their "ts" and travel with it as their CreateTime; serve publishes the metric events,
    /// notices and alerts the engine publishes over the original stream. A message stamped in
    /// 1970 is dead-lettered with its reason (and counts as a rejection, as the reference's does).
    @Test func kafkaMessageTimestampsAreTheEventTime() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        var messages = try Support.messages(events: 6000, scenario: "income_shift@0.3")
        let implausible = StreamFeeder.Message(key: Array("stamped-1970".utf8), value: Array(#"{"model":"credit-risk","id":"x"}"#.utf8),
                                               headers: [KafkaHeader("origin", "test")])
        messages.insert(implausible, at: 3000)
        let expected = Support.engineOutputs(messages).outputs
        // The metrics topic takes metric events and notices, in output order.
        let expectedMetrics = expected.filter { $0.kind == .metric || $0.kind == .notice }.map(\.json)
        let expectedAlerts = expected.filter { $0.kind == .alert }.map(\.json)
        // Metric events carry their windows' event times: a wrong clock would show in every one.
        #expect(expectedMetrics.count > 50 && !expectedAlerts.isEmpty, "the stream must close windows and alert, or the comparison proves nothing")

        var settings = Self.settings(broker, topics, group: "kafka-time-\(topics.suffix)")
        settings.metricsTopic = topics.metrics
        var mapping = FieldMapping()
        mapping.timestamp = .kafkaMessage
        settings.decoder = EventDecoder(mapping: mapping)
        let running = try Support.RunningService(settings)
        #expect(await Support.eventually(.seconds(60)) { running.state.isReady }, "no assignment")
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        for message in messages {
            let text = String(decoding: message.value, as: UTF8.self)
            guard let stamp = text.firstMatch(of: /"ts":(\d+),/) else {
                try producer.produce(topic: topics.input, key: message.key, value: message.value, headers: message.headers, partition: 0, timestamp: 100)
                continue
            }
            let body = text.replacingCharacters(in: stamp.range, with: "")
            try producer.produce(topic: topics.input, value: Array(body.utf8), partition: 0, timestamp: Int64(stamp.1)!)
        }
        try producer.flush(timeout: .seconds(30))
        #expect(await Support.eventually(.seconds(60)) { running.consumed == messages.count })

        let metrics = try await Support.read(topics.metrics, bootstrap: broker.bootstrapServers, count: expectedMetrics.count)
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expectedAlerts.count)
        // Compared whole, reported by count and first difference (the lists are long).
        let published = metrics.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(published.count == expectedMetrics.count)
        #expect(zip(published, expectedMetrics).first { $0 != $1 } == nil)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expectedAlerts)
        let deadLetters = try await Support.read(topics.deadLetters, bootstrap: broker.bootstrapServers, count: 1)
        #expect(deadLetters.map(\.key) == [implausible.key])
        #expect(deadLetters.first.flatMap { Support.header(DeadLetter.reasonHeader, of: $0) } == "implausible_timestamp")
        #expect(deadLetters.first.flatMap { Support.header(DeadLetter.descriptionHeader, of: $0) }
            == "the Kafka message timestamp 100 is implausible (year 1970, outside 1990–2200)")
        await running.service.shutdown()
        try await running.task.value
    }

    /// Two partitions, a model on each (its labels with it): each partition's engine
    /// publishes what an engine over that partition's messages alone emits. The second
    /// model's last quarter of predictions name a feature its stream reference does not
    /// have: `/v1/status` names it with its values, as the engine counted them.
    @Test func eachPartitionHasItsOwnEngine() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        try broker.createTopic(topics.input, partitions: 2)
        for topic in topics.all.dropFirst() { try broker.createTopic(topic, partitions: 1) }
        var messages = try Support.messages(events: 16_000, scenario: "income_shift@0.4", models: 2)
        let secondModelsPredictions = messages.indices.filter {
            messages[$0].partition == 1 && String(decoding: messages[$0].value, as: UTF8.self).hasPrefix(#"{"event":"prediction""#)
        }
        for index in secondModelsPredictions.dropFirst(secondModelsPredictions.count * 3 / 4) {
            let text = String(decoding: messages[index].value, as: UTF8.self)
            messages[index].value = Array(text.replacingOccurrences(of: #""features":{"#, with: #""features":{"f_new_score":0.5,"#).utf8)
        }
        let expectedByPartition = (0..<2).map { partition in
            Support.engineRun(messages.lazy.filter { $0.partition == Int32(partition) }, configuration: Support.monitorConfiguration())
        }.map { run in (alerts: run.outputs.filter { $0.kind == .alert }.map(\.json), unreferenced: run.engine.unreferencedFeatures) }
        let unreferenced = try #require(expectedByPartition[1].unreferenced.first)
        #expect(expectedByPartition[0].unreferenced.isEmpty && expectedByPartition[1].unreferenced.count == 1)
        #expect(unreferenced.features == ["f_new_score"] && unreferenced.values == secondModelsPredictions.count - secondModelsPredictions.count * 3 / 4,
                "\(unreferenced)")
        #expect(expectedByPartition.allSatisfy { !$0.alerts.isEmpty }, "both models must alert, or the test proves nothing")

        let service = try MonitorService(settings: Self.settings(broker, topics, group: "shards-\(topics.suffix)"),
                                         rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        try await StreamFeeder(topic: topics.input, partition: nil, maximumAhead: 4000)
            .feed(messages, producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(await Support.eventually(.seconds(60)) { state.consumed == messages.count })
        let alertCount = expectedByPartition.map(\.alerts.count).reduce(0, +)
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: alertCount)
        let published = alerts.map { String(decoding: $0.value, as: UTF8.self) }
        for (partition, expected) in expectedByPartition.enumerated() {
            let model = partition == 0 ? "credit-risk" : "credit-risk-2"
            #expect(published.filter { $0.contains("\"model\":\"\(model)\"") } == expected.alerts, "partition \(partition)")
        }
        #expect(published.count == alertCount)
        // The status counts every shard's events, and names the feature not in its reference.
        let status = state.status
        #expect(status.featuresNotInReference == [unreferenced])
        #expect(status.counters.featureValuesNotInReference == unreferenced.values)
        let counters = status.counters
        let predictions = messages.filter { String(decoding: $0.value, as: UTF8.self).contains(#""event":"prediction""#) }.count
        #expect(counters.predictions == predictions && counters.labels == messages.count - predictions,
                "\(counters.predictions) predictions, \(counters.labels) labels of \(predictions), \(messages.count - predictions)")
        await service.shutdown()
        try await running.value
    }

    /// A retired version's alerts resolve in serve as in replay (issue 10): v1's income
    /// drifts from 30 % of the stream on and fires; from 60 % on v2 replaces it (v1 gets no
    /// more predictions). v2's traffic moves the partition's time past v1's last prediction
    /// plus the window and lateness (3 min), where v1's firing drift alerts resolve as
    /// `version_retired`. Serve publishes exactly the engine's alerts; a replay's end-of-input
    /// flush adds no second resolution.
    @Test func aRetiredVersionsAlertsResolveInServeAsInReplay() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let messages = try Support.messages(events: 16_000, scenario: "income_shift@0.3", versionChangeAt: 0.6)
        let replay = Support.engineRun(messages, configuration: Support.monitorConfiguration())
        let expected = replay.outputs.filter { $0.kind == .alert }
        let retired = expected.compactMap { output -> AlertEvent? in
            guard case let .alert(alert) = output.event, alert.resolution == .versionRetired else { return nil }
            return alert
        }
        #expect(!retired.isEmpty && retired.allSatisfy { $0.version == "v1" }, "v1 must fire and retire, or the test proves nothing")
        var latest: [String: AlertEvent] = [:]
        for output in expected {
            if case let .alert(alert) = output.event, alert.version == "v1" { latest[alert.fingerprint] = alert }
        }
        #expect(latest.values.allSatisfy { $0.status == .resolved }, "no alert is left firing on v1")
        #expect(Set(retired.map(\.fingerprint)).count == retired.count, "each resolves once")
        replay.engine.finish()
        #expect(!replay.engine.drainOutputs().contains { $0.json.contains(#""resolution""#) })

        let running = try Support.RunningService(Self.settings(broker, topics, group: "retired-\(topics.suffix)"))
        try await Support.feed(messages, to: topics.input, bootstrap: broker.bootstrapServers, state: running.state)
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expected.count)
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expected.map(\.json))
        await running.service.shutdown()
        try await running.task.value
    }

    @Test func readinessFollowsTheBroker() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        var settings = Self.settings(broker, topics, group: "ready-\(topics.suffix)")
        settings.kafkaProperties["reconnect.backoff.max.ms"] = "500"
        let service = try MonitorService(settings: settings, rules: Support.defaultRules, handleSignals: false,
                                         logger: Support.quietLogger)
        let running = Task { try await service.run() }
        #expect(await Support.eventually(.seconds(60)) { service.state.isReady })
        try broker.setBrokerDown(1)
        #expect(await Support.eventually(.seconds(15)) { !service.state.isReady }, "still ready during a broker outage")
        #expect(service.state.status.brokerReachable == false)
        try broker.setBrokerUp(1)
        #expect(await Support.eventually(.seconds(60)) { service.state.isReady }, "not ready again after the outage")
        await service.shutdown()
        try await running.value
    }
}

extension MonitorServiceTests {
    /// A rule reload mid-stream keeps the monitoring state: what follows is what an engine
    /// restored under the new rules emits (windows, stream reference and alert states carry
    /// on), which differs from what a fresh engine would emit.
    @Test func aRuleReloadKeepsTheMonitoringState() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-reload-\(topics.suffix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let newRules = try Support.writeRenamedDefaultRules(to: directory).rules

        let messages = CheckpointTests.messages
        let split = 10_800  // an alert before, two after
        let before = MonitorEngine(configuration: Support.monitorConfiguration(), rules: Support.defaultRules)
        let beforeOutputs = Support.outputs(of: before, over: messages[..<split])
        let after = try MonitorEngine(restoring: before.checkpoint(), configuration: Support.monitorConfiguration(), rules: newRules)
        let expected = (beforeOutputs + Support.outputs(of: after, over: messages[split...])).filter { $0.kind == .alert }
        let fresh = Support.outputs(of: MonitorEngine(configuration: Support.monitorConfiguration(), rules: newRules),
                                    over: messages[split...]).filter { $0.kind == .alert }
        let alertsBefore = beforeOutputs.filter { $0.kind == .alert }.count
        #expect(alertsBefore >= 1 && expected.count - alertsBefore >= 2 && Array(expected.dropFirst(alertsBefore)) != fresh,
                "keeping the state must matter for this stream")

        let service = try MonitorService(settings: Self.settings(broker, topics, group: "reload-\(topics.suffix)"),
                                         rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        #expect(await Support.eventually(.seconds(60)) { service.state.isReady })
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        let state = service.state
        let feeder = StreamFeeder(topic: topics.input, partition: 0, maximumAhead: 4000)
        try await feeder.feed(messages[..<split], producer: producer, consumed: { state.consumed }, message: { $0 })
        #expect(await Support.eventually(.seconds(60)) { state.consumed == split })
        #expect(service.pipeline.reload(rules: newRules))
        try await feeder.feed(messages[split...], producer: producer, consumed: { state.consumed - split },
                              message: { $0 })
        let alerts = try await Support.read(topics.alerts, bootstrap: broker.bootstrapServers, count: expected.count, timeout: .seconds(60))
        #expect(alerts.map { String(decoding: $0.value, as: UTF8.self) } == expected.map(\.json))
        await service.shutdown()
        try await running.value
    }

    /// Against brokers that cannot create the missing state topic (the standalone embedded
    /// broker: its mock cluster answers CreateTopics with a timeout), serve exits with an
    /// error that says what to create — with the input's partition count — or how to run
    /// without checkpoints, instead of librdkafka's bare timeout. (~30 s: the admin request's timeout.)
    @Test func aStateTopicThatCannotBeCreatedIsAClearError() async throws {
        let executable = try #require(Support.driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-state-topic-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let broker = try ChildProcess(executable, ["broker", "--brokers", "1", "--topic=events:3"], log: work.appendingPathComponent("broker.log"))
        defer { broker.terminate() }
        let bootstrap = try #require(await broker.waitForLine(startingWith: "bootstrap=", timeout: .seconds(15)))
        let serve = try ChildProcess(executable, ["serve", "--brokers", bootstrap, "--input-topic", "events", "--state-topic", "checkpoints",
                                                  "--rules", Support.repositoryRoot + "/rules/default.yaml", "--http", "127.0.0.1:0"],
                                     log: work.appendingPathComponent("serve.log"))
        defer { serve.terminate() }
        let status = await serve.waitForExit(timeout: .seconds(60))
        let error = await serve.waitForLine(containing: "Error:", timeout: .seconds(1)) ?? ""
        #expect(status == 1)
        #expect(error.contains("the state topic 'checkpoints' does not exist and creating it failed"), "\(error)")
        #expect(error.contains("--topic checkpoints --partitions 3 --config cleanup.policy=compact --config max.message.bytes=1000000"), "\(error)")
        #expect(error.contains("--state-topic none"), "\(error)")
    }
}

/// Output routing and rule reloads, without a broker.
@Suite struct OutputRoutingTests {
    static let alert = AlertEvent(
        id: "id-1", fingerprint: "f0e1", status: .firing, rule: "Drift", severity: .warning, model: "m\"x", version: "v1",
        subject: .feature("f"), metric: .feature(.psi), value: 0.4, threshold: .bound(.greater, 0.2),
        window: AlertEvent.Window(start: 0, end: 10, count: 5), reference: AlertEvent.Reference(profileID: "p", count: 5),
        evidence: [], labels: [:], annotations: [:], startsAt: 10, endsAt: nil, rulesDigest: "d")

    @Test func outputsAreKeyedByIdentityAndCarryTheirId() throws {
        let routing = OutputRouting(alertsTopic: "a", retrainTopic: "r", metricsTopic: nil, group: "g")
        let alert = MonitorOutput(.alert(Self.alert))
        let record = try #require(routing.record(for: alert))
        #expect(record.topic == "a")
        #expect(record.key == Array("f0e1".utf8))
        #expect(record.headers.contains(KafkaHeader(OutputRouting.idHeader, "id-1")))
        #expect(record.value == Array(alert.json.utf8))
        #expect(record.headers.dropFirst() == [
            KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "id-1"), KafkaHeader("ce_source", "driftwatch/g"),
            KafkaHeader("ce_type", "io.driftwatch.alert.v2"), KafkaHeader("ce_time", "1970-01-01T00:00:00.010Z"),
            KafkaHeader("content-type", "application/json"),
        ])

        let retrain = MonitorOutput(.retrain(RetrainTrigger(
            id: "id-2", model: "m\"x", version: "v1", rule: "Retrain", alertIDs: ["id-1"], rules: ["Retrain"], windowStart: 0,
            windowEnd: 10, requiresApproval: false, triggeredAt: 10, labels: [:], annotations: [:], rulesDigest: "d")))
        #expect(routing.record(for: retrain)?.key == Array("m\"x".utf8), "the model's own bytes, not its JSON escape")
        #expect(routing.record(for: retrain)?.topic == "r")

        let metric = MonitorOutput(.metric(MetricEvent(
            evaluation: .drift, model: "m", version: "v1", windowStart: 0, windowEnd: 10, subject: .feature("f"), metric: .feature(.psi),
            value: 0.1, samples: 5)))
        #expect(routing.record(for: metric) == nil, "metrics are not published without a metrics topic")
        let withMetrics = OutputRouting(alertsTopic: "a", retrainTopic: "r", metricsTopic: "m", group: "g")
        let metricRecord = try #require(withMetrics.record(for: metric))
        #expect(metricRecord.headers.contains(KafkaHeader(OutputRouting.idHeader, metric.id)))
        #expect(metric.id != MonitorOutput(.metric(MetricEvent(
            evaluation: .drift, model: "m", version: "v1", windowStart: 0, windowEnd: 10, subject: .feature("f"), metric: .feature(.psi),
            value: 0.2, samples: 5))).id, "a metric event's id is a hash of its content")
        #expect(metricRecord.key == Array("m".utf8))
    }

    @Test func oversizeDeadLettersAreCutAndSayHowLongTheOriginalWas() throws {
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: 1_200_000)
        let message = KafkaMessage(topic: "in", partition: 3, offset: 77, key: Array("k".utf8), value: value,
                                   headers: [KafkaHeader("trace", "t1")])
        let rejection = EventRejection.oversize(bytes: value.count, limit: 1 << 20)
        let record = DeadLetter.record(for: message, rejection: rejection, topic: "dlq")
        #expect(record.value == Array(value.prefix(DeadLetter.maximumValueBytes)))
        #expect(record.headers.first == KafkaHeader("trace", "t1"))
        #expect(record.headers.contains(KafkaHeader(DeadLetter.originalLengthHeader, "1200000")))
        #expect(record.headers.contains(KafkaHeader(DeadLetter.reasonHeader, "oversize")))
        #expect(record.headers.contains(KafkaHeader(DeadLetter.offsetHeader, "77")))
        #expect(record.headers.contains(KafkaHeader(DeadLetter.partitionHeader, "3")))

        let small = DeadLetter.record(for: KafkaMessage(topic: "in", partition: 0, offset: 1, key: nil, value: [1, 2]),
                                      rejection: .notAnObject, topic: "dlq")
        #expect(small.value == [1, 2])
        #expect(!small.headers.contains { $0.name == DeadLetter.originalLengthHeader })
    }

    @Test func invalidRulesOnReloadKeepTheRunningRules() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-reload-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rules.yaml")
        try FileManager.default.copyItem(atPath: ServiceTestSupport.repositoryRoot + "/rules/default.yaml", toPath: file.path)

        let state = ServiceState()
        let config = KafkaConfig(bootstrapServers: "127.0.0.1:1", ["group.id": "reload"])
        let pipeline = MonitorPipeline(
            consumer: try KafkaConsumer(config: config, logger: ServiceTestSupport.quietLogger),
            producer: try KafkaProducer(config: config, logger: ServiceTestSupport.quietLogger),
            settings: ServeSettings(), rules: ServiceTestSupport.defaultRules, state: state, metrics: ServiceMetrics(),
            logger: ServiceTestSupport.quietLogger)
        let reloader = RulesReloader(paths: [file.path], pipeline: pipeline, logger: ServiceTestSupport.quietLogger)
        let original = state.status.rulesDigest
        #expect(original == ServiceTestSupport.defaultRules.rulesDigest)

        try "rules:\n  - name: Broken\n    metric: no_such_metric\n".write(to: file, atomically: true, encoding: .utf8)
        reloader.reload()
        #expect(state.status.rulesDigest == original)

        let renamed = try ServiceTestSupport.writeRenamedDefaultRules(to: directory)
        reloader.reload()
        #expect(state.status.rulesDigest != original)
        #expect(state.status.rulesDigest == renamed.rules.rulesDigest)
    }
}

extension Result {
    var failureValue: Failure? {
        if case let .failure(failure) = self { return failure }
        return nil
    }

    var successValue: Success? {
        if case let .success(success) = self { return success }
        return nil
    }
}
