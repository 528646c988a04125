import Foundation

extension JSONEncoder {
    /// An encoder that writes object members in key order, so a value makes the same bytes
    /// in every process (dictionaries iterate in a per-process order): `/v1/…` answers and
    /// Alertmanager request bodies.
    static func keyOrdered() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
