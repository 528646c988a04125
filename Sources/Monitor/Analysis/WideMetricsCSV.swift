import MonitorCore

/// `replay --metrics-csv`: the metric series as one wide CSV — one row per evaluated window
/// (model, version, evaluation, window start and end), one column per metric and subject
/// (`psi:f_income`), and per alert rule and subject a firing flag (`firing:ScoreDrift:score`,
/// 1 while an episode is open after that window's evaluation, else 0; columns appear once
/// the rule has fired). With a reference profile, its values: `reference:accuracy:model`
/// (the metric on the whole reference, where relative conditions compare with it) and
/// `reference_mean:psi:score`, `reference_sd:psi:score` (the spread over reference chunks
/// that `sigma` conditions use, scaled to the window's labelled predictions for
/// performance metrics). Bounded: at most `maximumRows` rows and `maximumColumns` columns
/// are kept, the rest counted.
package struct WideMetricsCSV: Sendable {
    private struct RowKey: Equatable {
        var evaluation: MetricPoint.Evaluation
        var model: String
        var version: String
        var start: Int64
        var end: Int64
    }

    private struct Row {
        var key: RowKey
        var cells: [Int: Double] = [:]
    }

    package let maximumRows: Int
    package let maximumColumns: Int
    package let reference: ReferenceValues?
    private var columns: [String] = []
    private var columnIndex: [String: Int] = [:]
    private var rows: [Row] = []
    private var open: Set<String> = []
    package private(set) var rowOverflow = 0
    package private(set) var columnOverflow = 0

    package init(maximumRows: Int = 100_000, maximumColumns: Int = 20_000, reference: ReferenceValues? = nil) {
        self.maximumRows = maximumRows
        self.maximumColumns = maximumColumns
        self.reference = reference
    }

    /// Where a column goes: metrics, then reference values, then firing flags (each group by name).
    private static func group(_ column: String) -> Int {
        column.hasPrefix("firing:") ? 2 : column.hasPrefix("reference") ? 1 : 0
    }

    private mutating func column(_ name: String) -> Int? {
        if let index = columnIndex[name] { return index }
        guard columns.count < maximumColumns else { columnOverflow += 1; return nil }
        columnIndex[name] = columns.count
        columns.append(name)
        return columns.count - 1
    }

    package mutating func add(_ record: AnalysisRecord) {
        switch record {
        case let .metric(point):
            let key = RowKey(evaluation: point.evaluation, model: point.model, version: point.version, start: point.windowStart, end: point.windowEnd)
            if rows.last?.key != key {
                guard rows.count < maximumRows else { rowOverflow += 1; return }
                rows.append(Row(key: key))
            }
            let name = "\(point.metric):\(point.subject)"
            guard let index = column(name) else { return }
            rows[rows.count - 1].cells[index] = point.value
            if let reference, reference.applies(model: point.model, version: point.version) {
                var values: [(String, Double)] = []
                if let value = reference.value(metric: point.metric, subject: point.subject) { values.append(("reference:" + name, value)) }
                if let band = reference.band(metric: point.metric, subject: point.subject, samples: point.samples) {
                    values += [("reference_mean:" + name, band.mean), ("reference_sd:" + name, band.standardDeviation)]
                }
                for (column, value) in values {
                    if let index = self.column(column) { rows[rows.count - 1].cells[index] = value }
                }
            }
        case let .alert(transition):
            let name = "firing:\(transition.rule):\(transition.subject)"
            let instance = "\(transition.model)\u{0}\(transition.version)\u{0}\(name)"
            if transition.status == .firing { open.insert(instance) } else { open.remove(instance) }
            guard let index = column(name), !rows.isEmpty, rows[rows.count - 1].key.model == transition.model,
                  rows[rows.count - 1].key.version == transition.version else { return }
            rows[rows.count - 1].cells[index] = transition.status == .firing ? 1 : 0
        case .other:
            return
        }
        // Every firing flag of the row's model version as of this evaluation.
        guard var last = rows.last else { return }
        for instance in open {
            let parts = instance.split(separator: "\u{0}", omittingEmptySubsequences: false)
            guard parts[0] == last.key.model, parts[1] == last.key.version, let index = columnIndex[String(parts[2])] else { continue }
            last.cells[index] = 1
        }
        rows[rows.count - 1] = last
    }

    /// The CSV text: metric columns sorted, then reference values, then the firing flags; undefined values empty, flags 0 when not firing.
    package func text() -> String {
        let order = columns.indices.sorted { (Self.group(columns[$0]), columns[$0]) < (Self.group(columns[$1]), columns[$1]) }
        var lines = [(["model", "version", "evaluation", "window_start", "window_end"] + order.map { columns[$0] }).map(CSVField.escape).joined(separator: ",")]
        for row in rows {
            var fields = [row.key.model, row.key.version, row.key.evaluation.rawValue, "\(row.key.start)", "\(row.key.end)"].map(CSVField.escape)
            for index in order {
                if let value = row.cells[index] { fields.append(JSONWriter.number(value)) } else { fields.append(columns[index].hasPrefix("firing:") ? "0" : "") }
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
