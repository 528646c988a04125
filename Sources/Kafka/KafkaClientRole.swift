import CRdKafka
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kind of librdkafka client a configuration is for. librdkafka documents each
/// property as for both clients (`*`), consumers only (`C`) or producers only (`P`)
/// (CONFIGURATION.md's C/P column); a property of the other kind is ignored with a
/// warning when the client is created.
public enum KafkaClientRole: Sendable {
    case consumer, producer

    /// Whether a property applies to this kind of client (unknown properties do: the
    /// client's creation reports them).
    public func accepts(_ key: String) -> Bool {
        guard let only = Self.roleOnlyProperties[key] else { return true }
        return only == self
    }

    /// Properties of one client kind only, read once from the linked librdkafka's own
    /// table (`rd_kafka_conf_properties_show`), so the list matches its version.
    static let roleOnlyProperties: [String: KafkaClientRole] = {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return [:] }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return [:] }
        return parse(String(cString: buffer))
    }()

    /// Parses CONFIGURATION.md's tables: `name | C/P | range | default | ...` rows.
    static func parse(_ table: String) -> [String: KafkaClientRole] {
        var roles: [String: KafkaClientRole] = [:]
        for line in table.split(separator: "\n") {
            let columns = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard columns.count >= 2 else { continue }
            let name = columns[0].trimmingCharacters(in: .whitespaces)
            switch columns[1].trimmingCharacters(in: .whitespaces) {
            case "C": roles[name] = .consumer
            case "P": roles[name] = .producer
            default: continue
            }
        }
        return roles
    }
}

extension KafkaConfig {
    /// The properties that apply to `role` (those documented for the other client kind
    /// only are left out, rather than ignored with a warning by librdkafka).
    public func applicable(to role: KafkaClientRole) -> KafkaConfig {
        var config = KafkaConfig()
        for (key, value) in properties where role.accepts(key) { config[key] = value }
        return config
    }
}

