import Foundation
import Testing
@testable import MonitorCore

/// ``Base64`` against Foundation's RFC 4648 coder (the engine has no Foundation).
@Suite struct Base64Tests {
    /// Every length from 0 to 64, seeded bytes: the same text as Foundation's, and back.
    @Test func matchesFoundationBothWays() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in 0...64 {
            let bytes = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString(), "length \(length)")
            #expect(Base64.decode(text) == bytes, "length \(length)")
        }
    }

    /// What Foundation refuses is refused: bad length, characters outside the alphabet,
    /// more than two padding characters. Padding that does not end the text is refused too,
    /// where swift-corelibs-foundation reads `AB=C` as two bytes and `====` as one.
    @Test func refusesWhatIsNotBase64() {
        for text in ["A", "AB=", "A===", "AB C", "AB\nC", "YWJj-A==", "YQ==YQ=="] {
            #expect(Base64.decode(text) == nil, "\(text)")
            #expect(Data(base64Encoded: text) == nil, "Foundation accepts \(text)")
        }
        for text in ["AB=C", "===="] { #expect(Base64.decode(text) == nil, "\(text)") }
    }
}
