import Foundation
import Logging
import MonitorCore

/// A swift-log handler writing one JSON object per line (`serve --log-format json`), for
/// log pipelines (Loki, Elasticsearch, Cloud Logging) that parse fields rather than text:
/// `time` (RFC 3339, UTC, wall clock), `level`, `logger`, `message`, `source`, and each
/// metadata key as a string field under `metadata`.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// A handler writing lines to standard error.
    package static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    package init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("time", ISO8601Time.string(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))))
        writer.member("level", event.level.rawValue)
        writer.member("logger", label)
        writer.member("message", event.message.description)
        writer.member("source", event.source)
        writer.key("metadata")
        writer.beginObject()
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { writer.member(key, value.description) }
        writer.endObject()
        writer.endObject()
        write(writer.text + "\n")
    }
}
