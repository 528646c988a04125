import MonitorCore
import Foundation
import Yams

/// A known incident: a time range (event time, epoch ms) and the subjects it concerns.
///
///     incidents:
///       - name: income shift
///         start: 2023-11-15T10:00:00Z      # ISO 8601 or epoch milliseconds
///         end: 2023-11-16T00:00:00Z
///         subjects: [f_income]             # optional: any subject when left out
///         models: [credit-risk]            # optional: any model when left out
package struct Incident: Sendable, Equatable {
    package var name: String
    package var start: Int64
    package var end: Int64
    package var subjects: [String]
    package var models: [String]

    package init(name: String, start: Int64, end: Int64, subjects: [String] = [], models: [String] = []) {
        self.name = name
        self.start = start
        self.end = end
        self.subjects = subjects
        self.models = models
    }

    /// Whether an alert episode concerns this incident (its subject and model, whatever its time).
    package func concerns(_ episode: AlertEpisode) -> Bool {
        (subjects.isEmpty || subjects.contains(episode.subject)) && (models.isEmpty || models.contains(episode.model))
    }

    /// Whether the episode started inside the incident and concerns it.
    package func covers(_ episode: AlertEpisode) -> Bool {
        concerns(episode) && episode.start >= start && episode.start <= end
    }
}

package struct IncidentFileError: Error, CustomStringConvertible, Equatable {
    package var description: String
}

package enum IncidentFile {
    package static func load(path: String) throws -> [Incident] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw IncidentFileError(description: "\(path): cannot read: \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    package static func parse(_ text: String, source: String = "incidents") throws -> [Incident] {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch { throw IncidentFileError(description: "\(source): not YAML: \(error)") }
        guard let root = document as? [String: Any], let entries = root["incidents"] as? [Any] else {
            throw IncidentFileError(description: "\(source): expected a mapping with a list `incidents`")
        }
        return try entries.enumerated().map { index, entry in
            guard let fields = entry as? [String: Any] else { throw IncidentFileError(description: "\(source): incident \(index + 1) is not a mapping") }
            func time(_ key: String) throws -> Int64 {
                guard let value = fields[key] else { throw IncidentFileError(description: "\(source): incident \(index + 1) has no `\(key)`") }
                if let date = value as? Date { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
                if let number = value as? Int { return Int64(number) }
                if let text = value as? String, let date = ISO8601DateFormatter().date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
                throw IncidentFileError(description: "\(source): incident \(index + 1): `\(key)` should be an ISO 8601 time or epoch milliseconds, not \(value)")
            }
            func names(_ key: String) throws -> [String] {
                guard let value = fields[key] else { return [] }
                if let single = value as? String { return [single] }
                guard let list = value as? [Any], let names = list.map({ $0 as? String }) as? [String] else {
                    throw IncidentFileError(description: "\(source): incident \(index + 1): `\(key)` should be a list of names")
                }
                return names
            }
            let start = try time("start"), end = try time("end")
            guard end >= start else { throw IncidentFileError(description: "\(source): incident \(index + 1) ends before it starts") }
            return Incident(name: fields["name"] as? String ?? "incident \(index + 1)", start: start, end: end,
                            subjects: try names("subjects"), models: try names("models"))
        }
    }
}
