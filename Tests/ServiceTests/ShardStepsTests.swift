import Kafka
@testable import MonitorCore
@testable import Service
import Testing

/// A batch spread over several shards, taken through their engines side by side, gives
/// each engine exactly what it computes over its own messages alone, and the outcomes
/// (rejections, outputs emitted) come back at their messages' places in the batch.
@Suite struct ShardStepsTests {
    typealias Support = ServiceTestSupport

    @Test func shardsSideBySideComputeWhatEachComputesAlone() throws {
        // Three models on three partitions, malformed messages among them.
        let messages = try Support.messages(events: 9_000, scenario: "mixed", malformedEvery: 97, models: 3)
        let batch = messages.enumerated().map { index, message in
            KafkaMessage(topic: "events", partition: message.partition ?? 0, offset: Int64(index), key: message.key,
                         value: message.value, headers: message.headers)
        }
        let decoding = BatchDecoding(batch, decoder: EventDecoder(), schemas: .none, counts: DecodingCounts())
        let fetched = batch.indices.map { FetchedMessage(decoding: decoding, index: $0) }
        let configuration = Support.monitorConfiguration()
        var engines: [Int32: MonitorEngine] = [:]
        var steps = ShardSteps()
        for (index, message) in batch.enumerated() {
            steps.add(index, shard: message.partition) {
                let engine = MonitorEngine(configuration: configuration, rules: Support.defaultRules)
                engines[message.partition] = engine
                return engine
            }
        }
        #expect(steps.shards == [0, 1, 2])
        let wallStart = ContinuousClock.now
        let (outcomes, cpu) = steps.run(fetched)
        let wall = ContinuousClock.now - wallStart
        // The three groups' threads' CPU time: some, and no more than three threads running all along.
        #expect(cpu > .zero && cpu <= wall * 3, "\(cpu) of CPU in \(wall)")

        #expect(outcomes.count == batch.count)
        let rejected = outcomes.indices.filter { outcomes[$0].rejection != nil }
        #expect(rejected == messages.indices.filter { EventDecoder().decode(messages[$0].value).failureValue != nil })
        #expect(!rejected.isEmpty)
        var emitting = 0
        for shard in Int32(0)..<3 {
            let own = messages.enumerated().filter { ($0.element.partition ?? 0) == shard }
            // Alone: a fresh engine, message by message, outputs drained after each.
            let alone = MonitorEngine(configuration: configuration, rules: Support.defaultRules)
            var emittedAlone: [Int] = []
            var outputsAlone: [MonitorOutput] = []
            for (index, message) in own {
                message.value.withUnsafeBufferPointer { _ = alone.process(message: $0) }
                let drained = alone.drainOutputs()
                if !drained.isEmpty { emittedAlone.append(index) }
                outputsAlone += drained
            }
            let engine = try #require(engines[shard])
            #expect(engine.drainOutputs().map(\.json) == outputsAlone.map(\.json), "shard \(shard)")
            #expect(engine.counters == alone.counters, "shard \(shard)")
            #expect(own.map(\.offset).filter { outcomes[$0].emitted } == emittedAlone, "shard \(shard)")
            emitting += emittedAlone.count
        }
        #expect(emitting > 0, "the stream must emit outputs, or the comparison proves nothing")
    }
}
