import DriftCore
import MonitorCore
import Foundation

/// `driftwatch report`: one self-contained HTML page (inline CSS, SVG and script; nothing
/// fetched) of a replayed history. Deterministic: the same history and rules give the same
/// bytes (times are event times, printed in UTC).
package struct HTMLReport {
    package var title: String
    package var inputs: [String]
    package var history: HistoryCollector
    package var rules: RuleSet
    package var activity: [RuleActivity]
    /// A threshold sweep of one rule, drawn after the overview.
    package var sweep: SweepChart?
    /// The reference profile's spread of each metric over its chunks, drawn as a ± k σ band.
    package var reference: ReferenceValues?
    /// Reference against window distributions of features where drift alerts fired.
    package var distributions: FeatureDistributions?
    /// Regression model versions' residuals over the history (and the reference's).
    package var residuals: ResidualDistributions?

    /// The k of the band: that of a `sigma` rule watching the chart, else this.
    static let defaultBandSigmas = 2.0

    package init(title: String, inputs: [String], history: HistoryCollector, rules: RuleSet, activity: [RuleActivity], sweep: SweepChart? = nil) {
        self.title = title
        self.inputs = inputs
        self.history = history
        self.rules = rules
        self.activity = activity
        self.sweep = sweep
    }

    /// Alert timeline lanes shown at most (the rest are counted).
    static let maximumLanes = 80

    package func render() -> String {
        var page = HTMLPage()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
        page.element("title", title)
        page.raw("<style>\(Self.style)</style></head><body>\n")
        page.raw("<header><h1>")
        page.text(title)
        page.raw("</h1><p class=\"meta\">")
        page.text("\(inputs.joined(separator: ", ")) · \(span) · rules digest \(rules.rulesDigest)")
        page.raw("</p><input id=\"filter\" type=\"search\" placeholder=\"filter charts (feature, metric, rule)\"></header>\n<main>\n")
        overview(&page)
        sweep?.render(into: &page)
        let matcher = RuleMatcher(rules: rules.rules, seriesKeys: history.series.keys)
        for modelVersion in history.modelVersions { versionSection(modelVersion, matcher: matcher, into: &page) }
        skipped(&page)
        page.raw("</main>\n<script>\(Self.script)</script>\n</body></html>\n")
        return page.html
    }

    private var range: (Int64, Int64) {
        history.first <= history.last ? (history.first, max(history.last, history.first + 1)) : (0, 1)
    }

    private var span: String {
        guard history.first <= history.last else { return "no evaluated windows" }
        return "\(ReportTime.text(history.first)) – \(ReportTime.text(history.last)) (event time, UTC)"
    }

    private func severity(of rule: String) -> Severity { rules.rule(named: rule)?.severity ?? .warning }

    // MARK: Overview

    private func overview(_ page: inout HTMLPage) {
        page.raw("<section id=\"overview\"><h2>Overview</h2>\n<table class=\"summary\"><tr><th>model</th><th>version</th><th>series</th><th>alert episodes</th><th>rules firing</th></tr>")
        for modelVersion in history.modelVersions {
            let episodes = history.episodes.episodes.filter { $0.model == modelVersion.model && $0.version == modelVersion.version }
            let series = history.series.keys.filter { $0.model == modelVersion.model && $0.version == modelVersion.version }.count
            page.raw("<tr><td>")
            page.text(modelVersion.model)
            page.raw("</td><td><a href=\"#\(HTMLPage.anchor(modelVersion))\">")
            page.text(modelVersion.version)
            page.raw("</a></td><td>\(series)</td><td>\(episodes.count)</td><td>")
            page.text(Set(episodes.map(\.rule)).sorted().joined(separator: ", "))
            page.raw("</td></tr>")
        }
        page.raw("</table>\n<h3>Alert timeline</h3>\n")
        timeline(&page)
        var notes: [String] = []
        if history.episodes.overflow > 0 { notes.append("\(history.episodes.overflow) alert episodes past the cap are not shown") }
        if history.seriesOverflow > 0 { notes.append("\(history.seriesOverflow) metric lines of series past the cap of \(history.maximumSeries) are not shown") }
        for note in notes { page.element("p", note, attributes: "class=\"note\"") }
        page.raw("</section>\n")
    }

    private func timeline(_ page: inout HTMLPage) {
        struct Lane: Hashable, Comparable {
            var model: String, version: String, rule: String, subject: String
            static func < (a: Lane, b: Lane) -> Bool { (a.model, a.version, a.rule, a.subject) < (b.model, b.version, b.rule, b.subject) }
        }
        var lanes: [Lane: [AlertEpisode]] = [:]
        for episode in history.episodes.episodes {
            lanes[Lane(model: episode.model, version: episode.version, rule: episode.rule, subject: episode.subject), default: []].append(episode)
        }
        let sorted = lanes.keys.sorted()
        guard !sorted.isEmpty else {
            page.element("p", "No alert fired over the history.", attributes: "class=\"note\" id=\"no-alerts\"")
            return
        }
        let shown = sorted.prefix(Self.maximumLanes)
        let labelWidth = 330.0, width = 1100.0, laneHeight = 16.0
        let height = Double(shown.count) * laneHeight + 24
        let axis = TimeAxis(range: range, left: labelWidth, right: width - 10)
        page.raw("<svg id=\"alert-timeline\" class=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\">")
        for (row, lane) in shown.enumerated() {
            let y = Double(row) * laneHeight
            page.raw("<text x=\"4\" y=\"\(SVG.n(y + 12))\" class=\"lane\">")
            page.text("\(lane.model)/\(lane.version) · \(lane.rule) · \(lane.subject)")
            page.raw("</text>")
            for episode in lanes[lane]! {
                let x0 = axis.x(episode.start), x1 = max(axis.x(episode.end(or: range.1)), x0 + 2)
                page.raw("<rect class=\"episode \(severity(of: lane.rule).rawValue)\" x=\"\(SVG.n(x0))\" y=\"\(SVG.n(y + 2))\" width=\"\(SVG.n(x1 - x0))\" height=\"\(SVG.n(laneHeight - 4))\"><title>")
                page.text("\(lane.rule) on \(lane.subject): \(ReportTime.text(episode.start)) – \(episode.end.map(ReportTime.text) ?? "still firing")")
                page.raw("</title></rect>")
            }
        }
        axis.ticks(y: height - 20, height: height - 20, into: &page)
        page.raw("</svg>\n")
        if sorted.count > shown.count { page.element("p", "\(sorted.count - shown.count) more alert lanes not drawn", attributes: "class=\"note\"") }
    }

    // MARK: Per model version

    private func versionSection(_ modelVersion: ModelVersion, matcher: RuleMatcher, into page: inout HTMLPage) {
        page.raw("<section class=\"version\" id=\"\(HTMLPage.anchor(modelVersion))\"><h2>")
        page.text("\(modelVersion.model) / \(modelVersion.version)")
        page.raw("</h2>\n")
        let keys = history.series.keys.filter { $0.model == modelVersion.model && $0.version == modelVersion.version }.sorted()
        for section in ReportSection.allCases {
            let charted = keys.filter { ReportSection(metric: $0.metric) == section && (ReportSection.alwaysCharted.contains($0.metric) || !matcher.rules(watching: $0).isEmpty) }
            page.raw("<h3 class=\"section-\(section.sectionID)\">\(section.rawValue)</h3>\n")
            if section == .drift {
                if let distributions {
                    distributions.render(model: modelVersion.model, version: modelVersion.version, into: &page)
                } else {
                    page.element("p", "Per-feature reference and window distributions need a profile file (report --reference profile.json).", attributes: "class=\"note\"")
                }
            }
            if charted.isEmpty {
                page.element("p", "No \(section.rawValue.lowercased()) metric is watched by a rule for this version.", attributes: "class=\"note\"")
            } else {
                page.raw("<div class=\"grid\">\n")
                for key in charted { chart(key, rules: matcher.rules(watching: key), section: section, into: &page) }
                page.raw("</div>\n")
            }
            if section == .performance { residuals?.render(modelVersion, into: &page) }
            if section == .fairness { fairnessTable(modelVersion, into: &page) }
        }
        page.raw("</section>\n")
    }

    private func chart(_ key: SeriesKey, rules watching: [Rule], section: ReportSection, into page: inout HTMLPage) {
        let series = history.series[key]!
        let episodes = history.episodes.episodes.filter {
            $0.model == key.model && $0.version == key.version && $0.subject == key.subject && watching.map(\.name).contains($0.rule)
        }
        let lines = watching.compactMap { rule -> (Rule, Double)? in
            if case let .absolute(_, threshold) = rule.condition { return (rule, threshold) }
            return nil
        }
        let marks = history.thresholdMarks.filter {
            $0.model == key.model && $0.version == key.version && $0.subject == key.subject && watching.map(\.name).contains($0.rule)
        }
        // The reference spread: drift statistics' is one band; performance metrics' σ is scaled to each point's labelled predictions.
        let sigmas = watching.lazy.compactMap { rule -> Double? in
            if case let .statistical(k, _) = rule.condition { return k }
            return nil
        }.first ?? Self.defaultBandSigmas
        let usable = reference.flatMap { $0.applies(model: key.model, version: key.version) ? $0 : nil }
        let observed = series.buckets.flatMap { $0.valued > 0 ? [$0.minimum, $0.maximum] : [] }
        // A band of a statistic that is never negative (PSI, distances) stops at 0.
        let floor = min(0, observed.min() ?? 0)
        let bandPoints: [(time: Int64, low: Double, high: Double, band: ChunkStatistic)] = usable.map { reference in
            series.buckets.compactMap { bucket in
                guard let samples = bucket.meanSamples, let band = reference.band(metric: key.metric, subject: key.subject, samples: samples) else { return nil }
                return (bucket.last, max(band.mean - sigmas * band.standardDeviation, floor), band.mean + sigmas * band.standardDeviation, band)
            }
        } ?? []
        let bandEdges = bandPoints.flatMap { [$0.low, $0.high] }
        let values = observed + lines.map(\.1) + marks.map(\.threshold) + bandEdges
        // Drift and quality statistics start at 0 ("no effect"); performance and fairness zoom on their range.
        let zoomed = section == .performance || section == .fairness
        let low = zoomed ? (values.min() ?? 0) : min(values.min() ?? 0, 0), high = max(values.max() ?? 1, low + 1e-9)
        let padding = (high - low) * 0.08
        let width = 540.0, height = 150.0, left = 48.0, right = 532.0, top = 8.0, bottom = 128.0
        let axis = TimeAxis(range: range, left: left, right: right)
        func y(_ value: Double) -> Double { bottom - (value - low) / (high + padding - low) * (bottom - top) }

        let ruleNames = watching.map(\.name).joined(separator: " ")
        page.raw("<figure class=\"chart-card\" data-search=\"")
        page.text("\(key.metric) \(key.subject) \(ruleNames)".lowercased())
        page.raw("\"><figcaption><b>")
        page.text(key.metric)
        page.raw("</b> · ")
        page.text(key.subject)
        if let latest = series.latest { page.raw(" <span class=\"latest\">last \(SVG.value(latest))</span>") }
        page.raw("</figcaption><svg class=\"chart \(section.sectionID)\" id=\"chart-\(HTMLPage.anchor(key))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\">")
        if let firstBand = bandPoints.first?.band {
            // One band across the chart for a constant spread, else a polygon through each point's band.
            let constant = bandPoints.allSatisfy { $0.band == firstBand }
            let upper = constant ? [(range.0, bandPoints[0].high), (range.1, bandPoints[0].high)] : bandPoints.map { ($0.time, $0.high) }
            let lower = constant ? [(range.1, bandPoints[0].low), (range.0, bandPoints[0].low)] : bandPoints.reversed().map { ($0.time, $0.low) }
            page.raw("<polygon class=\"sigma-band\" points=\"\((upper + lower).map { "\(SVG.n(axis.x($0.0))),\(SVG.n(y($0.1)))" }.joined(separator: " "))\"><title>")
            page.text("reference chunks: mean \(SVG.value(firstBand.mean)) ± \(SVG.value(sigmas)) σ" + (constant ? " (σ = \(SVG.value(firstBand.standardDeviation)))" : ", σ scaled to each window's labelled predictions"))
            page.raw("</title></polygon>")
        }
        for episode in episodes {
            let x0 = axis.x(episode.start), x1 = max(axis.x(episode.end(or: range.1)), x0 + 2)
            page.raw("<rect class=\"episode-band \(severity(of: episode.rule).rawValue)\" x=\"\(SVG.n(x0))\" y=\"\(SVG.n(top))\" width=\"\(SVG.n(x1 - x0))\" height=\"\(SVG.n(bottom - top))\"><title>")
            page.text("\(episode.rule) firing \(ReportTime.text(episode.start)) – \(episode.end.map(ReportTime.text) ?? "end")")
            page.raw("</title></rect>")
        }
        // Envelope (min–max of merged windows), then the mean line, broken where the metric was undefined.
        var upper: [String] = [], lower: [String] = [], segments: [[String]] = [[]]
        for bucket in series.buckets {
            guard let mean = bucket.mean else {
                if !segments[segments.count - 1].isEmpty { segments.append([]) }
                continue
            }
            let x = axis.x(bucket.last)
            upper.append("\(SVG.n(x)),\(SVG.n(y(bucket.maximum)))")
            lower.insert("\(SVG.n(x)),\(SVG.n(y(bucket.minimum)))", at: 0)
            segments[segments.count - 1].append("\(SVG.n(x)),\(SVG.n(y(mean)))")
        }
        if series.windowsPerBucket > 1, !upper.isEmpty { page.raw("<polygon class=\"envelope\" points=\"\((upper + lower).joined(separator: " "))\"/>") }
        for segment in segments where !segment.isEmpty {
            page.raw(segment.count == 1 ? "<circle class=\"dot\" cx=\"\(segment[0].split(separator: ",")[0])\" cy=\"\(segment[0].split(separator: ",")[1])\" r=\"2\"/>"
                     : "<polyline class=\"series\" points=\"\(segment.joined(separator: " "))\"/>")
        }
        for (rule, threshold) in lines {
            page.raw("<line class=\"threshold\" x1=\"\(SVG.n(left))\" x2=\"\(SVG.n(right))\" y1=\"\(SVG.n(y(threshold)))\" y2=\"\(SVG.n(y(threshold)))\"><title>")
            page.text("\(rule.name): \(rule.condition)")
            page.raw("</title></line>")
        }
        for mark in marks {
            page.raw("<path class=\"threshold-mark\" d=\"M\(SVG.n(axis.x(mark.at) - 5)),\(SVG.n(y(mark.threshold)))h10\"><title>")
            page.text("\(mark.rule) threshold \(SVG.value(mark.threshold)) at \(ReportTime.text(mark.at))")
            page.raw("</title></path>")
        }
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left - 4))\" y=\"\(SVG.n(top + 8))\" text-anchor=\"end\">\(SVG.value(high + padding))</text>")
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left - 4))\" y=\"\(SVG.n(bottom))\" text-anchor=\"end\">\(SVG.value(low))</text>")
        axis.ticks(y: bottom, height: bottom - top, into: &page)
        page.raw("</svg><p class=\"legend\">")
        if watching.isEmpty { page.text("not watched by a rule") }
        for rule in watching {
            page.raw("<span class=\"rule-name\">")
            page.text(rule.name)
            page.raw("</span> ")
            page.text(rule.condition.description)
            if rule.condition.isStatistical || rule.condition.needsReferenceValue { page.text(" (threshold from the reference: marked where alerts fired or resolved)") }
            page.raw(" ")
        }
        if series.windowsPerBucket > 1 { page.text("· \(series.windowsPerBucket) windows per point, band = min–max") }
        if let band = bandPoints.first?.band { page.text(" · grey band: reference mean \(SVG.value(band.mean)) ± \(SVG.value(sigmas)) σ") }
        page.raw("</p></figure>\n")
    }

    private func fairnessTable(_ modelVersion: ModelVersion, into page: inout HTMLPage) {
        let snapshots = history.fairnessSnapshots.filter { $0.model == modelVersion.model && $0.version == modelVersion.version }
        guard !snapshots.isEmpty else {
            page.element("p", "No fairness alert fired: per-group rates are shown here when one does.", attributes: "class=\"note\"")
            return
        }
        page.raw("<table class=\"fairness\"><tr><th>alert</th><th>segment</th><th>at</th><th>group</th><th>n</th><th>selection rate</th><th>95 % Wilson interval</th><th></th></tr>")
        for snapshot in snapshots {
            for group in snapshot.groups {
                let interval = WilsonInterval(successes: UInt64(max(0, (group.rate * Double(group.count)).rounded())), trials: UInt64(max(0, group.count)))
                page.raw("<tr><td>")
                page.text(snapshot.rule)
                page.raw("</td><td>")
                page.text(snapshot.subject)
                page.raw("</td><td>\(ReportTime.text(snapshot.at))</td><td>")
                page.text(group.name)
                page.raw("</td><td>\(group.count)</td><td>\(SVG.value(group.rate))</td><td>")
                page.raw(interval.map { "[\(SVG.value($0.lower)), \(SVG.value($0.upper))]" } ?? "–")
                page.raw("</td><td>")
                if let interval {
                    page.raw("<svg class=\"wilson\" viewBox=\"0 0 120 12\" width=\"120\" height=\"12\"><line x1=\"0\" x2=\"120\" y1=\"6\" y2=\"6\" class=\"axis\"/>"
                             + "<line class=\"ci\" x1=\"\(SVG.n(interval.lower * 120))\" x2=\"\(SVG.n(interval.upper * 120))\" y1=\"6\" y2=\"6\"/>"
                             + "<circle class=\"dot\" cx=\"\(SVG.n(group.rate * 120))\" cy=\"6\" r=\"3\"/></svg>")
                }
                page.raw("</td></tr>")
            }
        }
        page.raw("</table>\n")
    }

    // MARK: Skipped evaluations

    private func skipped(_ page: inout HTMLPage) {
        page.raw("<section id=\"evaluations\"><h2>Rule evaluations</h2>\n<table class=\"summary\"><tr><th>rule</th><th>judged</th><th>too few samples</th><th>no value</th><th>no reference value</th><th>attribute missing</th><th>held as noise</th><th>firings</th><th>flaps</th></tr>")
        for rule in activity {
            page.raw("<tr class=\"\(rule.skipped > rule.evaluated ? "blind" : "")\"><td>")
            page.text(rule.rule)
            page.raw("</td><td>\(rule.evaluated)</td><td>\(rule.skippedForTooFewSamples)\(rule.medianSkippedSamples.map { " (median \($0) &lt; \(rule.minSamples))" } ?? "")</td>"
                     + "<td>\(rule.skippedForNoValue)</td><td>\(rule.skippedForNoReference)</td><td>\(rule.skippedForMissingAttribute)</td><td>\(rule.heldAsNoise)</td><td>\(rule.firings)</td><td>\(rule.flaps)</td></tr>")
        }
        page.raw("</table></section>\n")
    }

    // MARK: Assets

    static let style = """
    :root{--fg:#1d2433;--muted:#667085;--line:#2563eb;--warn:#f59e0b;--crit:#dc2626;--info:#0ea5e9;--bg:#f7f8fa}
    body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
    header{background:#111827;color:#fff;padding:14px 24px;position:sticky;top:0;z-index:2;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
    header h1{font-size:18px;margin:0}header .meta{color:#cbd5e1;margin:0;flex:1;font-size:12px}
    #filter{padding:4px 8px;border-radius:4px;border:0;min-width:260px}
    main{padding:8px 24px 40px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 18px 16px;margin:16px 0}
    h2{font-size:17px;margin:10px 0}h3{font-size:14px;margin:18px 0 6px;color:#374151;border-bottom:1px solid #e5e7eb;padding-bottom:3px}
    table{border-collapse:collapse;font-size:12px}td,th{padding:3px 8px;border-bottom:1px solid #eef0f3;text-align:left}th{color:var(--muted);font-weight:600}
    tr.blind td{color:var(--crit)}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:10px}
    figure{margin:0;border:1px solid #eef0f3;border-radius:6px;padding:6px 8px}figcaption{font-size:12px}
    .latest{color:var(--muted);float:right}.legend{margin:2px 0 0;font-size:11px;color:var(--muted)}.rule-name{color:var(--fg);font-weight:600}
    .note{color:var(--muted);font-size:12px}
    svg text{font-size:10px;fill:var(--muted)}svg text.lane{font-size:11px;fill:var(--fg)}
    .series{fill:none;stroke:var(--line);stroke-width:1.4}.dot{fill:var(--line)}.envelope{fill:var(--line);opacity:.15}
    .threshold{stroke:var(--crit);stroke-dasharray:5 3;stroke-width:1.2}.threshold-mark{stroke:var(--crit);stroke-width:2.5}
    .episode-band{opacity:.16}.episode-band.warning,.episode.warning{fill:var(--warn)}.episode-band.critical,.episode.critical{fill:var(--crit)}.episode-band.info,.episode.info{fill:var(--info)}
    .gridline{stroke:#eef0f3}.axis{stroke:#d0d5dd}.ci{stroke:var(--line);stroke-width:3}
    .sigma-band{fill:#64748b;opacity:.13}.bar.reference{fill:#94a3b8}.bar.window{fill:var(--line)}h4{font-size:13px;margin:10px 0 6px}
    .sweep-line{fill:none;stroke-width:1.6}.sweep-line.q1{stroke-dasharray:4 3}circle.sweep-line{fill:#fff}
    .sweep-line.f0{stroke:#2563eb}.sweep-line.f1{stroke:#16a34a}.sweep-line.f2{stroke:#9333ea}.sweep-line.f3{stroke:#ea580c}.sweep-table{font-size:11px;overflow:auto}
    """

    static let script = """
    (function(){
      var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message));document.body.setAttribute('data-errors',errors.join(' | '));});
      var input=document.getElementById('filter');
      input.addEventListener('input',function(){
        var q=input.value.trim().toLowerCase();
        document.querySelectorAll('figure.chart-card').forEach(function(card){
          card.style.display=(!q||card.getAttribute('data-search').indexOf(q)>=0)?'':'none';
        });
      });
      document.body.setAttribute('data-charts',String(document.querySelectorAll('svg.chart').length));
      document.body.setAttribute('data-ready','1');
    })();
    """
}

private extension ReportSection {
    var sectionID: String {
        switch self {
        case .drift: "drift"
        case .performance: "performance"
        case .fairness: "fairness"
        case .quality: "quality"
        }
    }
}

/// A time axis: event time to x, with a few date ticks.
struct TimeAxis {
    var range: (Int64, Int64)
    var left: Double
    var right: Double

    func x(_ time: Int64) -> Double {
        let share = Double(time - range.0) / Double(max(1, range.1 - range.0))
        return left + min(1, max(0, share)) * (right - left)
    }

    func ticks(y: Double, height: Double, into page: inout HTMLPage) {
        page.raw("<line class=\"axis\" x1=\"\(SVG.n(left))\" x2=\"\(SVG.n(right))\" y1=\"\(SVG.n(y))\" y2=\"\(SVG.n(y))\"/>")
        for index in 0...4 {
            let time = range.0 + (range.1 - range.0) * Int64(index) / 4
            let xPosition = x(time)
            page.raw("<line class=\"gridline\" x1=\"\(SVG.n(xPosition))\" x2=\"\(SVG.n(xPosition))\" y1=\"\(SVG.n(y - height))\" y2=\"\(SVG.n(y))\"/>")
            let anchor = index == 0 ? "start" : index == 4 ? "end" : "middle"
            page.raw("<text class=\"tick\" x=\"\(SVG.n(xPosition))\" y=\"\(SVG.n(y + 12))\" text-anchor=\"\(anchor)\">\(ReportTime.short(time))</text>")
        }
    }
}

/// Numbers as the SVG and tables write them (locale-independent, short).
enum SVG {
    static func n(_ value: Double) -> String { String(format1: value) }

    static func value(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 1 : magnitude >= 1 ? 3 : 4
        var text = String(format: "%.\(decimals)f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// Event times in UTC.
enum ReportTime {
    private static func components(_ milliseconds: Int64) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    static func text(_ milliseconds: Int64) -> String {
        let c = components(milliseconds)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    static func short(_ milliseconds: Int64) -> String {
        let c = components(milliseconds)
        return String(format: "%02d-%02d %02d:%02d", c.month!, c.day!, c.hour!, c.minute!)
    }
}

/// An HTML page being written, text escaped.
struct HTMLPage {
    private(set) var html = ""

    mutating func raw(_ markup: String) { html += markup }

    mutating func text(_ text: String) {
        for character in text {
            switch character {
            case "&": html += "&amp;"
            case "<": html += "&lt;"
            case ">": html += "&gt;"
            case "\"": html += "&quot;"
            default: html.append(character)
            }
        }
    }

    mutating func element(_ name: String, _ content: String, attributes: String = "") {
        raw("<\(name)\(attributes.isEmpty ? "" : " " + attributes)>")
        text(content)
        raw("</\(name)>")
    }

    /// An id from names: letters and digits kept, anything else as `-` plus its code.
    static func anchor(_ parts: String...) -> String {
        parts.map { part in
            part.unicodeScalars.map { scalar in
                (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) ? String(scalar) : "-\(scalar.value)"
            }.joined()
        }.joined(separator: "--")
    }

    static func anchor(_ modelVersion: ModelVersion) -> String { "v-" + anchor(modelVersion.model, modelVersion.version) }
    static func anchor(_ key: SeriesKey) -> String { anchor(key.model, key.version, key.metric, key.subject) }
}
