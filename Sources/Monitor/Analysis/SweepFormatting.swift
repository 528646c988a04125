import MonitorCore
import Foundation

/// How `driftwatch tune` prints a sweep.
package enum SweepFormat: String, Sendable, CaseIterable {
    case table, json, csv

    package func render(_ results: [ThresholdSweep.Result]) -> String {
        switch self {
        case .table: Self.table(results)
        case .json: Self.json(results)
        case .csv: Self.csv(results)
        }
    }

    /// "3.5 h", "2.1 d", "45 min".
    package static func duration(_ milliseconds: Int64) -> String {
        let minutes = Double(milliseconds) / 60_000
        if minutes < 120 { return "\(Int(minutes.rounded())) min" }
        if minutes < 2 * 1440 { return String(format1: minutes / 60) + " h" }
        return String(format1: minutes / 1440) + " d"
    }

    private static func percent(_ share: Double) -> String { String(format1: share * 100) + " %" }

    private static func incidentNames(_ results: [ThresholdSweep.Result]) -> [String] {
        results.first?.incidents.map(\.incident) ?? []
    }

    private static func table(_ results: [ThresholdSweep.Result]) -> String {
        var header = ["candidate", "threshold", "for", "episodes", "firing", "flaps"]
        let incidents = incidentNames(results)
        header += incidents.map { "detect: " + $0 }
        if results.first?.outsideIncidents != nil { header.append("outside incidents") }
        let rows = results.map { result -> [String] in
            var row = [result.candidate.name, "\(result.candidate.threshold)", "\(result.candidate.forEvaluations)",
                       "\(result.episodes.count)", percent(result.firingShare), "\(result.flaps)"]
            row += result.incidents.map { $0.delay.map(duration) ?? "missed" }
            if let outside = result.outsideIncidents { row.append("\(outside)") }
            return row
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    private static func csv(_ results: [ThresholdSweep.Result]) -> String {
        var header = ["candidate", "threshold", "for", "episodes", "firing_share", "flaps"]
        header += incidentNames(results).map { "detection_delay_ms:" + $0 }
        if results.first?.outsideIncidents != nil { header.append("outside_incidents") }
        let rows = results.map { result -> String in
            var row = [result.candidate.name, "\(result.candidate.threshold)", "\(result.candidate.forEvaluations)",
                       "\(result.episodes.count)", JSONWriter.number(result.firingShare), "\(result.flaps)"]
            row += result.incidents.map { $0.delay.map(String.init) ?? "" }
            if let outside = result.outsideIncidents { row.append("\(outside)") }
            return row.map(CSVField.escape).joined(separator: ",")
        }
        return ([header.map(CSVField.escape).joined(separator: ",")] + rows).joined(separator: "\n") + "\n"
    }

    private static func json(_ results: [ThresholdSweep.Result]) -> String {
        var writer = JSONWriter()
        writer.beginArray()
        for result in results {
            writer.beginObject()
            writer.member("candidate", result.candidate.name)
            writer.member("threshold", result.candidate.threshold)
            writer.member("for", result.candidate.forEvaluations)
            writer.member("firing_share", result.firingShare)
            writer.member("flaps", result.flaps)
            writer.key("episodes")
            writer.beginArray()
            for episode in result.episodes {
                writer.beginObject()
                writer.member("model", episode.model)
                writer.member("version", episode.version)
                writer.member("subject", episode.subject)
                writer.member("start", episode.start)
                if let end = episode.end { writer.member("end", end) } else { writer.member("end", nil as String?) }
                writer.endObject()
            }
            writer.endArray()
            writer.key("incidents")
            writer.beginArray()
            for incident in result.incidents {
                writer.beginObject()
                writer.member("incident", incident.incident)
                if let at = incident.detectedAt { writer.member("detected_at", at) } else { writer.member("detected_at", nil as String?) }
                if let delay = incident.delay { writer.member("delay_ms", delay) } else { writer.member("delay_ms", nil as String?) }
                writer.endObject()
            }
            writer.endArray()
            if let outside = result.outsideIncidents { writer.member("outside_incidents", outside) }
            writer.endObject()
        }
        writer.endArray()
        return writer.text + "\n"
    }
}

/// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
package enum CSVField {
    package static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    /// One decimal, locale-independent.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
