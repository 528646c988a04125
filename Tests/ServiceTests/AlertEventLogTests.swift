@testable import Service
import Testing

@Suite struct AlertEventLogTests {
    @Test func keepsTheLatestEventPerAlertAndForgetsTheLeastRecentlyUpdatedOverCapacity() {
        let metrics = ServiceMetrics()
        let log = AlertEventLog(capacity: 2, metrics: metrics)
        log.record(fingerprint: "a", json: #"{"status":"firing"}"#)
        log.record(fingerprint: "b", json: #"{"status":"firing"}"#)
        log.record(fingerprint: "a", json: #"{"status":"resolved"}"#)  // a is now the most recent
        #expect(log.latest(fingerprint: "a") == #"{"status":"resolved"}"#)
        log.record(fingerprint: "c", json: "{}")
        #expect(log.latest(fingerprint: "b") == nil)
        #expect(log.latest(fingerprint: "a") != nil && log.latest(fingerprint: "c") == "{}")
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("driftwatch_alert_events_forgotten_total 1\n"))
    }
}
