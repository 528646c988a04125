import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct LabelJoinTests {
    typealias Join = LabelJoin<String>
    let hour: Int64 = 3_600_000

    func configuration(ttl: Int64 = 10 * 3_600_000, maximumPending: Int = 1000, earlyWait: Int64 = 600_000, maximumEarly: Int = 1000) -> Join.Configuration {
        var configuration = Join.Configuration()
        configuration.timeToLiveMilliseconds = ttl
        configuration.maximumPendingPredictions = maximumPending
        configuration.earlyLabelWaitMilliseconds = earlyWait
        configuration.maximumEarlyLabels = maximumEarly
        return configuration
    }

    @Test func lateLabelJoinsItsPrediction() {
        var join = Join(configuration: configuration())
        #expect(join.addPrediction(id: "a", timestamp: 1000, payload: "A").joined == nil)
        let joined = join.addLabel(id: "a", timestamp: 5000, label: .class(1)).joined
        #expect(joined?.payload == "A" && joined?.label == .class(1) && joined?.predictionTimestamp == 1000 && joined?.labelTimestamp == 5000)
        #expect(join.counters.joined == 1)
    }

    /// The duplicate check's hash is reused only for the id it was computed for: a
    /// prediction added after a check of another id is filed under its own.
    @Test func aCheckedHashServesOnlyItsOwnID() {
        var join = Join(configuration: configuration())
        let firstCheck = join.isDuplicatePrediction(id: "pred-1")
        #expect(join.addPrediction(id: "pred-2", timestamp: 1000, payload: "B").joined == nil)
        let secondCheck = join.isDuplicatePrediction(id: "pred-1")
        let duplicateCheck = join.isDuplicatePrediction(id: "pred-2")
        #expect(!firstCheck && !secondCheck && duplicateCheck)
        #expect(join.addPrediction(id: "pred-1", timestamp: 1000, payload: "A").joined == nil)
        #expect(join.addLabel(id: "pred-2", timestamp: 2000, label: .class(1)).joined?.payload == "B")
        #expect(join.addLabel(id: "pred-1", timestamp: 2000, label: .class(0)).joined?.payload == "A")
        #expect(join.counters.joined == 2 && join.counters.duplicatePredictions == 1)
    }

    @Test func labelBeforePredictionWaitsBriefly() {
        var join = Join(configuration: configuration(earlyWait: 1000))
        #expect(join.addLabel(id: "a", timestamp: 100, label: .class(0)).joined == nil)
        #expect(join.addPrediction(id: "a", timestamp: 90, payload: "A").joined?.label == .class(0))
        #expect(join.counters.joinedAfterWaiting == 1)
        // A label whose prediction never comes is counted once its wait is over.
        _ = join.addLabel(id: "b", timestamp: 200, label: .class(1))
        _ = join.advance(to: 1200)
        #expect(join.counters.unmatchedLabels == 0)
        _ = join.advance(to: 1201)
        #expect(join.counters.unmatchedLabels == 1 && join.earlyLabelCount == 0)
        #expect(join.addPrediction(id: "b", timestamp: 1300, payload: "B").joined == nil)
    }

    @Test func predictionsExpireAfterTheirTimeToLive() {
        var join = Join(configuration: configuration(ttl: hour))
        _ = join.addPrediction(id: "a", timestamp: 0, payload: "A")
        _ = join.addPrediction(id: "b", timestamp: 10, payload: "B")
        _ = join.addLabel(id: "b", timestamp: 20, label: .class(1))
        #expect(join.advance(to: hour).isEmpty)
        let expired = join.advance(to: hour + 11)
        // Only the unlabelled one is reported; the labelled one just leaves.
        #expect(expired.map(\.payload) == ["A"])
        #expect(join.counters.expiredPredictions == 1 && join.pendingCount == 0)
        #expect(join.addLabel(id: "a", timestamp: hour + 12, label: .class(0)).joined == nil)  // too late: waits as an early label
    }

    @Test func duplicatesAreCountedNotJoinedTwice() {
        var join = Join(configuration: configuration())
        _ = join.addPrediction(id: "a", timestamp: 0, payload: "first")
        _ = join.addPrediction(id: "a", timestamp: 5, payload: "second")
        #expect(join.addLabel(id: "a", timestamp: 10, label: .class(1)).joined?.payload == "first")
        #expect(join.addLabel(id: "a", timestamp: 11, label: .class(0)).joined == nil)
        _ = join.addLabel(id: "z", timestamp: 12, label: .class(0))
        _ = join.addLabel(id: "z", timestamp: 13, label: .class(0))
        #expect(join.counters.duplicatePredictions == 1 && join.counters.duplicateLabels == 2 && join.counters.joined == 1)
    }

    @Test func capsEvictTheOldestAndCountIt() {
        var join = Join(configuration: configuration(maximumPending: 3, maximumEarly: 2))
        for index in 0..<3 { _ = join.addPrediction(id: "p\(index)", timestamp: Int64(index), payload: "P\(index)") }
        let result = join.addPrediction(id: "p3", timestamp: 3, payload: "P3")
        #expect(result.unlabelled.map(\.payload) == ["P0"])
        #expect(join.pendingCount == 3 && join.counters.evictedPredictions == 1)
        for index in 0..<3 { _ = join.addLabel(id: "l\(index)", timestamp: 10 + Int64(index), label: .class(1)) }
        #expect(join.earlyLabelCount == 2 && join.counters.evictedEarlyLabels == 1)
        #expect(join.addPrediction(id: "l0", timestamp: 20, payload: "L0").joined == nil)  // l0 was evicted
        #expect(join.addPrediction(id: "l2", timestamp: 21, payload: "L2").joined?.label == .class(1))
    }

    @Test func eventTimeNeverMovesBack() {
        var join = Join(configuration: configuration(ttl: 100))
        _ = join.addPrediction(id: "a", timestamp: 1000, payload: "A")
        _ = join.addPrediction(id: "old", timestamp: 10, payload: "OLD")  // out of order
        #expect(join.now == 1000)
        // Expiry follows arrival order: the out-of-order "old" leaves together with "a".
        #expect(join.advance(to: 1001).map(\.payload) == [])
        #expect(join.advance(to: 1101).map(\.payload).sorted() == ["A", "OLD"])
    }
}
