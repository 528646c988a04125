import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// `driftwatch report` rendered in a real headless browser (Debian's `chromium`,
/// installed by `scripts/deps/chromium.sh`): no console errors, every section and the
/// expected charts present, a screenshot written (look at it; not pixel-compared).
@Suite(.serialized) struct HTMLReportTests {
    struct Rendered {
        var html: String
        var history: HistoryCollector
        var sweep: SweepChart
    }

    /// The simulated mixed stream (every kind of change) with the default rules, and in the
    /// same pass a sweep of ScoreDrift's threshold (as `report --sweep` runs it).
    static let rendered: Rendered = render()

    static func render() -> Rendered {
        let (lines, _) = AnalysisReplay.simulatedLines("mixed")
        var sweep = try! ThresholdSweep(rules: AnalysisReplay.defaultRules, rule: "ScoreDrift", thresholds: [0.02, 0.05, 0.2], forEvaluations: [1, 2])
        let clones = Set(sweep.ruleSet.rules.map(\.name))
        let rules = AnalysisReplay.defaultRules
        let run = AnalysisReplay.run(lines, rules: RuleSet(rules: rules.rules + sweep.ruleSet.rules, files: rules.files))
        var history = HistoryCollector()
        for record in run.records {
            sweep.add(record)
            if case let .alert(transition) = record, clones.contains(transition.rule) { continue }
            history.add(record)
        }
        let chart = SweepChart(rule: "ScoreDrift", results: sweep.results(activity: run.activity, incidents: []))
        let html = HTMLReport(title: "mixed stream", inputs: ["mixed.jsonl"], history: history, rules: rules,
                              activity: run.activity.filter { !clones.contains($0.rule) }, sweep: chart).render()
        return Rendered(html: html, history: history, sweep: chart)
    }

    static func chromium(_ arguments: [String]) throws -> (stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"] + arguments
        // stderr to a file, so neither pipe can fill up while the other is read.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-chromium-\(ProcessInfo.processInfo.processIdentifier).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "chromium failed (is it installed? scripts/deps/chromium.sh): \(stderr.suffix(500))"])
        }
        return (String(decoding: output, as: UTF8.self), stderr)
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func rendersInHeadlessChromiumWithEverySectionAndAScreenshot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-report-test")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("report.html")
        try Self.rendered.html.write(to: page, atomically: true, encoding: .utf8)

        let (dom, log) = try Self.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        let consoleLines = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "console output: \(consoleLines)")
        #expect(dom.contains("data-ready=\"1\""), "the page's script did not run to the end")
        #expect(!dom.contains("data-errors=\""), "script errors: \(dom.components(separatedBy: "data-errors=\"").dropFirst().first?.prefix(300) ?? "")")
        for section in ["id=\"overview\"", "id=\"alert-timeline\"", "class=\"version\"", "section-drift", "section-performance", "section-fairness",
                        "section-quality", "id=\"evaluations\"", "class=\"fairness\"", "id=\"threshold-sweep\"", "id=\"sweep-counts\"",
                        "id=\"sweep-firing\"", "class=\"sweep-table\""] {
            #expect(dom.contains(section), "missing \(section)")
        }
        // Every injected change shows in the timeline and on its chart.
        let charts = Self.count("<svg class=\"chart ", in: dom)
        #expect(dom.contains("data-charts=\"\(charts)\""))
        #expect(charts >= 30, "only \(charts) charts")
        #expect(Self.count("class=\"episode-band", in: dom) >= 8)
        #expect(Self.count("<rect class=\"episode ", in: dom) == Self.rendered.history.episodes.episodes.count)
        #expect(Self.count("<line class=\"threshold\"", in: dom) >= 20)
        for chart in ["psi--f-95income", "psi--score", "accuracy--model", "label-95coverage--model", "demographic-95parity-95ratio--gender", "missing-95rate-95delta--f-95age"] {
            #expect(dom.contains("id=\"chart-credit-45risk--v1--\(chart)\""), "no chart \(chart)")
        }

        // The sweep: a point per candidate and quantity (episodes, flaps, time firing), one line per quantity and `for`.
        #expect(Self.count("<circle class=\"sweep-line", in: dom) == 6 * 3)
        #expect(Self.count("<polyline class=\"sweep-line", in: dom) == 2 * 3)
        #expect(Self.rendered.sweep.results.map(\.episodes.count).reduce(0, +) > 0, "no candidate fired on the mixed stream")
        #expect(!dom.contains("ScoreDrift@0.02/for=1 on"), "the sweep's clones stay out of the alert timeline")

        let screenshot = directory.appendingPathComponent("report.png")
        try? FileManager.default.removeItem(at: screenshot)
        _ = try Self.chromium(["--window-size=1400,2400", "--screenshot=\(screenshot.path)", page.absoluteString])
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 50_000, "screenshot \(screenshot.path): \(png.count) bytes")
        print("report screenshot: \(screenshot.path)")
    }

    /// A regression model's report (the regression stream under its example rules): MAE,
    /// RMSE and bias charted over time in the performance section whether or not a rule
    /// watches them, residual drift and the regions' MAE gap in their sections, the residual
    /// distribution under performance; renders in Chromium without errors.
    @Test func aRegressionModelsPerformanceIsCharted() throws {
        let run = try StreamVectors.regression.replay()
        var history = HistoryCollector()
        for output in run.outputs { history.add(AnalysisRecord(output)) }
        var report = HTMLReport(title: "regression", inputs: ["regression.jsonl"], history: history, rules: StreamVectors.regression.rules,
                                activity: run.engine.ruleActivity)
        var residuals = ResidualDistributions(reference: nil)
        for event in try ResidualDistributionsTests.events() { residuals.add(event) }
        report.residuals = residuals
        let html = report.render()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-report-test")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("regression.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let (dom, log) = try Self.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        #expect(!log.split(separator: "\n").contains { $0.contains(":CONSOLE") } && dom.contains("data-ready=\"1\""))
        let performance = try #require(dom.components(separatedBy: "section-performance").dropFirst().first?.components(separatedBy: "section-fairness").first)
        for metric in ["mae", "rmse", "bias", "residual-95ks"] {
            #expect(performance.contains("id=\"chart-house-45price--v1--\(metric)--model\""), "no \(metric) chart in the performance section")
        }
        #expect(!performance.contains("--mape--model"), "MAPE is charted only when a rule watches it")
        let distribution = try #require(performance.components(separatedBy: "id=\"residuals-house-45price--v1\"").dropFirst().first?.components(separatedBy: "</svg>").first,
                                        "no residual distribution in the performance section")
        #expect(Self.count("<rect class=\"bar window\"", in: distribution) == ResidualDistributions.bins)
        let fairness = try #require(dom.components(separatedBy: "section-fairness").dropFirst().first)
        #expect(fairness.contains("chart-house-45price--v1--mae-95ratio--region"))
    }

    /// A multiclass classifier's report (the multiclass stream under its example rules but the
    /// accuracy and macro F1 ones: every class's recall, log loss and the channels' accuracy
    /// ratio watched, weighted F1 and class F1 not): accuracy and macro F1 charted in the
    /// performance section all the same, the per-class recall of every class and the log loss
    /// there too, the accuracy ratio under fairness, each class's share of the predictions
    /// (watched by `ClassShareDrop`) under drift; renders in Chromium without errors.
    @Test func aMulticlassModelsPerformanceIsCharted() throws {
        let run = try StreamVectors.multiclass.replay()
        var history = HistoryCollector()
        for output in run.outputs { history.add(AnalysisRecord(output)) }
        var rules = StreamVectors.multiclass.rules
        rules.rules.removeAll { ["MulticlassAccuracyDrop", "MacroF1Drop"].contains($0.name) }
        #expect(!rules.rules.contains { ["accuracy", "macro_f1"].contains($0.metric.name.rawValue) })
        let html = HTMLReport(title: "multiclass", inputs: ["multiclass.jsonl"], history: history, rules: rules,
                              activity: run.engine.ruleActivity).render()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-report-test")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let page = directory.appendingPathComponent("multiclass.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let (dom, log) = try Self.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        #expect(!log.split(separator: "\n").contains { $0.contains(":CONSOLE") } && dom.contains("data-ready=\"1\""))
        let performance = try #require(dom.components(separatedBy: "section-performance").dropFirst().first?.components(separatedBy: "section-fairness").first)
        for chart in ["accuracy--model", "macro-95f1--model", "log-95loss--model", "class-95recall--urgent", "class-95recall--routine", "class-95recall--refer"] {
            #expect(performance.contains("id=\"chart-triage--v1--\(chart)\""), "no \(chart) chart in the performance section")
        }
        #expect(!performance.contains("--weighted-95f1--model") && !performance.contains("--class-95f1--"), "only watched metrics beyond accuracy and macro F1")
        let fairness = try #require(dom.components(separatedBy: "section-fairness").dropFirst().first)
        #expect(fairness.contains("chart-triage--v1--accuracy-95ratio--channel"))
        let drift = try #require(dom.components(separatedBy: "section-drift").dropFirst().first?.components(separatedBy: "section-performance").first)
        for name in ["urgent", "routine", "refer"] { #expect(drift.contains("id=\"chart-triage--v1--class-95share--\(name)\""), "no \(name) share chart under drift") }
    }

    /// Performance estimated before labels is charted with performance; a class's share of
    /// the predictions with drift.
    @Test func estimatedPerformanceIsPerformanceAndClassSharesAreDrift() {
        for metric in EstimatedPerformanceMetric.allCases { #expect(ReportSection(metric: metric.rawValue) == .performance, "\(metric)") }
        #expect(ReportSection(metric: ClassShareMetric.share.rawValue) == .drift)
    }

    @Test func selfContainedDeterministicAndBounded() {
        let html = Self.rendered.html
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "the page refers to something outside itself")
        #expect(Self.render().html == html)
    }

    @Test func seriesAreDownsampledWithinTheirBound() {
        var series = MetricSeries(target: 10)
        for index in 0..<1_000 { series.add(Int64(index), index == 500 ? nil : Double(index % 7), samples: 10) }
        #expect(series.buckets.count <= 20 && series.buckets.count > 10)
        #expect(series.buckets.reduce(0) { $0 + $1.windows } == 1_000)
        #expect(series.buckets.reduce(0) { $0 + $1.valued } == 999)
        #expect(series.buckets.allSatisfy { $0.minimum == 0 && $0.maximum == 6 && $0.meanSamples == 10 })
        #expect(series.buckets.first?.first == 0 && series.buckets.last?.last == 999)
        var history = HistoryCollector(maximumSeries: 2)
        for metric in ["a", "b", "c"] {
            history.add(.metric(MetricPoint(evaluation: .drift, model: "m", version: "v", subject: "s", metric: metric, windowStart: 0, windowEnd: 1, value: 1, samples: 1)))
        }
        #expect(history.series.count == 2 && history.seriesOverflow == 1)
    }
}
