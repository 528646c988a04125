/// Event times written as text: RFC 3339 date-times and the ISO 8601 forms Python's
/// `datetime.isoformat()`, pandas and most loggers write, parsed byte by byte (no
/// Foundation formatter: those are slow and depend on the locale).
///
/// Accepted: `YYYY-MM-DD`, optionally followed by `T`, `t` or a space and `HH:MM`,
/// `HH:MM:SS` or `HH:MM:SS` with a fraction of any length after `.` or `,` (digits past
/// the ninth are truncated), then optionally `Z`, `z`, `±HH:MM`, `±HHMM` or `±HH`.
/// A second of 60 (a leap second, allowed by RFC 3339) counts as the next minute's first,
/// as epoch time does. Without an offset the text is naive: ``Parsed/offsetSeconds`` is nil
/// and the caller decides (see ``FieldMapping/NaiveTimestamps``).
package enum TimestampText {
    struct Parsed: Equatable, Sendable {
        /// Seconds since 1970-01-01T00:00:00Z (the text's local time minus its offset; for
        /// naive text, its local time as if it were UTC).
        var epochSeconds: Int64
        /// Within the second, 0 ..< 1_000_000_000.
        var nanoseconds: Int32
        /// The UTC offset written, or nil for naive text.
        var offsetSeconds: Int32?

        /// Epoch milliseconds, rounded down (as numeric timestamps are).
        var epochMilliseconds: Int64 { epochSeconds * 1000 + Int64(nanoseconds / 1_000_000) }
    }

    /// What is wrong with a text, for the rejection's reason.
    package enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The byte at `offset` (0-based) is not what the format has there.
        case expected(String, offset: Int)
        case outOfRange(Component, Int)

        package enum Component: String, Sendable {
            case year, month, day, hour, minute, second
            case offsetHours = "offset hours", offsetMinutes = "offset minutes"
        }

        package var description: String {
            switch self {
            case let .expected(what, offset): "expected \(what) at character \(offset + 1)"
            case let .outOfRange(component, value): "\(component.rawValue) \(value) is out of range"
            }
        }
    }

    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Result<Parsed, Problem> {
        var scanner = Scanner(text)
        do {
            return .success(try scanner.dateTime())
        } catch {
            return .failure(error)
        }
    }

    static func parse(_ text: String) -> Result<Parsed, Problem> {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func dateTime() throws(Problem) -> Parsed {
            let year = try digits(4, "a 4-digit year")
            try expect(UInt8(ascii: "-"), "'-'")
            let month = try digits(2, "a 2-digit month")
            try expect(UInt8(ascii: "-"), "'-'")
            let day = try digits(2, "a 2-digit day")
            guard year >= 1 else { throw .outOfRange(.year, year) }
            guard (1...12).contains(month) else { throw .outOfRange(.month, month) }
            guard day >= 1, day <= Self.daysIn(month: month, year: year) else { throw .outOfRange(.day, day) }
            var seconds = Self.daysFromCivil(year: year, month: month, day: day) * 86400
            guard let separator = peek() else { return Parsed(epochSeconds: seconds, nanoseconds: 0, offsetSeconds: nil) }
            guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
                throw .expected("'T' or a space before the time", offset: position)
            }
            position += 1
            let hour = try digits(2, "a 2-digit hour")
            try expect(UInt8(ascii: ":"), "':'")
            let minute = try digits(2, "a 2-digit minute")
            var second = 0
            var nanoseconds: Int32 = 0
            if peek() == UInt8(ascii: ":") {
                position += 1
                second = try digits(2, "2-digit seconds")
                if peek() == UInt8(ascii: ".") || peek() == UInt8(ascii: ",") {
                    position += 1
                    nanoseconds = try fraction()
                }
            }
            guard hour <= 23 else { throw .outOfRange(.hour, hour) }
            guard minute <= 59 else { throw .outOfRange(.minute, minute) }
            guard second <= 60 else { throw .outOfRange(.second, second) }
            seconds += Int64(hour * 3600 + minute * 60 + second)
            let offset = try utcOffset()
            guard position == bytes.count else { throw .expected("the end of the timestamp", offset: position) }
            return Parsed(epochSeconds: seconds - Int64(offset ?? 0), nanoseconds: nanoseconds, offsetSeconds: offset)
        }

        /// `Z`, `±HH:MM`, `±HHMM`, `±HH`, or nothing (nil).
        private mutating func utcOffset() throws(Problem) -> Int32? {
            guard let sign = peek() else { return nil }
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                position += 1
                return 0
            }
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else {
                throw .expected("a UTC offset (Z, +HH:MM or -HH:MM)", offset: position)
            }
            position += 1
            let hours = try digits(2, "2-digit offset hours")
            var minutes = 0
            if peek() == UInt8(ascii: ":") {
                position += 1
                minutes = try digits(2, "2-digit offset minutes")
            } else if peek() != nil {
                minutes = try digits(2, "2-digit offset minutes")
            }
            guard hours <= 23 else { throw .outOfRange(.offsetHours, hours) }
            guard minutes <= 59 else { throw .outOfRange(.offsetMinutes, minutes) }
            let magnitude = Int32(hours * 3600 + minutes * 60)
            return sign == UInt8(ascii: "-") ? -magnitude : magnitude
        }

        /// One or more digits as nanoseconds; digits past the ninth are read and dropped.
        private mutating func fraction() throws(Problem) -> Int32 {
            var value: Int32 = 0
            var count = 0
            while let byte = peek(), byte &- UInt8(ascii: "0") < 10 {
                if count < 9 { value = value * 10 + Int32(byte &- UInt8(ascii: "0")) }
                count += 1
                position += 1
            }
            guard count > 0 else { throw .expected("digits of a fraction of a second", offset: position) }
            for _ in count..<max(count, 9) { value *= 10 }
            return value
        }

        private mutating func digits(_ count: Int, _ what: StaticString) throws(Problem) -> Int {
            var value = 0
            for _ in 0..<count {
                guard let byte = peek(), byte &- UInt8(ascii: "0") < 10 else { throw .expected("\(what)", offset: position) }
                value = value * 10 + Int(byte &- UInt8(ascii: "0"))
                position += 1
            }
            return value
        }

        private mutating func expect(_ byte: UInt8, _ what: StaticString) throws(Problem) {
            guard peek() == byte else { throw .expected("\(what)", offset: position) }
            position += 1
        }

        private func peek() -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        private static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
        /// `days_from_civil`, the inverse of ``ISO8601Time``'s `civil(days:)`).
        private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
            let shiftedYear = Int64(month <= 2 ? year - 1 : year)
            let era = shiftedYear / 400  // years here are positive
            let yearOfEra = shiftedYear - era * 400
            let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }
}
