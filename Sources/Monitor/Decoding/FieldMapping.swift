/// Where each field of an event lives in the user's own log schema, so nobody has to
/// reshape their logs for driftwatch. Paths are dot-separated object keys
/// (`"request.user.gender"`); the defaults describe driftwatch's own format:
///
/// ```json
/// {"event":"prediction","model":"credit-risk","version":"v3","id":"p-1","ts":1700000000000,
///  "features":{"f_income":80015.2,"c_channel":"mobile"},"score":0.79,"label_pred":1,
///  "segment":{"gender":"female","region":"north"}}
/// {"event":"label","id":"p-1","ts":1700003600000,"label":0}
/// ```
///
/// A regression model's prediction logs a number in `prediction`, its label a number:
///
/// ```json
/// {"event":"prediction","model":"house-price","id":"h-1","ts":1700000000000,"features":{"f_rooms":4},"prediction":312500.0}
/// {"event":"label","id":"h-1","ts":1700003600000,"label":298000.0}
/// ```
public struct FieldMapping: Sendable, Equatable {
    /// Field that says `prediction` or `label`. When the field is absent from an event,
    /// an event with a label field and no model field is a label.
    public var eventType: String = "event"
    public var model: String = "model"
    public var version: String = "version"
    public var id: String = "id"
    /// Where the event time comes from: a field (the default, `ts`) or the Kafka message.
    public var timestamp: TimestampSource = .field("ts")
    /// The unit of numeric event times (text is RFC 3339, see ``TimestampText``).
    public var timestampUnit: TimestampUnit = .milliseconds
    /// What text without a UTC offset (`2026-03-01T12:00:00`) means.
    public var naiveTimestamps: NaiveTimestamps = .utc
    /// An object whose members are the features. Ignored when `featurePaths` is set.
    public var features: String = "features"
    /// Explicit feature paths, named by their path (for flat or nested schemas).
    public var featurePaths: [String] = []
    public var score: String = "score"
    public var predictedLabel: String = "label_pred"
    /// A regression model's predicted value (``ModelType/regression``), named as
    /// Evidently's and whylogs' column mappings name it; read only when some model is
    /// declared a regression model.
    public var prediction: String = "prediction"
    /// An object whose members are segment attributes. Ignored when `segmentPaths` is set.
    public var segment: String = "segment"
    /// Explicit segment attributes: attribute name → path.
    public var segmentPaths: [String: String] = [:]
    public var label: String = "label"
    /// Used when an event carries no version field.
    public var defaultVersion: String = "unversioned"

    public init() {}

    /// Where an event's time is read.
    public enum TimestampSource: Sendable, Equatable, CustomStringConvertible {
        /// A field at this path: an epoch number in ``FieldMapping/timestampUnit``, or
        /// RFC 3339 / ISO 8601 text.
        case field(String)
        /// The Kafka message's timestamp (CreateTime or LogAppendTime, whichever the topic
        /// keeps), in `serve`; files have none, so file commands refuse it.
        case kafkaMessage

        /// How the configuration spells it: `timestamp: kafka`, or the field's path.
        public init(_ text: String) {
            self = text == "kafka" ? .kafkaMessage : .field(text)
        }

        public var description: String {
            switch self {
            case let .field(path): path
            case .kafkaMessage: "kafka"
            }
        }
    }

    /// Text timestamps without a UTC offset, as Python's `datetime.isoformat()` writes
    /// naive datetimes: taken as UTC (the default, as pandas, NannyML and Evidently treat
    /// them), or rejected (`naive_timestamp`) for logs that may be in local time.
    public enum NaiveTimestamps: String, Sendable, CaseIterable {
        case utc, reject
    }

    public enum TimestampUnit: String, Sendable, CaseIterable {
        case seconds = "s", milliseconds = "ms", microseconds = "us", nanoseconds = "ns"

        /// Converts a timestamp in this unit to epoch milliseconds.
        func milliseconds(_ value: Double) -> Double {
            switch self {
            case .seconds: value * 1000
            case .milliseconds: value
            case .microseconds: value / 1000
            case .nanoseconds: value / 1_000_000
            }
        }
    }
}
