import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

/// Reference values from a profile file in the wide CSV (`reference:`, `reference_mean:`,
/// `reference_sd:` columns) and as ± k σ bands in the report, with the feature
/// distributions, rendered in headless Chromium.
@Suite(.serialized) struct ReferenceValuesTests {
    struct Fixture {
        var document: ProfileDocument
        var lines: [[UInt8]]
        var run: AnalysisReplay.Run
    }

    /// A profile of a stable simulated stream (labelled), then the mixed stream (every kind of change) replayed against it.
    static let fixture: Fixture = {
        let decoder = EventDecoder()
        let (reference, _) = AnalysisReplay.simulatedLines("stable", events: 20_000, seed: 11)
        let events = reference.compactMap { try? decoder.decode($0).get() }
        var profiler = LabelledDatasetProfiler(try! DatasetProfiler())
        for event in events { profiler.add(event) }
        let document = profiler.document(model: "credit-risk", version: "v1") { add in
            for case let .prediction(prediction) in events { add(prediction) }
        }
        var configuration = AnalysisReplay.configuration()
        configuration.references.set(document, identifier: "profile.json")
        let (lines, _) = AnalysisReplay.simulatedLines("mixed", events: 40_000, seed: 12)
        return Fixture(document: document, lines: lines, run: AnalysisReplay.run(lines, rules: AnalysisReplay.defaultRules, configuration: configuration))
    }()

    @Test func wideCSVCarriesTheProfilesValuesAndSpreads() throws {
        let fixture = Self.fixture
        let outcomes = try #require(fixture.document.outcomes)
        let chunks = try #require(fixture.document.chunks)
        var wide = WideMetricsCSV(reference: ReferenceValues(fixture.document))
        for record in fixture.run.records { wide.add(record) }
        let csv = wide.text().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = csv[0], body = csv.dropFirst()
        let end = try #require(header.firstIndex(of: "window_end"))
        let accuracy = try #require(header.firstIndex(of: "reference:accuracy:model"))
        let accuracySD = try #require(header.firstIndex(of: "reference_sd:accuracy:model"))
        let psiMean = try #require(header.firstIndex(of: "reference_mean:psi:score"))
        let psiSD = try #require(header.firstIndex(of: "reference_sd:psi:score"))
        #expect(header.firstIndex(of: "reference:missing_rate:f_income") != nil)
        // Reference columns come after every metric column, before the firing flags.
        #expect(header.firstIndex(of: "psi:score")! < psiMean && header.lastIndex { !$0.hasPrefix("firing:") }! < header.firstIndex { $0.hasPrefix("firing:") } ?? header.count)
        let psi = try #require(chunks.statistics[MetricKey(.score, .psi)])
        let accuracyChunks = try #require(outcomes.chunks[.accuracy])
        var performanceRows = 0
        for case let .metric(point) in fixture.run.records where point.subject == "model" && point.metric == "accuracy" && point.samples > 0 {
            let row = try #require(body.first { $0[end] == "\(point.windowEnd)" && $0[2] == "performance" })
            #expect(row[accuracy] == JSONWriter.number(outcomes.performance.accuracy!))
            let expected = accuracyChunks.standardDeviation * (Double(outcomes.chunkSize) / Double(point.samples)).squareRoot()
            #expect(abs(Double(row[accuracySD])! - expected) <= 1e-12 * expected, "σ scaled to \(point.samples) labelled predictions")
            performanceRows += 1
        }
        #expect(performanceRows > 3)
        let driftRows = body.filter { $0[2] == "drift" }
        #expect(!driftRows.isEmpty && driftRows.allSatisfy { $0[psiMean] == JSONWriter.number(psi.mean) && $0[psiSD] == JSONWriter.number(psi.standardDeviation) })
    }

    @Test func reportDrawsSigmaBandsAndDistributionsThatRenderInChromium() throws {
        let fixture = Self.fixture
        var history = HistoryCollector()
        for record in fixture.run.records { history.add(record) }
        var report = HTMLReport(title: "bands", inputs: ["mixed.jsonl"], history: history, rules: AnalysisReplay.defaultRules, activity: fixture.run.activity)
        let plain = report.render()
        report.reference = ReferenceValues(fixture.document)
        let distributions = FeatureDistributionsTests.distributions()
        report.distributions = distributions
        let html = report.render()
        #expect(!plain.contains("<svg class=\"distribution\""))
        #expect(HTMLReportTests.count("<svg class=\"distribution\"", in: html) == distributions.targets.count)
        #expect(!plain.contains("class=\"sigma-band\""))
        // Every charted statistic the profile measured a spread for gets its band; accuracy's follows each point's labelled predictions.
        let banded = HTMLReportTests.count("<polygon class=\"sigma-band\"", in: html)
        #expect(banded >= 10, "\(banded) bands")
        let accuracyChart = try #require(html.components(separatedBy: "id=\"chart-credit-45risk--v1--accuracy--model\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        #expect(accuracyChart.contains("σ scaled to each window's labelled predictions"))
        #expect(html.contains("reference chunks: mean \(SVG.value(fixture.document.chunks!.statistics[MetricKey(.score, .psi)]!.mean)) ± 2 σ"))

        let page = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-bands-\(ProcessInfo.processInfo.processIdentifier).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: page) }
        let (dom, log) = try HTMLReportTests.chromium(["--virtual-time-budget=3000", "--dump-dom", page.absoluteString])
        #expect(log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.isEmpty)
        #expect(dom.contains("data-ready=\"1\"") && HTMLReportTests.count("<polygon class=\"sigma-band\"", in: dom) == banded)
        #expect(HTMLReportTests.count("<svg class=\"distribution\"", in: dom) == distributions.targets.count)
        #expect(HTMLReportTests.count("<rect class=\"bar window\"", in: dom) >= 4 * distributions.targets.count)
    }
}
