import Foundation
import Testing
@testable import DriftCore

@Suite struct LosslessDoubleTests {
    @Test(arguments: [0.1, -0.0, 1e-310, .greatestFiniteMagnitude, 123_456.789_012_345_67, .nan, .infinity, -.infinity])
    func jsonRoundTripIsBitExact(_ value: Double) throws {
        let data = try JSONEncoder().encode([LosslessDouble(value)])
        let decoded = try JSONDecoder().decode([LosslessDouble].self, from: data)
        #expect(decoded[0].value.bitPattern == value.bitPattern || (value.isNaN && decoded[0].value.isNaN))
    }

    @Test func unknownStringIsAnError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([LosslessDouble].self, from: Data(#"["many"]"#.utf8)) }
    }
}
