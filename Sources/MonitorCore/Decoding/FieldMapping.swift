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
///
/// A multiclass classifier's prediction logs its class in `label_pred` (a string, or an
/// integer read by its text) and optionally each class's probability in `probabilities`;
/// its label is a class:
///
/// ```json
/// {"event":"prediction","model":"triage","id":"t-1","ts":1700000000000,"features":{"f_age":41},
///  "label_pred":"urgent","probabilities":{"urgent":0.7,"routine":0.2,"refer":0.1}}
/// {"event":"label","id":"t-1","ts":1700003600000,"label":"routine"}
/// ```
package struct FieldMapping: Sendable, Equatable {
    /// Field that says `prediction` or `label`. When the field is absent from an event,
    /// an event with a label field and no model field is a label.
    package var eventType: String = "event"
    package var model: String = "model"
    package var version: String = "version"
    package var id: String = "id"
    /// Where the event time comes from: a field (the default, `ts`) or the Kafka message.
    package var timestamp: TimestampSource = .field("ts")
    /// The unit of numeric event times (text is RFC 3339, see ``TimestampText``).
    package var timestampUnit: TimestampUnit = .milliseconds
    /// What text without a UTC offset (`2026-03-01T12:00:00`) means.
    package var naiveTimestamps: NaiveTimestamps = .utc
    /// An object whose members are the features. Ignored when `featurePaths` is set.
    package var features: String = "features"
    /// Explicit feature paths, named by their path (for flat or nested schemas).
    package var featurePaths: [String] = []
    package var score: String = "score"
    package var predictedLabel: String = "label_pred"
    /// A regression model's predicted value (``ModelType/regression``), named as
    /// Evidently's and whylogs' column mappings name it; read only when some model is
    /// declared a regression model.
    package var prediction: String = "prediction"
    /// A multiclass classifier's class probabilities (``ModelType/multiclass``): an object
    /// of class → probability, or an array of the probabilities of classes 0, 1, 2, ….
    package var probabilities: String = "probabilities"
    /// An object whose members are segment attributes. Ignored when `segmentPaths` is set.
    package var segment: String = "segment"
    /// Explicit segment attributes: attribute name → path.
    package var segmentPaths: [String: String] = [:]
    package var label: String = "label"
    /// Used when an event carries no version field.
    package var defaultVersion: String = "unversioned"

    package init() {}

    /// Where an event's time is read.
    package enum TimestampSource: Sendable, Equatable, CustomStringConvertible {
        /// A field at this path: an epoch number in ``FieldMapping/timestampUnit``, or
        /// RFC 3339 / ISO 8601 text.
        case field(String)
        /// The Kafka message's timestamp (CreateTime or LogAppendTime, whichever the topic
        /// keeps), in `serve`; files have none, so file commands refuse it.
        case kafkaMessage

        /// How the configuration spells it: `timestamp: kafka`, or the field's path.
        package init(_ text: String) {
            self = text == "kafka" ? .kafkaMessage : .field(text)
        }

        package var description: String {
            switch self {
            case let .field(path): path
            case .kafkaMessage: "kafka"
            }
        }
    }

    /// Text timestamps without a UTC offset, as Python's `datetime.isoformat()` writes
    /// naive datetimes: taken as UTC (the default, as pandas, NannyML and Evidently treat
    /// them), or rejected (`naive_timestamp`) for logs that may be in local time.
    package enum NaiveTimestamps: String, Sendable, CaseIterable {
        case utc, reject
    }

    package enum TimestampUnit: String, Sendable, CaseIterable {
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
