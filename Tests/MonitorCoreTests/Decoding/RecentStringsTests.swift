@testable import MonitorCore
import Testing

/// Strings reused from the previous message, and the feature-name hashes kept with them.
@Suite struct RecentStringsTests {
    /// Reads each message's object keys through `recent`, as the decoder reads feature names.
    private static func names(of message: String, _ recent: inout RecentStrings) throws -> [(name: String, hash: UInt64)] {
        var bytes = Array(message.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var reader = JSONReader(UnsafeBufferPointer(buffer))
            var names: [(name: String, hash: UInt64)] = []
            recent.startMessage()
            try reader.readObject { reader, key in
                names.append(recent.nextName(key))
                try reader.skipValue()
            }
            return names
        }
    }

    /// Names that stay, change, move, grow past the kept length or carry escapes: each
    /// message gives its own names, each with the hash the name has by itself, whether it
    /// was reused, replaced at its position or never kept.
    @Test func reusedAndReplacedNamesCarryTheirOwnHash() throws {
        let long = String(repeating: "x", count: RecentStrings.maximumBytes + 1)
        let messages = [
            #"{"a":1,"bb":2,"ccc":3}"#,
            #"{"a":1,"bb":2,"ccc":3}"#,            // every name reused
            #"{"a":1,"dd":2,"ccc":3,"e":4}"#,      // one replaced, one added
            #"{"ccc":1,"a":2,"dd":3,"e":4}"#,      // moved: replaced at each position
            #"{"\#(long)":1,"a\u0062":2,"ccc":3}"#, // too long to keep, escaped (never kept)
            #"{"a":1,"bb":2,"ccc":3,"e":4}"#,
        ]
        let expected = [["a", "bb", "ccc"], ["a", "bb", "ccc"], ["a", "dd", "ccc", "e"], ["ccc", "a", "dd", "e"],
                        [long, "ab", "ccc"], ["a", "bb", "ccc", "e"]]
        var recent = RecentStrings()
        for (message, names) in zip(messages, expected) {
            let read = try Self.names(of: message, &recent)
            #expect(read.map(\.name) == names, "\(message)")
            #expect(read.map(\.hash) == names.map(FeatureNameFilter.hash(of:)), "\(message)")
        }
        // Remembering nothing (a one-off decode) gives the same.
        var nothing = RecentStrings(capacity: 0)
        let read = try Self.names(of: messages[2], &nothing)
        #expect(read.map(\.name) == expected[2] && read.map(\.hash) == expected[2].map(FeatureNameFilter.hash(of:)))
    }
}
