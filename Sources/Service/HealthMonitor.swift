import Dispatch
import Kafka
import Logging
import ServiceLifecycle

/// Checks broker reachability (a metadata request) and consumer lag every
/// `interval`, for `/readyz`, `/v1/status` and `/metrics` (with the checkpoint age). The checks block in
/// librdkafka, so they run on a dispatch queue, not on the cooperative pool.
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

    private func checkUntilCancelled() async throws {
        var wasReachable: Bool?
        var lastProgress = (time: ContinuousClock.now, consumed: 0)
        while !Task.isCancelled {
            let (reachable, lag) = await BlockingCalls.run { [consumer] in
                let reachable = (try? consumer.metadata(timeout: .seconds(2))) != nil
                let lag = reachable ? (try? consumer.lag(timeout: .seconds(2))) ?? [] : []
                return (reachable, lag)
            }
            state.setBrokerReachable(reachable)
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
