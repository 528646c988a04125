import Dispatch
import Kafka
import Logging
import ServiceLifecycle

/// Checks broker reachability (a metadata request) and consumer lag every
/// `interval`, for `/readyz`, `/v1/status` and `/metrics` (with the checkpoint age). The checks block in
/// librdkafka, so they run on threads of their own (``DeadlineProbe``), not on the
/// cooperative pool; a reachability check that does not answer within ``checkDeadline``
/// counts as unreachable.
struct HealthMonitor: Service {
    let consumer: KafkaConsumer
    let state: ServiceState
    let metrics: ServiceMetrics
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await checkUntilCancelled() }
    }

    /// How often a progress line is logged (never one per event).
    static let progressInterval: Duration = .seconds(60)

    /// How long the metadata request and the lag queries may wait for the broker.
    static let brokerTimeout: Duration = .seconds(2)
    /// A check still blocked this long counts as failed (the broker timeout plus slack for
    /// a busy machine).
    static let checkDeadline: Duration = .seconds(4)

    private func checkUntilCancelled() async throws {
        var wasReachable: Bool?
        var lastProgress = (time: ContinuousClock.now, consumed: 0)
        // Reachability and lag are probed apart, so a lag query that hangs (its assignment,
        // committed-offset and watermark calls) never holds up the readiness answer.
        let reachability = DeadlineProbe<Bool>()
        let lagQuery = DeadlineProbe<[PartitionLag]>()
        while !Task.isCancelled {
            let reachable = await reachability.run(within: Self.checkDeadline) { [consumer] in
                (try? consumer.metadata(timeout: Self.brokerTimeout)) != nil
            } ?? false
            state.setBrokerReachable(reachable)
            var lag: [PartitionLag] = []
            if reachable {
                lag = await lagQuery.run(within: Self.checkDeadline) { [consumer] in (try? consumer.lag(timeout: Self.brokerTimeout)) ?? [] } ?? []
            }
            if !lag.isEmpty {
                state.setLag(Dictionary(lag.map { ($0.topicPartition.description, $0.lag) }) { first, _ in first })
                metrics.setLag(lag.map { ($0.topicPartition.topic, $0.topicPartition.partition, $0.lag) })
            }
            metrics.setReady(state.isReady)
            if let age = state.checkpointAgeSeconds { metrics.setCheckpointAge(age) }
            if wasReachable != reachable {
                if reachable { logger.info("broker reachable") } else { logger.warning("broker unreachable: not ready") }
                wasReachable = reachable
            }
            if ContinuousClock.now - lastProgress.time >= Self.progressInterval {
                let status = state.status
                let seconds = Double((ContinuousClock.now - lastProgress.time).components.seconds)
                logger.info("progress", metadata: [
                    "consumed": "\(status.counters.consumed)",
                    "rate_per_s": "\(Int(Double(status.counters.consumed - lastProgress.consumed) / max(seconds, 1)))",
                    "lag": "\(status.lag.values.reduce(0, +))", "evaluations": "\(status.counters.evaluations)",
                    "firing": "\(status.firing.count)", "dead_letters": "\(status.counters.deadLetters)",
                ])
                lastProgress = (.now, status.counters.consumed)
            }
            try await Task.sleep(for: interval)
        }
    }
}
