import DriftCore
import MonitorCore

/// Per feature, the reference distribution against the window's at the windows where a
/// drift alert on that feature fired: histograms on the profile's coarse (PSI) bins for
/// numeric features, category bars for categorical ones. The engine's outputs carry each
/// window's statistics, not its histograms, so `report --reference` reads the input a
/// second time and summarises, for each chosen window, the predictions of that model
/// version whose event time lies in it.
///
/// Bounded: the first ``maximumShown`` firing alerts (one per rule, model version and
/// feature, in the order they fired) get a chart; the others are counted in ``omitted``.
/// Memory: one feature summary per chart.
package struct FeatureDistributions: Sendable {
    package static let maximumShown = 6
    /// Category bars drawn per chart (the largest shares of either side; the rest summed as "other").
    static let maximumBars = 12

    package struct Target: Sendable, Equatable {
        package var rule: String
        package var model: String
        package var version: String
        package var feature: String
        package var metric: String
        package var windowStart: Int64
        package var windowEnd: Int64
    }

    enum Window: Sendable {
        case numeric(reference: NumericReference, window: NumericSummary)
        case categorical(reference: CategoricalReference, window: CategoricalSummary)
    }

    private let profile: ReferenceProfile
    private let applies: (model: String?, version: String?)
    package private(set) var targets: [Target] = []
    private(set) var windows: [Window] = []
    /// Firing alerts on features past ``maximumShown`` (not drawn).
    package private(set) var omitted = 0
    /// Values of a chosen window that did not fit the feature's kind (a string for a numeric feature), left out.
    package private(set) var mismatched = 0

    package init(_ document: ProfileDocument) {
        profile = document.profile
        applies = (document.model, document.version)
    }

    /// Takes in the first pass's alerts: a firing drift alert on a feature of the profile becomes a target.
    package mutating func consider(_ record: AnalysisRecord) {
        guard case let .alert(alert) = record, alert.status == .firing, ReportSection(metric: alert.metric) == .drift,
              applies.model == nil || applies.model == alert.model, applies.version == nil || applies.version == alert.version,
              let feature = profile.features[alert.subject],
              !targets.contains(where: { $0.rule == alert.rule && $0.model == alert.model && $0.version == alert.version && $0.feature == alert.subject })
        else { return }
        guard targets.count < Self.maximumShown else { omitted += 1; return }
        targets.append(Target(rule: alert.rule, model: alert.model, version: alert.version, feature: alert.subject, metric: alert.metric,
                              windowStart: alert.windowStart, windowEnd: alert.at))
        switch feature {
        case let .numeric(reference): windows.append(.numeric(reference: reference, window: reference.makeSummary()))
        case let .categorical(reference): windows.append(.categorical(reference: reference, window: reference.makeSummary()))
        }
    }

    /// Takes in one prediction of the second pass.
    package mutating func add(_ prediction: PredictionEvent) {
        for index in targets.indices {
            let target = targets[index]
            guard prediction.timestamp >= target.windowStart, prediction.timestamp < target.windowEnd, prediction.model == target.model,
                  prediction.version == target.version, let value = prediction.features.last(where: { $0.name == target.feature })?.value
            else { continue }
            switch (windows[index], value) {
            case (.numeric(let reference, var window), .number(let number)):
                window.update(number)
                windows[index] = .numeric(reference: reference, window: window)
            case (.categorical(let reference, var window), .string(let category)):
                window.update(category)
                windows[index] = .categorical(reference: reference, window: window)
            case (.categorical(let reference, var window), .bool(let flag)):
                window.update(flag)
                windows[index] = .categorical(reference: reference, window: window)
            case (_, .missing):
                continue
            default:
                mismatched += 1
            }
        }
    }

    /// Values counted in a target's window.
    package func windowCount(_ index: Int) -> Int {
        switch windows[index] {
        case let .numeric(_, window): window.finiteCount
        case let .categorical(_, window): window.presentCount
        }
    }

    /// The charts of one model version (nothing when none of its alerts was chosen).
    func render(model: String, version: String, into page: inout HTMLPage) {
        let indices = targets.indices.filter { targets[$0].model == model && targets[$0].version == version }
        guard !indices.isEmpty else { return }
        page.raw("<h4>Reference and window distributions where drift alerts fired</h4>\n<div class=\"grid\">\n")
        for index in indices { chart(index, into: &page) }
        page.raw("</div>\n")
    }

    private func chart(_ index: Int, into page: inout HTMLPage) {
        let target = targets[index]
        let bars: [(label: String, reference: Double, window: Double)]
        switch windows[index] {
        case let .numeric(reference, window):
            let binning = reference.binning
            let edges = binning.coarseEdgeIndices.map { binning.fineEdges[$0] }
            let total = max(1, window.coarseCounts.reduce(0, +))
            bars = zip(reference.coarseProportions, window.coarseCounts).enumerated().map { bin, pair in
                let label = bin == 0 ? "< \(SVG.value(edges.first ?? 0))" : "≥ \(SVG.value(edges[bin - 1]))"
                return (label, pair.0, pair.1 / total)
            }
        case let .categorical(reference, window):
            let referenceTotal = Double(max(1, reference.summary.presentCount)), windowTotal = Double(max(1, window.presentCount))
            let categories = Set(reference.summary.counts.keys).union(window.counts.keys).sorted { a, b in
                let shareA = Double(reference.summary.counts[a] ?? 0) / referenceTotal + Double(window.counts[a] ?? 0) / windowTotal
                let shareB = Double(reference.summary.counts[b] ?? 0) / referenceTotal + Double(window.counts[b] ?? 0) / windowTotal
                return shareA != shareB ? shareA > shareB : a < b
            }
            var shown = categories.prefix(Self.maximumBars).map { ($0, Double(reference.summary.counts[$0] ?? 0) / referenceTotal, Double(window.counts[$0] ?? 0) / windowTotal) }
            if categories.count > Self.maximumBars || reference.summary.overflowCount + window.overflowCount > 0 {
                shown.append(("other", 1 - shown.map(\.1).reduce(0, +), 1 - shown.map(\.2).reduce(0, +)))
            }
            bars = shown
        }
        page.raw("<figure class=\"distribution-card\"><figcaption><b>")
        page.text(target.feature)
        page.raw("</b> · ")
        page.text("\(target.rule) (\(target.metric)) fired on \(ReportTime.text(target.windowStart)) – \(ReportTime.text(target.windowEnd)), \(windowCount(index)) values")
        page.raw("</figcaption><svg class=\"distribution\" id=\"distribution-\(index)\" ")
        Self.drawBars(bars.map { ($0.label, $0.reference, $0.window) }, into: &page)
        page.raw("</svg><p class=\"legend\">grey: reference share · blue: window share</p></figure>\n")
    }

    /// The body of a distribution card's SVG (after its opening tag's class and id): each
    /// bin's reference share (grey, when given) beside its window share (blue), a tick
    /// label under every `labelEvery`-th bin (centred on it, or at its left edge with
    /// `labelAtEdge`); `windowSide` names the window's share in the bars' tooltips.
    static func drawBars(_ bars: [(label: String, reference: Double?, window: Double)], windowSide: String = "window", labelEvery: Int = 1,
                         labelAtEdge: Bool = false, into page: inout HTMLPage) {
        let width = 540.0, height = 138.0, left = 48.0, right = 532.0, top = 8.0, bottom = 120.0
        let high = max(bars.map { max($0.reference ?? 0, $0.window) }.max() ?? 1, 1e-9) * 1.1
        let slot = (right - left) / Double(max(1, bars.count))
        page.raw("viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\">")
        page.raw("<line class=\"axis\" x1=\"\(SVG.n(left))\" x2=\"\(SVG.n(right))\" y1=\"\(SVG.n(bottom))\" y2=\"\(SVG.n(bottom))\"/>")
        page.raw("<text class=\"tick\" x=\"\(SVG.n(left - 4))\" y=\"\(SVG.n(top + 8))\" text-anchor=\"end\">\(SVG.value(high * 100))%</text>")
        for (position, bar) in bars.enumerated() {
            let x = left + Double(position) * slot
            let sides = (bar.reference.map { [("reference", $0)] } ?? []) + [("window", bar.window)]
            for (side, share) in sides {
                let barHeight = max(0, share) / high * (bottom - top)
                let offset = side == "reference" || bar.reference == nil ? slot * 0.1 : slot * 0.5
                let barWidth = bar.reference == nil ? slot * 0.8 : slot * 0.4
                page.raw("<rect class=\"bar \(side)\" x=\"\(SVG.n(x + offset))\" y=\"\(SVG.n(bottom - barHeight))\" width=\"\(SVG.n(barWidth))\" height=\"\(SVG.n(barHeight))\"><title>")
                page.text("\(bar.label): \(side == "window" ? windowSide : side) \(SVG.value(share * 100)) %")
                page.raw("</title></rect>")
            }
            guard position % labelEvery == 0 else { continue }
            page.raw("<text class=\"tick\" x=\"\(SVG.n(labelAtEdge ? x : x + slot / 2))\" y=\"\(SVG.n(bottom + 12))\" text-anchor=\"middle\">")
            page.text(String(bar.label.prefix(12)))
            page.raw("</text>")
        }
    }
}
