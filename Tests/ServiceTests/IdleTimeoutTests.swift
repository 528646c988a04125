import Foundation
import Kafka
import MonitorCore
import Testing
@testable import Service

/// serve's idle timeout (`--idle-timeout`): a shard without messages for that long of wall
/// time has its engine's event time moved on by the wall time since its last message.
@Suite struct IdleTimeoutTests {
    @Test func anIdleShardsEventTimeMovesOnWithTheWallClock() throws {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 3000, slide: 1000, allowedLateness: 500, minimumEvents: 0)
        var shards = ShardEngines(configuration: configuration, decoder: EventDecoder(), state: ServiceState())
        let engine = shards.engine(for: 0, rules: ServiceTestSupport.defaultRules)
        // Panes 0–2 make the stream reference; pane 3 stays open until event time passes 4.5 s.
        for (index, timestamp) in [0, 1000, 2000, 3500, 3600].enumerated() {
            engine.process(.prediction(PredictionEvent(model: "m", version: "v1", id: "p\(index)", timestamp: Int64(timestamp),
                                                       features: [Feature("x", .number(Double(index)))], score: 0.5, predictedLabel: 1)))
        }
        let arrived = ContinuousClock.now
        shards.advance(to: [TopicPartitionOffset(TopicPartition("events", 0), offset: 5)])
        _ = shards.drain(0)
        shards.markCheckpointed(0, slot: 0, joinPages: [], bytes: 0)

        #expect(shards.advanceIdle(after: .seconds(60), now: arrived + .seconds(59)).isEmpty)
        #expect(engine.eventTime == 3600 && engine.pendingOutputCount == 0)

        let advanced = shards.advanceIdle(after: .seconds(60), now: arrived + .seconds(61))
        #expect(advanced == [0] && shards.changed == [0])
        let eventTime = try #require(engine.eventTime)
        #expect(eventTime > 3600 + 60_000 && eventTime <= 3600 + 61_000)  // plus the wall time since the message was recorded
        let outputs = shards.drain(0).0
        #expect(outputs.contains { $0.kind == .metric && $0.json.contains(#""window_end":4000"#) })
    }
}
