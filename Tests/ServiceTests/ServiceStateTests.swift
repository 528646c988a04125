@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

/// The live state's derived figures: the checkpoint age, the output-latency summary,
/// engine counts and models spread over shards.
@Suite struct ServiceStateTests {
    @Test func checkpointAgeCountsFromTheOldestUncheckpointedWork() async throws {
        let state = ServiceState()
        #expect(state.checkpointAgeSeconds == nil, "without checkpoints there is no age")
        state.setUncheckpointedWork(false)
        #expect(state.checkpointAgeSeconds == 0)
        state.setUncheckpointedWork(true)
        try await Task.sleep(for: .milliseconds(120))
        state.setUncheckpointedWork(true)  // more work: the age still runs from the first
        let age = try #require(state.checkpointAgeSeconds)
        #expect(age >= 0.1 && age < 60)
        #expect(state.status.checkpointAgeSeconds.map { $0 >= age } == true)
        state.setUncheckpointedWork(false)
        #expect(state.checkpointAgeSeconds == 0)
    }

    /// A model whose predictions reach several of the member's shards (producers not
    /// keying by model) shows on `/v1/status` with its partitions, and is handed to the
    /// pipeline's warning once; a shard given up takes its models with it.
    @Test func modelsOnSeveralShardsAreReportedOnceAndShown() {
        let state = ServiceState()
        state.modelsMonitored(["fraud", "churn"], shard: 0)
        state.modelsMonitored(["credit"], shard: 2)
        #expect(state.status.modelsOnSeveralPartitions.isEmpty, "every model on one shard so far")
        #expect(state.takeNewlySpreadModels().isEmpty)
        state.modelsMonitored(["fraud", "credit"], shard: 2)
        state.modelsMonitored(["fraud"], shard: 1)
        #expect(state.status.modelsOnSeveralPartitions == ["fraud": [0, 1, 2]])
        let spread = state.takeNewlySpreadModels()
        #expect(spread.map(\.model) == ["fraud"] && spread.first?.partitions == [0, 1, 2])
        #expect(state.takeNewlySpreadModels().isEmpty, "handed out once")
        state.dropEngine(shard: 1)
        state.dropEngine(shard: 2)
        #expect(state.status.modelsOnSeveralPartitions.isEmpty)
        state.modelsMonitored(["fraud"], shard: 3)
        #expect(state.status.modelsOnSeveralPartitions == ["fraud": [0, 3]])
        #expect(state.takeNewlySpreadModels().isEmpty, "a model is warned about once in the service's life")
    }

    /// Features not in their version's reference, as `/v1/status` lists them: by model and
    /// version in order, a version on several shards with its values summed and its names
    /// joined in shard order up to the cap; a shard given up or reporting none takes its own away.
    @Test func featuresNotInReferenceAreMergedOverShards() {
        typealias Entry = FeaturesNotInReference
        let state = ServiceState()
        #expect(state.status.featuresNotInReference.isEmpty)
        state.featuresNotInReference([Entry(model: "fraud", version: "v2", features: ["b", "a"], values: 5),
                                      Entry(model: "churn", version: "v1", features: ["x"], values: 1)], shard: 2)
        let many = (0..<40).map { "n\($0)" }
        state.featuresNotInReference([Entry(model: "fraud", version: "v2", features: ["a", "c"] + many, values: 7),
                                      Entry(model: "fraud", version: "v1", features: ["z"], values: 3)], shard: 0)
        let merged = state.status.featuresNotInReference
        #expect(merged.map { "\($0.model)/\($0.version)" } == ["churn/v1", "fraud/v1", "fraud/v2"])
        #expect(merged[2].values == 12)
        #expect(merged[2].features == Array((["a", "c"] + many + ["b"]).prefix(UnreferencedFeatures.maximumNames)),
                "shard 0's names first, then shard 2's new ones, up to the cap")
        state.dropEngine(shard: 0)
        #expect(state.status.featuresNotInReference == [Entry(model: "churn", version: "v1", features: ["x"], values: 1),
                                                        Entry(model: "fraud", version: "v2", features: ["b", "a"], values: 5)])
        state.featuresNotInReference([], shard: 2)
        #expect(state.status.featuresNotInReference.isEmpty)
    }

    @Test func latencySummaryUsesNearestRankOverTheMostRecentSamples() {
        let state = ServiceState()
        #expect(state.status.outputLatency == nil)
        state.recordOutputLatency(milliseconds: Array(1...100))
        #expect(state.status.outputLatency == LatencySummary(samples: 100, p50: 50, p99: 99, max: 100))
        // Only the last `latencySamples` count: older ones are overwritten.
        state.recordOutputLatency(milliseconds: Array(repeating: 7, count: ServiceState.latencySamples))
        #expect(state.status.outputLatency == LatencySummary(samples: ServiceState.latencySamples, p50: 7, p99: 7, max: 7))
    }

    /// Engine counts add up over the shards and survive an engine's retirement (rules
    /// reloaded): what `/metrics` and `/v1/status` report, mismatched labels and the label
    /// join's outcomes included.
    @Test func engineCountsAddUpOverShardsAndRetiredEngines() {
        let state = ServiceState()
        var engine = MonitorEngine.Counters()
        engine.mismatchedLabels = 2
        engine.lateLabels = 3
        engine.labelsAfterDetectors = 4
        engine.retrainTriggersInCooldown = 1
        engine.belowCoveragePerformanceEvaluations = 2
        var join = LabelJoin<JoinedPrediction>.Counters()
        join.joined = 10
        join.unmatchedLabels = 4
        state.updateEngineCounters(shard: 0, engine, join: join)
        state.updateEngineCounters(shard: 1, engine, join: join)
        state.retireEngine(shard: 1)
        engine.mismatchedLabels = 1
        engine.lateLabels = 0
        join.expiredPredictions = 7
        state.updateEngineCounters(shard: 1, engine, join: join)
        let totals = state.engineCountTotals
        #expect(totals.mismatchedLabels == 5 && totals.late["labels"] == 6 && totals.late["labels_for_detectors"] == 12)
        #expect(totals.labelJoin["joined"] == 30 && totals.labelJoin["unmatched_labels"] == 12 && totals.labelJoin["expired_predictions"] == 7)
        #expect(Set(totals.labelJoin.keys) == ["joined", "joined_after_waiting", "duplicate_predictions", "duplicate_labels",
                                               "expired_predictions", "unmatched_labels"])
        #expect(state.status.counters.mismatchedLabels == 5)
        #expect(state.status.counters.labelJoin == totals.labelJoin)
        #expect(totals.retrainTriggersInCooldown == 3 && totals.belowCoverageEvaluations == 6, "what replay's run summary says, summed")
    }
}
