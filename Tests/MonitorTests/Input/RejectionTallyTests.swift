import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct RejectionTallyTests {
    @Test func aRunFailsOnlyAboveTheMaximumShare() {
        let tally = RejectionTally(accepted: 2, rejected: ["invalid_json": 5, "missing_field": 1, "implausible_timestamp": 1])
        #expect(tally.share == 7.0 / 9.0)
        #expect(tally.excess(maximumShare: 0.5) == [
            "7 of 9 records rejected (share 0.7778, more than the maximum 0.5); reasons:",
            "  invalid_json: 5",
            "  implausible_timestamp: 1",
            "  missing_field: 1",
        ])
        #expect(tally.excess(maximumShare: 7.0 / 9.0) == nil)
        #expect(RejectionTally(accepted: 1, rejected: ["invalid_json": 1]).excess(maximumShare: 0.5) == nil)
        #expect(RejectionTally(accepted: 0, rejected: [:]).excess(maximumShare: 0) == nil)
        #expect(RejectionTally(accepted: 9, rejected: ["invalid_json": 1]).excess(maximumShare: 0) != nil)
    }

    @Test func theEngineCountsWhatItRejected() {
        let engine = MonitorEngine(configuration: MonitorConfiguration(), rules: RuleSet(rules: [], files: []))
        let lines = [#"{"model":"m","id":"1","ts":1700000000000}"#, "not json", #"{"model":"m","ts":1700000000000}"#,
                     #"{"model":"m","id":"2","ts":1700000000}"#]
        for line in lines {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBufferPointer { _ = engine.process(message: UnsafeBufferPointer($0)) }
        }
        #expect(engine.counters.rejectionTally == RejectionTally(
            accepted: 1, rejected: ["invalid_json": 1, "missing_field": 1, "implausible_timestamp": 1]))
    }

    @Test func theConfigurationSetsTheMaximum() throws {
        #expect(try ConfigurationLoader.load(text: "limits: {max_rejected_share: 0.1}", path: "c.yaml").get().maximumRejectedShare == 0.1)
        #expect(try ConfigurationLoader.load(text: "limits: {max_features: 10}", path: "c.yaml").get().maximumRejectedShare == 0.5)
        #expect(ConfigurationLoader.load(text: "limits: {max_rejected_share: 1.5}", path: "c.yaml").failureErrors.map(\.description)
            == ["c.yaml:1:30: error: 'max_rejected_share' is out of range: 1.5 (expected a share in [0, 1])"])
    }
}
