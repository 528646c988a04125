/// A `Double` whose `Codable` form survives JSON: finite values are JSON numbers (which
/// Swift's encoder writes in shortest round-trip form), and NaN and the infinities,
/// which JSON cannot hold, are the strings `"nan"`, `"inf"` and `"-inf"`.
public struct LosslessDouble: Codable, Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        switch try container.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let other:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite {
            try container.encode(value)
        } else {
            try container.encode(value.isNaN ? "nan" : value > 0 ? "inf" : "-inf")
        }
    }
}
