import Foundation
import Kafka
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// `/metrics` as a real Prometheus sees it (Debian's `prometheus` and `promtool`, from
/// `scripts/deps/prometheus.sh`): a Prometheus on loopback scrapes `serve` running a
/// drifting stream on the embedded broker, with the rules of `deploy/prometheus/`; the
/// tests query it through its HTTP API, like the Grafana dashboard of `deploy/grafana/` does.
@Suite(.serialized) struct PrometheusTests {
    typealias Support = ServiceTestSupport

    static let rulesFile = Support.repositoryRoot + "/deploy/prometheus/driftwatch-rules.yml"
    static let dashboardFile = Support.repositoryRoot + "/deploy/grafana/driftwatch.json"

    @Test func promtoolAcceptsTheDeployedRulesAndConfiguration() throws {
        let rules = try RealComponents.run("promtool", ["check", "rules", Self.rulesFile])
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS"))
        let config = try RealComponents.run("promtool", ["check", "config", Support.repositoryRoot + "/deploy/prometheus/prometheus.yml"])
        #expect(config.status == 0, "\(config.output)")
    }

    /// A Prometheus with a 1 s scrape and rule interval, scraping `127.0.0.1:target`.
    static func startPrometheus(scraping target: Int) async throws -> RealComponents.Server {
        let server = try RealComponents.Server("prometheus") { directory, port in
            let config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(rulesFile)"]
            scrape_configs:
              - job_name: driftwatch
                static_configs: [{targets: ["127.0.0.1:\(target)"]}]
            """
            try? config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            return ["--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        }
        try server.start()
        guard await server.waitUntilAnswering("/-/ready") else {
            server.stop()
            throw RealComponents.ComponentError("prometheus did not start: \(server.output)")
        }
        return server
    }

    /// An instant query's result: each series' labels and value.
    static func query(_ prometheus: RealComponents.Server, _ expression: String) async throws -> [(labels: [String: String], value: String)] {
        var components = URLComponents(string: "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let (status, body) = try await prometheus.get(components.url!.absoluteString
            .replacingOccurrences(of: "+", with: "%2B"))
        struct Answer: Decodable {
            struct Data: Decodable {
                struct Series: Decodable { var metric: [String: String]; var value: [ValueItem] }
                var resultType: String
                var result: [Series]
            }
            enum ValueItem: Decodable {
                case time(Double), text(String)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let text = try? container.decode(String.self) { self = .text(text) } else { self = .time(try container.decode(Double.self)) }
                }
            }
            var status: String
            var data: Data?
            var error: String?
        }
        let answer = try JSONDecoder().decode(Answer.self, from: body)
        guard status == 200, answer.status == "success", let data = answer.data, data.resultType == "vector" else {
            throw RealComponents.ComponentError("query \(expression): \(status) \(answer.error ?? String(decoding: body, as: UTF8.self))")
        }
        return data.result.map { series in
            let value = series.value.compactMap { if case let .text(text) = $0 { text } else { nil } }.first ?? ""
            return (series.metric, value)
        }
    }

    /// Every PromQL expression of the dashboard: the panels' targets and the variables'
    /// `label_values(selector, label)` queries (as their selector), with the dashboard's
    /// variables set to "All" and `$__rate_interval` to one minute.
    static func dashboardExpressions() throws -> [String] {
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dashboardFile))) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var expressions = panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        for variable in variables where variable["type"] as? String == "query" {
            let query = try #require((variable["query"] as? [String: Any])?["query"] as? String)
            let selector = try #require(query.firstRange(of: "label_values(").map { query[$0.upperBound...] }?
                .split(separator: ",").dropLast().joined(separator: ","))
            expressions.append(String(selector))
        }
        return expressions.map {
            $0.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$model", with: ".*")
                .replacingOccurrences(of: "$version", with: ".*").replacingOccurrences(of: "$job", with: ".*")
        }
    }

    @Test func prometheusScrapesServeAndEveryDashboardQueryReturnsData() async throws {
        let broker = try EmbeddedBroker(brokers: 1, logger: Support.quietLogger)
        defer { broker.stop() }
        let topics = MonitorServiceTests.Topics()
        for topic in topics.all { try broker.createTopic(topic, partitions: 1) }
        // Labels within minutes, so that performance windows are evaluated within the stream.
        let messages = try Support.messages(events: 16_000, scenario: "income_shift@0.4,gender_bias@0.6", malformedEvery: 5_000,
                                            meanLabelDelayMilliseconds: 120_000)
        let service = try MonitorService(settings: MonitorServiceTests.settings(broker, topics, group: "prometheus-\(topics.suffix)"),
                                         rules: Support.defaultRules, handleSignals: false, logger: Support.quietLogger)
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let port = await Support.httpPort(of: service)
        let prometheus = try await Self.startPrometheus(scraping: port)
        defer { prometheus.stop() }
        #expect(try await Support.eventually(.seconds(60)) { try await Support.get(port: port, "/readyz").status == 200 })

        let state = service.state
        try await Support.feed(messages, to: topics.input, bootstrap: broker.bootstrapServers, state: state)
        #expect(await Support.caughtUp([state]))

        // Prometheus has scraped the end state (and a few scrapes since, for rate()).
        #expect(try await Support.eventually(.seconds(30), every: .milliseconds(500)) {
            try await Self.query(prometheus, "driftwatch_events_consumed_total").first?.value == String(messages.count)
        }, "\(prometheus.output)")
        #expect(try await Support.eventually(.seconds(30), every: .milliseconds(500)) {
            try await Self.query(prometheus, "driftwatch_consumer_lag == 0 and driftwatch_consumer_lag offset 5s == 0").count == 1
        })
        let scraped = try await Support.get(port: port, "/metrics").body

        // A drift value: the same in Prometheus as on /metrics.
        let psi = try await Self.query(prometheus, #"driftwatch_feature_drift_psi{model="credit-risk",version="v1",feature="f_income"}"#)
        #expect(psi.count == 1)
        let exported = scraped.split(separator: "\n")
            .first { $0.hasPrefix(#"driftwatch_feature_drift_psi{model="credit-risk",version="v1",feature="f_income"} "#) }
        #expect(Double(psi.first?.value ?? "") == exported.flatMap { Double($0.split(separator: " ").last ?? "") })
        #expect((Double(psi.first?.value ?? "") ?? 0) > 0.1, "f_income drifted")

        // The firing alerts: one series per alert of /v1/status, with its identity.
        let firing = state.status.firing
        #expect(!firing.isEmpty)
        let series = try await Self.query(prometheus, "driftwatch_alerts_firing == 1")
        #expect(Set(series.map { "\($0.labels["alertname"] ?? "")|\($0.labels["subject"] ?? "")" })
            == Set(firing.map { "\($0.rule)|\($0.subject)" }))
        #expect(series.count == firing.count)
        #expect(series.allSatisfy { $0.labels["model"] == "credit-risk" && $0.labels["version"] == "v1" && $0.labels["severity"] != nil })

        // Consumer lag of the input partition.
        let lag = try await Self.query(prometheus, "driftwatch_consumer_lag")
        #expect(lag.map { $0.labels["topic"] } == [topics.input])
        #expect(lag.first?.labels["partition"] == "0")

        // promtool's lint on what Prometheus scraped.
        let check = try RealComponents.run("promtool", ["check", "metrics"], input: Array(scraped.utf8))
        #expect(check.status == 0 && check.output.isEmpty, "\(check.output)")

        // Every dashboard query returns data.
        let expressions = try Self.dashboardExpressions()
        #expect(expressions.count >= 20)
        for expression in expressions {
            let result = try await Self.query(prometheus, expression)
            #expect(!result.isEmpty, "no data: \(expression)")
        }

        // The deployed rules evaluate without error, and each recording rule records series.
        let rules = try JSONSerialization.jsonObject(with: try await prometheus.get("/api/v1/rules").body) as? [String: Any]
        let groups = ((rules?["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        let all = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(all.count == 11)
        for rule in all {
            #expect(rule["health"] as? String == "ok", "\(rule["name"] ?? "?"): \(rule["lastError"] ?? "")")
            if rule["type"] as? String == "recording", let name = rule["name"] as? String {
                #expect(try await !Self.query(prometheus, name).isEmpty, "\(name) recorded nothing")
            }
        }

        await service.shutdown()
        try await running.value
    }
}
