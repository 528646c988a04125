import CRdKafka

/// A librdkafka error: its code, the code's symbolic name and a readable message.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// The raw `rd_kafka_resp_err_t` value.
    public let code: Int32
    /// librdkafka's symbolic name, e.g. `_TRANSPORT` or `UNKNOWN_TOPIC_OR_PART`.
    public let name: String
    public let message: String

    public init(code: rd_kafka_resp_err_t, message: String? = nil) {
        self.code = code.rawValue
        name = String(cString: rd_kafka_err2name(code))
        self.message = message ?? String(cString: rd_kafka_err2str(code))
    }

    public var description: String { "Kafka error \(name): \(message)" }
}
