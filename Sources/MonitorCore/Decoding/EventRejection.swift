/// Why an input message was not accepted as an event. Rejected messages go to the
/// dead-letter sink with their original bytes; the run never stops on one.
package enum EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case oversize(bytes: Int, limit: Int)
    case invalidJSON(JSONError)
    case notAnObject
    case missingField(String)
    case wrongType(field: String, expected: String)
    case unknownEventType(String)
    case tooManyFeatures(limit: Int)
    case invalidTimestamp(Double)
    /// Outside 1990–2200 in the mapping's unit, most likely a unit mix-up (see
    /// ``FieldMapping/TimestampUnit/implausibility(of:)``): the year it would be, and the unit
    /// that would make it plausible, if one does.
    case implausibleTimestamp(Double, field: String, unit: FieldMapping.TimestampUnit, year: Int64, suggestion: FieldMapping.TimestampUnit?)
    /// Text in the timestamp field that is not an RFC 3339 / ISO 8601 date-time (see ``TimestampText``).
    case invalidTimestampText(String, field: String, problem: TimestampText.Problem)
    /// Text without a UTC offset while the mapping rejects naive timestamps.
    case naiveTimestamp(String, field: String)
    /// A text or Kafka message time outside 1990–2200 (no unit to mix up: always rejected).
    case implausibleTime(String, source: FieldMapping.TimestampSource, year: Int64)
    /// `timestamp: kafka`, and the message has no timestamp (librdkafka reports none).
    case missingMessageTimestamp
    /// Starts with the Schema Registry magic byte (0) but is shorter than the 5-byte header.
    case invalidFraming(bytes: Int)
    /// In Schema Registry framing, with a schema id that has no usable schema.
    case schemaUnavailable(id: UInt32, SchemaLookupFailure)
    /// In Schema Registry framing with an Avro schema, and not a valid datum of it.
    case invalidAvro(schemaID: UInt32, AvroError)
    /// A prediction whose `field` holds another model type's output than its model's `type`.
    case modelTypeMismatch(model: String, type: ModelType, field: String)

    /// A stable machine-readable reason, used as a metric label and dead-letter header.
    package var code: String {
        switch self {
        case .oversize: "oversize"
        case .invalidJSON: "invalid_json"
        case .notAnObject: "not_an_object"
        case .missingField: "missing_field"
        case .wrongType: "wrong_type"
        case .unknownEventType: "unknown_event_type"
        case .tooManyFeatures: "too_many_features"
        case .invalidTimestamp: "invalid_timestamp"
        case .implausibleTimestamp, .implausibleTime: "implausible_timestamp"
        case .invalidTimestampText: "invalid_timestamp"
        case .naiveTimestamp: "naive_timestamp"
        case .missingMessageTimestamp: "missing_timestamp"
        case .invalidFraming: "invalid_framing"
        case let .schemaUnavailable(_, failure): failure.code
        case .invalidAvro: "invalid_avro"
        case .modelTypeMismatch: "model_type_mismatch"
        }
    }

    package var description: String {
        switch self {
        case let .oversize(bytes, limit): "event of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .invalidJSON(error): error.description
        case .notAnObject: "event is not a JSON object"
        case let .missingField(field): "required field '\(field)' is missing"
        case let .wrongType(field, expected): "field '\(field)' should be \(expected)"
        case let .unknownEventType(type): "unknown event type '\(type)' (expected prediction or label)"
        case let .tooManyFeatures(limit): "event has more than \(limit) features"
        case let .invalidTimestamp(value): "timestamp \(value) is not a finite epoch time"
        case let .implausibleTimestamp(value, field, unit, year, suggestion):
            "field '\(field)': timestamp \(value.rounded() == value && abs(value) < 9.2e18 ? String(Int64(value)) : "\(value)") "
                + "is implausible for unit \(unit.name) (year \(year))" + (suggestion.map { "; did you mean \($0.name)?" } ?? "")
        case let .invalidTimestampText(text, field, problem):
            "field '\(field)': timestamp '\(text)' is not an RFC 3339 date-time (\(problem); e.g. 2026-03-01T12:00:00Z)"
        case let .naiveTimestamp(text, field):
            "field '\(field)': timestamp '\(text)' has no UTC offset (add Z or ±HH:MM, or set mapping.naive_timestamps: utc)"
        case let .implausibleTime(text, source, year):
            "\(source == .kafkaMessage ? "the Kafka message timestamp" : "field '\(source)': timestamp") \(text) is implausible "
                + "(year \(year), outside 1990–2200)"
        case .missingMessageTimestamp: "the Kafka message has no timestamp (mapping.timestamp: kafka)"
        case let .invalidFraming(bytes): "message of \(bytes) bytes starts with the Schema Registry magic byte 0 but has no 4-byte schema id"
        case let .schemaUnavailable(id, failure): "schema id \(id): \(failure)"
        case let .invalidAvro(id, error): "schema id \(id): \(error)"
        case let .modelTypeMismatch(model, .regression, field):
            "model '\(model)' is a regression model (models: \(model): type: regression, or inferred) but field '\(field)' holds a "
                + "classifier's output; a regression prediction logs its value in the prediction field (mapping.prediction)"
        case let .modelTypeMismatch(model, .binary, field):
            "model '\(model)' is a binary classifier (declared, or inferred from its first prediction) but field '\(field)' holds a "
                + "regression or multiclass output; declare it with models: \(model): type: regression (or multiclass)"
        case let .modelTypeMismatch(model, .multiclass, field):
            "model '\(model)' is a multiclass classifier (models: \(model): type: multiclass, or inferred) but field '\(field)' holds a "
                + "binary score or regression value; a multiclass prediction logs its class in label_pred (mapping.label_pred) "
                + "and its class probabilities in probabilities (mapping.probabilities)"
        }
    }
}
