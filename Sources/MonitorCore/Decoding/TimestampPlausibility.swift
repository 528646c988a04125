/// Event times a live stream can plausibly carry, to catch a timestamp unit mix-up:
/// seconds read as milliseconds land in January 1970, milliseconds read as seconds tens
/// of thousands of years ahead.
extension FieldMapping.TimestampUnit {
    /// 1990-01-01T00:00:00Z up to the end of 2200, in epoch milliseconds.
    static let plausibleMilliseconds: Range<Double> = 631_152_000_000..<7_289_654_400_000

    /// The rejection of `value` read in this unit, or nil when it is plausible. A time after
    /// 2200 is always rejected; one before 1990 only when another unit would make it
    /// plausible (a mix-up). Earlier times no unit makes plausible — epoch-relative times
    /// such as test streams counting from 0 — are accepted as they are.
    func implausibility(of value: Double, field: @autoclosure () -> String) -> EventRejection? {
        let milliseconds = self.milliseconds(value)
        guard !Self.plausibleMilliseconds.contains(milliseconds) else { return nil }
        let suggestion = Self.allCases.first { $0 != self && Self.plausibleMilliseconds.contains($0.milliseconds(value)) }
        guard milliseconds >= Self.plausibleMilliseconds.upperBound || suggestion != nil else { return nil }
        let year = ISO8601Time.year(milliseconds: Int64(milliseconds.rounded(.down)))
        return .implausibleTimestamp(value, field: field(), unit: self, year: year, suggestion: suggestion)
    }

    /// The year of a time outside the plausible range, or nil when it is plausible: for text
    /// and Kafka message times, which carry no unit to mix up and are never epoch-relative.
    static func implausibleYear(milliseconds: Int64) -> Int64? {
        plausibleMilliseconds.contains(Double(milliseconds)) ? nil : ISO8601Time.year(milliseconds: milliseconds)
    }

    /// The unit spelt out, for messages.
    var name: String {
        switch self {
        case .seconds: "seconds"
        case .milliseconds: "milliseconds"
        case .microseconds: "microseconds"
        case .nanoseconds: "nanoseconds"
        }
    }
}
