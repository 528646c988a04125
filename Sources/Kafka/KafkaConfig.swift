import CRdKafka

/// librdkafka configuration as string key/values, passed through unchanged.
///
/// Any property of librdkafka's CONFIGURATION.md works (SASL, SSL, timeouts, ...):
/// the Kafka layer does not model them, it only sets a few defaults where the
/// project's semantics need them (see `KafkaProducer` and `KafkaConsumer`). Invalid
/// names or values are rejected when a client is created, with librdkafka's message.
public struct KafkaConfig: Sendable, ExpressibleByDictionaryLiteral {
    /// Properties in the order they were first set: librdkafka applies them in this
    /// order, which matters for aliases and for properties that reset others.
    public private(set) var properties: [(key: String, value: String)] = []

    public init(_ properties: [String: String] = [:]) {
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// A configuration with `bootstrap.servers` set.
    public init(bootstrapServers: String, _ properties: [String: String] = [:]) {
        self.init(properties)
        self["bootstrap.servers"] = bootstrapServers
    }

    public subscript(key: String) -> String? {
        get { properties.first { $0.key == key }?.value }
        set {
            if let index = properties.firstIndex(where: { $0.key == key }) {
                if let newValue { properties[index].value = newValue } else { properties.remove(at: index) }
            } else if let newValue {
                properties.append((key, newValue))
            }
        }
    }

    /// Returns a copy with `key` set to `value` unless the caller already chose a value.
    func withDefault(_ key: String, _ value: String) -> KafkaConfig {
        var copy = self
        if copy[key] == nil { copy[key] = value }
        return copy
    }

    /// Builds an `rd_kafka_conf_t`, throwing librdkafka's own message for the first
    /// unknown property or invalid value. The caller owns the result.
    func makeNative() throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .invalidArgument, message: String(errorBuffer: errorText))
            }
        }
        return conf
    }
}
