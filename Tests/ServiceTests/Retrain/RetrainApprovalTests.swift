import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// The retraining hand-off end to end on the embedded broker: triggers on the retrain
/// topic wait on `GET /v1/retrain`, are decided over HTTP (and with `driftwatch retrain`),
/// the decisions are published as CloudEvents that validate against their schema, the
/// approved trigger reaches a real HTTP receiver (from the member that decided), another
/// member of the group learns the decisions from the topic, and so does a member started
/// later (a restart).
@Suite(.serialized) struct RetrainApprovalTests {
    typealias Support = ServiceTestSupport
    static let token = "s3cret-token"

    static func trigger(_ index: Int, requiresApproval: Bool) -> RetrainTrigger {
        RetrainTrigger(
            id: String(format: "%016x", 0xa000 + index), model: "model-\(index)", version: "v1", rule: "RetrainOnAccuracyDrop",
            alertIDs: [], rules: ["RetrainOnAccuracyDrop"], windowStart: 1_767_225_600_000, windowEnd: 1_767_229_200_000,
            requiresApproval: requiresApproval, triggeredAt: 1_767_229_200_000,
            labels: ["alertname": "RetrainOnAccuracyDrop", "severity": "critical", "model": "model-\(index)", "version": "v1"],
            annotations: ["summary": "retrain model-\(index)"],
            rulesDigest: "d")
    }

    static func decide(_ port: Int, _ id: String, _ action: String, token: String?) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/retrain/\(id)/\(action)")!)
        request.httpMethod = "POST"
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// `GET /v1/retrain`: each trigger's id and status.
    static func listing(_ port: Int) async throws -> [String: String] {
        let (_, body) = try await Support.get(port: port, "/v1/retrain")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let triggers = object?["triggers"] as? [[String: Any]] ?? []
        return Dictionary(triggers.map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") }) { first, _ in first }
    }

    static func cli(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Support.driftwatchExecutable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func triggersWaitAreDecidedOnceReachTheWebhookAndEveryMemberKnowsTheDecisions() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = MonitorServiceTests.Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 2) }
        let settings = {
            var settings = MonitorServiceTests.settings(broker, topics, group: "retrain-\(topics.suffix)")
            settings.adminToken = Self.token
            return settings
        }()

        // Triggers as members publish them: two wait for approval, one needs none.
        let (first, second, free) = (Self.trigger(1, requiresApproval: true), Self.trigger(2, requiresApproval: true),
                                     Self.trigger(3, requiresApproval: false))
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: Support.quietLogger)
        defer { producer.close() }
        for trigger in [first, second, free] {
            let record = try #require(settings.outputRouting.record(for: MonitorOutput(.retrain(trigger))))
            _ = try await producer.send(topic: record.topic, key: record.key, value: record.value, headers: record.headers)
        }

        let receiver = WebhookReceiver(failFirst: 1)
        try await receiver.serve { [settings] base in
            var withWebhook = settings
            withWebhook.retrainWebhook.url = base + "/api/v1/dags/retrain/dagRuns"
            withWebhook.retrainWebhook.initialBackoff = .milliseconds(20)
            let running = try Support.RunningService(withWebhook)
            let other = try Support.RunningService(settings)  // a second member of the group, without the webhook
            let port = await Support.httpPort(of: running.service)
            let otherPort = await Support.httpPort(of: other.service)
            for port in [port, otherPort] {
                #expect(await Support.eventually(.seconds(20)) {
                    (try? await Self.listing(port)) == [first.id: "waiting", second.id: "waiting"]
                }, "the triggers needing approval wait on every member; the approval-free one does not")
            }

            #expect(try await Self.decide(port, first.id, "approve", token: nil).status == 401)
            #expect(try await Self.decide(port, first.id, "approve", token: "wrong").status == 401)
            #expect(try await Self.decide(port, "00000000deadbeef", "approve", token: Self.token).status == 404)
            let approved = try await Self.decide(port, first.id, "approve", token: Self.token)
            #expect(approved.status == 200)
            #expect(approved.body.contains(#""trigger_id":"\#(first.id)","decision":"approved""#))
            let again = try await Self.decide(port, first.id, "reject", token: Self.token)
            #expect(again.status == 409)
            #expect(again.body == approved.body, "409 answers the decision already taken")

            // The CLI over the same API.
            let rejected = try Self.cli(["retrain", "reject", second.id, "--url", "http://127.0.0.1:\(port)", "--token", Self.token])
            #expect(rejected.status == 0)
            #expect(rejected.output.contains(#""decision":"rejected""#))
            let late = try Self.cli(["retrain", "approve", second.id, "--url", "http://127.0.0.1:\(port)", "--token", Self.token])
            #expect(late.status != 0)
            #expect(late.output.contains("HTTP 409"))
            #expect(try await Self.listing(port) == [first.id: "approved", second.id: "rejected"])
            // The other member learns both decisions from the retrain topic, and refuses to decide again.
            #expect(await Support.eventually(.seconds(10)) {
                (try? await Self.listing(otherPort)) == [first.id: "approved", second.id: "rejected"]
            })
            #expect(try await Self.decide(otherPort, second.id, "approve", token: Self.token).status == 409)
            let list = try Self.cli(["retrain", "list", "--url", "http://127.0.0.1:\(port)"])
            #expect(list.status == 0)
            #expect(list.output.contains(#""id":"\#(first.id)""#) && list.output.contains(#""status":"rejected""#))

            // The approved trigger reaches the webhook (after one failed attempt, same key); the rejected one never.
            // A trigger this member publishes without needing approval goes out at once.
            running.service.retrainDesk.published(free)
            #expect(await Support.eventually(.seconds(10)) { receiver.requests.count == 3 })
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests.map { $0.headers["idempotency-key"] } == [first.id, first.id, free.id])
            #expect(receiver.requests.map { $0.json?["decision"] as? String } == ["approved", "approved", "not_required"])

            for member in [running, other] {
                await member.service.shutdown()
                try await member.task.value
            }
        }

        // The retrain topic: the three triggers and the two decisions, each a CloudEvent.
        let read = try OutputEventSchemaTests.python("read-cloudevents.py", [broker.bootstrapServers, "5", topics.retrain])
        #expect(read.status == 0, "\(read.output)")
        let decisions = read.lines.filter { $0["type"] as? String == CloudEventHeaders.decisionType }
        #expect(decisions.count == 2)
        #expect(decisions.allSatisfy { $0["id"] as? String == $0["driftwatch_id"] as? String && $0["data_type"] as? String == "retrain_decision" })
        let messages = try await Support.read(topics.retrain, bootstrap: broker.bootstrapServers, count: 5)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("retrain-\(topics.suffix).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try (messages.map { String(decoding: $0.value, as: UTF8.self) }.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let validation = try OutputEventSchemaTests.python("validate-events.py", [Support.repositoryRoot + "/schemas", file.path])
        #expect(validation.status == 0, "\(validation.output)")
        #expect(validation.output.contains(#""retrain-decision": 2"#))

        // A member started afterwards (a restart) knows the decisions.
        let restarted = try Support.RunningService(settings)
        let port = await Support.httpPort(of: restarted.service)
        #expect(await Support.eventually(.seconds(20)) {
            (try? await Self.listing(port)) == [first.id: "approved", second.id: "rejected"]
        })
        #expect(try await Self.decide(port, first.id, "approve", token: Self.token).status == 409)
        #expect(try await Support.get(port: port, "/metrics").body.contains("driftwatch_retrain_records_expired 0.0\n"))
        await restarted.service.shutdown()
        try await restarted.task.value

        // Retention deleting the retrain topic's records (the embedded broker keeps ~5 MiB per
        // partition): a member started then does not know those triggers, and says how many records it missed.
        for partition: Int32 in 0..<2 {
            for _ in 0..<7 {
                _ = try await producer.send(topic: topics.retrain, value: [UInt8](repeating: 0x20, count: 900_000), partition: partition)
            }
        }
        let afterRetention = try Support.RunningService(settings)
        let portAfter = await Support.httpPort(of: afterRetention.service)
        #expect(await Support.eventually(.seconds(20)) {
            let metrics = (try? await Support.get(port: portAfter, "/metrics").body) ?? ""
            return metrics.contains("driftwatch_retrain_records_expired ") && !metrics.contains("driftwatch_retrain_records_expired 0.0\n")
        })
        #expect(try await Self.listing(portAfter).isEmpty)
        await afterRetention.service.shutdown()
        try await afterRetention.task.value
    }
}
