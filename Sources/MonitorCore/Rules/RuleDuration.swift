/// Prometheus-style durations (`30s`, `5m`, `1h30m`, `1d`, `2w`), in milliseconds of event time.
package enum RuleDuration {
    /// Units largest first; a duration lists each unit at most once, in this order.
    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    package struct Failure: Error, CustomStringConvertible {
        package var message: String
        /// Offset in Unicode scalars within the duration text.
        package var offset: Int
        package var description: String { message }
    }

    /// Parses `<integer><unit>` groups; the result is at most ~292 million years, so it never overflows.
    package static func milliseconds(_ text: String) throws(Failure) -> Int64 {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { throw Failure(message: "empty duration", offset: 0) }
        var total: Int64 = 0
        var position = 0
        var nextUnit = 0
        while position < scalars.count {
            let numberStart = position
            var amount: Int64 = 0
            while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                let digit = Int64(scalars[position].value - 48)
                let (product, overflow) = amount.multipliedReportingOverflow(by: 10)
                guard !overflow, product <= Int64.max - digit else { throw Failure(message: "duration too long", offset: numberStart) }
                amount = product + digit
                position += 1
            }
            guard position > numberStart else {
                throw Failure(message: "expected a number at '\(String(String.UnicodeScalarView(scalars[position...])))'", offset: position)
            }
            let unitStart = position
            while position < scalars.count, scalars[position].properties.isAlphabetic { position += 1 }
            let suffix = String(String.UnicodeScalarView(scalars[unitStart..<position]))
            guard let unitIndex = units.firstIndex(where: { $0.suffix == suffix }) else {
                let message = suffix.isEmpty ? "missing unit after \(amount)" : "unknown unit '\(suffix)'"
                throw Failure(message: message, offset: unitStart)
            }
            guard unitIndex >= nextUnit else {
                throw Failure(message: "units must go from largest to smallest, each at most once", offset: unitStart)
            }
            nextUnit = unitIndex + 1
            let (part, overflow) = amount.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            guard !overflow, part <= Int64.max - total else { throw Failure(message: "duration too long", offset: numberStart) }
            total += part
        }
        return total
    }

    /// The canonical spelling of a duration, e.g. 5_400_000 → `1h30m`; 0 → `0s`.
    static func format(milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var remaining = milliseconds
        var text = ""
        for unit in units where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.suffix)"
            remaining %= unit.milliseconds
        }
        return text
    }
}
