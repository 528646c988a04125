import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

/// `replay --metrics-csv`: one row per window, one column per metric and subject, firing flags.
@Suite struct WideMetricsCSVTests {
    @Test func rowsPerWindowColumnsPerMetricAndSubjectWithFiringFlags() throws {
        let (lines, manifest) = AnalysisReplay.simulatedLines("score_drift@0.5", events: 40_000)
        let run = AnalysisReplay.run(lines, rules: AnalysisReplay.defaultRules)
        var wide = WideMetricsCSV()
        for record in run.records { wide.add(record) }
        let csv = wide.text().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0]
        let body = csv.dropFirst()
        #expect(body.allSatisfy { $0.count == header.count })
        // One row per window and evaluation: as many as the long format has distinct windows.
        var windows = Set<String>()
        for case let .metric(point) in run.records { windows.insert("\(point.evaluation)|\(point.model)|\(point.version)|\(point.windowStart)|\(point.windowEnd)") }
        #expect(body.count == windows.count)
        let psi = try #require(header.firstIndex(of: "psi:score"))
        let firing = try #require(header.firstIndex(of: "firing:ScoreDrift:score"))
        let end = try #require(header.firstIndex(of: "window_end"))
        // Every long-format value is in its cell.
        for case let .metric(point) in run.records where point.metric == "psi" && point.subject == "score" {
            let row = try #require(body.first { $0[end] == "\(point.windowEnd)" && $0[2] == "drift" })
            #expect(row[psi] == point.value.map(JSONWriter.number) ?? "")
        }
        // The flag is 1 exactly from each episode's start to its end.
        let episodes = AnalysisReplay.episodes(run.records).filter { $0.rule == "ScoreDrift" }
        #expect(!episodes.isEmpty)
        for row in body where row[2] == "drift" {
            let time = Int64(row[end])!
            let inside = episodes.contains { time >= $0.start && time < ($0.end ?? .max) }
            #expect(row[firing] == (inside ? "1" : "0"), "window ending \(time)")
        }
        #expect(body.filter { $0[2] == "drift" && Int64($0[end])! < manifest.changes[0].startTimestamp }.allSatisfy { $0[firing] == "0" })
    }

    @Test func capsAreCounted() {
        var wide = WideMetricsCSV(maximumRows: 2, maximumColumns: 1)
        for (end, metric) in [(1, "a"), (1, "b"), (2, "a"), (3, "a")] {
            wide.add(.metric(MetricPoint(evaluation: .drift, model: "m", version: "v", subject: "s", metric: metric, windowStart: 0, windowEnd: Int64(end), value: 0.5, samples: 1)))
        }
        #expect(wide.rowOverflow == 1 && wide.columnOverflow == 1)
        #expect(wide.text() == "model,version,evaluation,window_start,window_end,a:s\nm,v,drift,0,1,0.5\nm,v,drift,0,2,0.5\n")
    }
}
