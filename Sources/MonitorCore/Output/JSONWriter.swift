/// Writes one compact JSON value with members in the order the caller gives them.
///
/// Alert, retrain and metric events must be byte-identical for the same input (they
/// are an audit trail and are de-duplicated by content downstream), so their layout
/// is spelled out here rather than left to an encoder's key order. Doubles print as
/// Swift's shortest round-trip form; NaN and ±∞, which JSON cannot hold, print as null.
package struct JSONWriter: Sendable {
    package private(set) var text = ""
    private var needsComma = [false]

    package init() {}

    package mutating func beginObject() {
        separate()
        text += "{"
        needsComma.append(false)
    }

    package mutating func endObject() {
        needsComma.removeLast()
        text += "}"
    }

    package mutating func beginArray() {
        separate()
        text += "["
        needsComma.append(false)
    }

    package mutating func endArray() {
        needsComma.removeLast()
        text += "]"
    }

    /// Writes a member's key; the next value written is its value.
    package mutating func key(_ name: String) {
        separate()
        appendString(name)
        text += ":"
        needsComma[needsComma.count - 1] = false
    }

    package mutating func value(_ string: String) {
        separate()
        appendString(string)
    }

    package mutating func value(_ number: Double) {
        separate()
        text += number.isFinite ? Self.number(number) : "null"
    }

    package mutating func value(_ integer: Int64) {
        separate()
        text += String(integer)
    }

    package mutating func value(_ integer: Int) {
        value(Int64(integer))
    }

    package mutating func value(_ flag: Bool) {
        separate()
        text += flag ? "true" : "false"
    }

    package mutating func null() {
        separate()
        text += "null"
    }

    /// Convenience: `key` then a string, number, integer, flag, or null for nil.
    package mutating func member(_ name: String, _ string: String?) {
        key(name)
        if let string { value(string) } else { null() }
    }

    package mutating func member(_ name: String, _ number: Double?) {
        key(name)
        if let number { value(number) } else { null() }
    }

    package mutating func member(_ name: String, _ integer: Int64) {
        key(name)
        value(integer)
    }

    package mutating func member(_ name: String, _ integer: Int) {
        key(name)
        value(integer)
    }

    package mutating func member(_ name: String, _ flag: Bool) {
        key(name)
        value(flag)
    }

    /// A string-to-string map with its keys sorted, so the output does not depend on hashing.
    package mutating func member(_ name: String, sortedMap map: [String: String]) {
        key(name)
        beginObject()
        for (key, value) in map.sorted(by: { $0.key < $1.key }) { member(key, value) }
        endObject()
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    /// Quotes, backslashes and control characters; every other byte (UTF-8 sequences
    /// included) is written as it is.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
    }

    /// Integral values print without a fraction ("3", not "3.0").
    package static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private mutating func appendString(_ string: String) {
        text += "\""
        text += Self.escaped(string)
        text += "\""
    }

    /// `string` as the inside of a JSON string literal (quotes, backslashes and control
    /// characters escaped); also the Mustache content type of the retraining webhook's body.
    package static func escaped(_ string: String) -> String {
        // Nearly every key and value needs no escape: return it whole (appending scalar
        // by scalar was most of the cost of writing metric lines).
        guard string.utf8.contains(where: needsEscape) else { return string }
        var text = ""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
