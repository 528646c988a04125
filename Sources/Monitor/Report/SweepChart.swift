import MonitorCore

/// The `tune` sweep of one rule drawn in the report (`report --sweep RULE --thresholds ...`):
/// against the candidate thresholds (evenly spaced, in the order given), one line per `for`
/// value of alert episodes and flaps, and of the share of the evaluated time firing, with
/// the sweep's table below. The candidates are bounded by what `tune` accepts on the
/// command line; nothing is sampled.
package struct SweepChart: Sendable {
    package var rule: String
    package var results: [ThresholdSweep.Result]

    package init(rule: String, results: [ThresholdSweep.Result]) {
        self.rule = rule
        self.results = results
    }

    /// One plotted quantity.
    private enum Quantity: String, CaseIterable {
        case episodes, flaps
        case firing = "time firing"

        func value(_ result: ThresholdSweep.Result) -> Double {
            switch self {
            case .episodes: Double(result.episodes.count)
            case .flaps: Double(result.flaps)
            case .firing: result.firingShare * 100
            }
        }
    }

    func render(into page: inout HTMLPage) {
        page.raw("<section id=\"threshold-sweep\"><h2>")
        page.text("Threshold sweep: \(rule)")
        page.raw("</h2>\n<div class=\"grid\">")
        let thresholds = results.map(\.candidate.threshold).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
        let fors = results.map(\.candidate.forEvaluations).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        chart(id: "sweep-counts", title: "alert episodes and flaps", quantities: [.episodes, .flaps], thresholds: thresholds, fors: fors, into: &page)
        chart(id: "sweep-firing", title: "share of time firing (%)", quantities: [.firing], thresholds: thresholds, fors: fors, into: &page)
        page.raw("</div>\n<pre class=\"sweep-table\">")
        page.text(SweepFormat.table.render(results))
        page.raw("</pre></section>\n")
    }

    private func chart(id: String, title: String, quantities: [Quantity], thresholds: [Double], fors: [Int], into page: inout HTMLPage) {
        let width = 540.0, height = 170.0, left = 48.0, right = 532.0, top = 8.0, bottom = 128.0
        let high = max(1, results.flatMap { result in quantities.map { $0.value(result) } }.max() ?? 1) * 1.08
        func x(_ threshold: Double) -> Double {
            let index = Double(thresholds.firstIndex(of: threshold) ?? 0)
            return thresholds.count < 2 ? (left + right) / 2 : left + 10 + index / Double(thresholds.count - 1) * (right - left - 20)
        }
        func y(_ value: Double) -> Double { bottom - value / high * (bottom - top) }
        page.raw("<figure class=\"sweep-card\"><figcaption><b>")
        page.text(title)
        page.raw("</b> vs threshold</figcaption><svg class=\"sweep-chart\" id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\">")
        page.raw("<line class=\"axis\" x1=\"\(SVG.n(left))\" x2=\"\(SVG.n(right))\" y1=\"\(SVG.n(bottom))\" y2=\"\(SVG.n(bottom))\"/>")
        for threshold in thresholds {
            page.raw("<line class=\"gridline\" x1=\"\(SVG.n(x(threshold)))\" x2=\"\(SVG.n(x(threshold)))\" y1=\"\(SVG.n(top))\" y2=\"\(SVG.n(bottom))\"/>")
            page.raw("<text class=\"tick\" x=\"\(SVG.n(x(threshold)))\" y=\"\(SVG.n(bottom + 12))\" text-anchor=\"middle\">\(SVG.value(threshold))</text>")
        }
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left - 4))\" y=\"\(SVG.n(top + 8))\" text-anchor=\"end\">\(SVG.value(high))</text>")
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left - 4))\" y=\"\(SVG.n(bottom))\" text-anchor=\"end\">0</text>")
        var legend: [String] = []
        for (quantityIndex, quantity) in quantities.enumerated() {
            for (forIndex, forEvaluations) in fors.enumerated() {
                let line = results.filter { $0.candidate.forEvaluations == forEvaluations }
                let style = "sweep-line q\(quantityIndex) f\(forIndex % 4)"
                page.raw("<polyline class=\"\(style)\" points=\"\(line.map { "\(SVG.n(x($0.candidate.threshold))),\(SVG.n(y(quantity.value($0))))" }.joined(separator: " "))\"/>")
                for result in line {
                    page.raw("<circle class=\"\(style)\" cx=\"\(SVG.n(x(result.candidate.threshold)))\" cy=\"\(SVG.n(y(quantity.value(result))))\" r=\"3\"><title>")
                    page.text("\(result.candidate.name): \(quantity.rawValue) \(SVG.value(quantity.value(result)))")
                    page.raw("</title></circle>")
                }
                legend.append("\(quantity.rawValue), for=\(forEvaluations)")
            }
        }
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left))\" y=\"\(SVG.n(height - 4))\">")
        page.text(legend.joined(separator: " · ") + (quantities.count > 1 ? " (solid: episodes, dashed: flaps)" : ""))
        page.raw("</text></svg></figure>")
    }
}
