import ArgumentParser
import Foundation
import Kafka
import Logging
import MonitorCore
import Service
import Simulation

/// `driftwatch demo`: the whole service on one machine in one command. An embedded
/// broker, a simulated credit-risk stream with known injected changes streamed into
/// it, the serve pipeline with the default rules, alerts as they fire, and at the end
/// what was injected against what was detected.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the service on an embedded broker against a simulated stream with injected drift, and show what it detects."
    )

    @Option(help: "Predictions to simulate (labels come on top, for ~95 % of them).")
    var events = 200_000

    @Option(help: "Simulation seed.")
    var seed: UInt64 = 42

    @Option(help: "Scenario: mixed, stable, or kind@fraction,... (see `driftwatch simulate --help`).")
    var scenario = "mixed"

    @Option(name: .customLong("rules"), help: "Rule files or directories.")
    var rulePaths: [String] = ["rules/default.yaml"]

    @Option(help: "Window length (event time; the simulator sends a prediction every 100 ms).")
    var window = "20m"

    @Option(help: "Window slide.")
    var slide = "5m"

    @Option(help: "HTTP listen address for /metrics, /readyz, /v1/status while the demo runs (port 0: any free port).")
    var http = "127.0.0.1:0"

    @Flag(help: "No progress lines (alerts and the summary only).")
    var quiet = false

    func run() async throws {
        let report = try await DemoRun(options: self).run()
        report.print()
    }
}

/// One demo run; also what `driftwatch bench serve` measures.
struct DemoRun {
    var events: Int
    var seed: UInt64
    var scenario: Scenario
    var rulePaths: [String]
    var window: WindowSpec
    var http: String
    var showProgress: Bool
    var showAlerts: Bool
    /// Input rate of the feed (`nil`: as fast as the service consumes).
    var messagesPerSecond: Int?
    /// Simulate the whole stream into memory before feeding it (benchmarks: the simulator's
    /// CPU then does not compete with the service being measured).
    var pregenerate = false
    /// Input partitions, one simulated model on each (the models' predictions and labels keyed to their partition).
    var partitions = 1

    init(options: DemoCommand) throws {
        events = options.events
        seed = options.seed
        do { scenario = try Scenario(parsing: options.scenario) } catch { throw ValidationError(error.description) }
        rulePaths = options.rulePaths
        window = try WindowOptions.parse(["--window", options.window, "--slide", options.slide])
            .windowSpec(SettingEnvironment([:]))!
        http = options.http
        showProgress = !options.quiet
        showAlerts = true
    }

    init(events: Int, seed: UInt64 = 42, rulePaths: [String], showOutput: Bool, messagesPerSecond: Int? = nil,
         partitions: Int = 1) throws {
        self.messagesPerSecond = messagesPerSecond
        self.partitions = partitions
        pregenerate = true
        self.events = events
        self.seed = seed
        scenario = .mixed
        self.rulePaths = rulePaths
        window = try WindowSpec.eventTime(window: 1_200_000, slide: 300_000, allowedLateness: 60_000)
        http = "127.0.0.1:0"
        showProgress = showOutput
        showAlerts = showOutput
    }

    struct Report {
        var manifest: SimulationManifest
        var produced = 0
        var consumed = 0
        var seconds = 0.0
        /// From the start to the first processed message: mostly the consumer-group join.
        var joinSeconds = 0.0
        var status = ServiceStatus()
        /// Every alert event (firing and resolved), in order.
        var alerts: [AlertLine] = []
        var bootstrap = ""

        var messagesPerSecond: Double { seconds > 0 ? Double(consumed) / seconds : 0 }
        /// After the group join.
        var steadyMessagesPerSecond: Double { seconds > joinSeconds ? Double(consumed) / (seconds - joinSeconds) : 0 }

        func print() {
            let counters = status.counters
            Swift.print("""

            ── driftwatch demo summary ─────────────────────────────────────────────
            broker:     \(bootstrap) (embedded, in-process)
            stream:     \(manifest.events) predictions + \(counters.labels) labels = \(produced) messages, seed \(manifest.seed)
            processed:  \(consumed) messages in \(format(seconds, decimals: 1)) s = \(Int(messagesPerSecond.rounded())) msg/s end to end \
            (\(Int(steadyMessagesPerSecond.rounded())) msg/s after the \(format(joinSeconds, decimals: 1)) s group join)
            windows:    \(counters.evaluations) evaluated; alerts: \(counters.alerts) events, \(status.firing.count) still firing; \
            retraining triggers: \(counters.retrainTriggers); rejected: \(counters.rejected.values.reduce(0, +))

            injected (simulator manifest)                  first detection (first alert on the changed subject)
            """)
            for change in manifest.changes {
                let injected = "\(change.kind.rawValue) @\(ISO8601.string(milliseconds: change.startTimestamp).prefix(19))"
                Swift.print("  " + injected.padding(toLength: 45, withPad: " ", startingAt: 0) + "  " + detection(of: change))
            }
            let controls = Set(manifest.controlFeatures)
            let falseAlarms = firstAlerts.filter { controls.contains($0.subject) }
            Swift.print("alerts on control features (never changed): \(falseAlarms.isEmpty ? "none" : falseAlarms.map(\.description).joined(separator: ", "))")
            Swift.print("first alert per rule and subject:")
            for alert in firstAlerts { Swift.print("  " + alert.description) }
        }

        /// The first firing of each rule on each subject.
        var firstAlerts: [AlertLine] {
            var seen = Set<String>()
            return alerts.filter { $0.isFiring && seen.insert($0.rule + "\u{0}" + $0.subject).inserted }
        }

        /// The first alert on the changed subject from the change on, or the alert an
        /// earlier change had already raised on it and that was still firing.
        func detection(of change: SimulationManifest.Change) -> String {
            let subject = DemoExpectations.subject(of: change.kind)
            let start = change.startTimestamp
            let onSubject = alerts.filter { $0.subject == subject }
            if let first = onSubject.first(where: { $0.isFiring && $0.startsAt >= start }) {
                return "\(first.rule) on \(subject) at \(ISO8601.string(milliseconds: first.startsAt).prefix(19)) "
                    + "(+\((first.startsAt - start) / 60_000) min)"
            }
            let stillFiring = onSubject.last { earlier in
                earlier.isFiring && earlier.startsAt < start && !onSubject.contains {
                    !$0.isFiring && $0.rule == earlier.rule && $0.startsAt == earlier.startsAt && ($0.endsAt ?? .max) <= start
                }
            }
            return stillFiring.map {
                "\($0.rule) on \(subject) already firing since \(ISO8601.string(milliseconds: $0.startsAt).prefix(19)) (an earlier change)"
            } ?? "not detected"
        }
    }

    /// An alert event (firing or resolved), as the demo prints it.
    struct AlertLine: Sendable, CustomStringConvertible {
        var rule: String
        var severity: String
        var model: String
        var version: String
        var subject: String
        var metric: String
        var value: Double?
        var comparator: String?
        var threshold: String
        var startsAt: Int64
        var isFiring: Bool
        var endsAt: Int64?

        init(_ alert: AlertEvent) {
            rule = alert.rule
            isFiring = alert.status == .firing
            endsAt = alert.endsAt
            severity = alert.severity.rawValue
            model = alert.model
            version = alert.version
            subject = alert.subject.name
            metric = alert.metric.rawValue
            value = alert.value
            switch alert.threshold {
            case let .bound(comparator, threshold):
                (self.comparator, self.threshold) = (comparator.rawValue, format(threshold, decimals: 3))
            case let .band(lower, upper):
                (comparator, threshold) = ("outside", "[\(format(lower, decimals: 3)), \(format(upper, decimals: 3))]")
            case .unavailable:
                (comparator, threshold) = (nil, "-")
            }
            startsAt = alert.startsAt
        }

        var description: String {
            let measured = value.map { format($0, decimals: 3) } ?? "undefined"
            let time = isFiring ? startsAt : endsAt ?? startsAt
            return "\(ISO8601.string(milliseconds: time).prefix(19)) \(isFiring ? "FIRING  " : "RESOLVED") \(rule) [\(severity)] "
                + "\(model)/\(version) \(subject): \(metric)=\(measured) \(comparator ?? "") \(threshold)"
        }
    }

    func run() async throws -> Report {
        var logger = Logger(label: "driftwatch.demo")
        logger.logLevel = .warning
        let rules = try loadRules(rulePaths)
        var simulation = StreamSimulator.Configuration()
        simulation.events = events
        simulation.seed = seed
        simulation.scenario = scenario
        simulation.models = partitions
        let simulator = StreamSimulator(simulation)
        var report = Report(manifest: simulator.manifest)

        let broker = try EmbeddedBroker(brokers: 1, logger: logger)
        defer { broker.stop() }
        var settings = ServeSettings()
        settings.brokers = broker.bootstrapServers
        settings.group = "driftwatch-demo"
        settings.inputTopics = ["driftwatch-demo-events"]
        // One input partition per simulated model: each model's events all reach one engine, in order.
        try broker.createTopic(settings.inputTopics[0], partitions: partitions)
        for topic in [settings.alertsTopic, settings.retrainTopic, settings.deadLetterTopic] {
            try broker.createTopic(topic, partitions: 1)
        }
        if let stateTopic = settings.stateTopic {
            try broker.createTopic(stateTopic, partitions: settings.statePartitions)  // the mock cannot create it on request
        }
        // The mock broker answers a fetch at the log end only after fetch.wait.max.ms (500 ms by default),
        // which would throttle a consumer that keeps up with the producer.
        settings.consumerProperties = ["session.timeout.ms": "6000", "fetch.wait.max.ms": "10"]
        settings.monitor.window = window
        settings.healthInterval = .seconds(1)
        do { try settings.setHTTPAddress(http) } catch { throw ValidationError(error.description) }
        report.bootstrap = broker.bootstrapServers

        let alerts = Protected<[AlertLine]>([])
        let showAlerts = self.showAlerts
        let service = try MonitorService(settings: settings, rules: rules, logger: logger) { output in
            guard case let .alert(event) = output.event else { return }
            let alert = AlertLine(event)
            alerts.withLock { $0.append(alert) }
            if showAlerts { Swift.print(alert.description) }
        }
        let running = Task { try await service.run() }
        if showProgress {
            KafkaCLI.status("embedded broker at \(broker.bootstrapServers); streaming \(events) simulated predictions (+ labels) "
                            + "into \(settings.inputTopics[0]); rules \(rules.rulesDigest)")
        }
        let state = service.state
        var stream: (bytes: [UInt8], lines: [(range: Range<Int>, partition: Int32)])?
        let partitions = self.partitions
        if pregenerate {
            var bytes: [UInt8] = [], lines: [(range: Range<Int>, partition: Int32)] = []
            for line in simulator {
                let start = bytes.count
                bytes += line.json.utf8
                lines.append((start..<bytes.count, Int32(line.index % partitions)))
            }
            stream = (bytes, lines)
        }
        let progress = showProgress ? Task { await Self.showProgress(state: state) } : nil
        let start = ContinuousClock.now
        let firstProcessed = Task {
            while state.consumed == 0, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            return ContinuousClock.now
        }
        do {
            // Fed once the group has assigned the input: what waited through the join would count as latency.
            let deadline = ContinuousClock.now + .seconds(60)
            while !state.isReady, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let feeder = StreamFeeder(topic: settings.inputTopics[0], partition: 0, maximumAhead: 12_000,
                                      messagesPerSecond: messagesPerSecond)
            let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: broker.bootstrapServers), logger: logger)
            defer { producer.close() }
            if let stream {
                report.produced = try await feeder.feed(stream.lines, producer: producer, consumed: { state.consumed },
                                                        message: { StreamFeeder.Message(value: Array(stream.bytes[$0.range]), partition: $0.partition) })
            } else {
                report.produced = try await feeder.feed(simulator, producer: producer, consumed: { state.consumed },
                                                        message: { StreamFeeder.Message(value: Array($0.json.utf8), partition: Int32($0.index % partitions)) })
            }
            let drained = ContinuousClock.now + .seconds(120)
            while state.consumed < report.produced, ContinuousClock.now < drained {
                try await Task.sleep(for: .milliseconds(20))
            }
        } catch {
            progress?.cancel()
            await service.shutdown()
            _ = try? await running.value
            throw error
        }
        report.seconds = (ContinuousClock.now - start).seconds
        firstProcessed.cancel()
        report.joinSeconds = (await firstProcessed.value - start).seconds
        progress?.cancel()
        report.status = state.status
        report.consumed = report.status.counters.consumed
        await service.shutdown()
        try await running.value
        report.alerts = alerts.current
        if report.consumed < report.produced {
            throw CommandFailure("only \(report.consumed) of \(report.produced) messages were processed within the time limit")
        }
        return report
    }

    private static func showProgress(state: ServiceState) async {
        var previous = 0
        var previousTime = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let status = state.status
            let now = ContinuousClock.now
            let elapsed = (now - previousTime).seconds
            let rate = elapsed > 0 ? Double(status.counters.consumed - previous) / elapsed : 0
            let lag = status.lag.values.reduce(0, +)
            KafkaCLI.status("… \(status.counters.consumed) messages, \(Int(rate)) msg/s, lag \(lag), "
                            + "\(status.counters.evaluations) windows evaluated, \(status.firing.count) alerts firing"
                            + (status.ready ? "" : " (not ready yet: joining the group)"))
            previous = status.counters.consumed
            previousTime = now
        }
    }
}

/// Which alert subject shows each injected change (the simulator's features; the rules are `rules/default.yaml`'s).
enum DemoExpectations {
    static func subject(of change: ChangeKind) -> String {
        switch change {
        case .incomeShift: "f_income"
        case .rateVariance: "f_interest_rate"
        case .ageMissing: "f_age"
        case .channelNewCategory: "c_channel"
        case .purposeMix: "c_purpose"
        case .scoreDrift: "score"
        case .conceptDrift: "model"
        case .genderBias: "gender"
        }
    }
}
