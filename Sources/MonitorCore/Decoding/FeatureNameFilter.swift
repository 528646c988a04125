/// A 256-bit Bloom filter (two bits per name, from an avalanched FNV-1a hash of its UTF-8 bytes) of
/// the feature names of one message. A message repeats a name rarely; checking each name
/// against those before it costs a hash and two bit tests, and a scan of the names only
/// on a possible repeat: false positives about one name in 25 at 30 names, one in 7 at
/// 64 (`(1 - e^(-2n/256))^2`). Messages with more names use a dictionary instead. (Swift's
/// `Dictionary` for this cost ~5 % of a replay of 30-feature events: a seeded SipHash per
/// name and a table grown from empty for every message.)
struct FeatureNameFilter {
    /// Names checked with the filter; a message with more goes to a dictionary from then on.
    static let scanLimit = 64

    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The hash the filter takes `name` by: decoders keep it with names they reuse
    /// (``RecentStrings/nextName(_:)``), so a name repeated from message to message is hashed once.
    static func hash(of name: String) -> UInt64 {
        // The bytes in place: iterating `name.utf8` branches on the string's representation per byte.
        var name = name
        return name.withUTF8 { FNV1a64.avalanchedHash(of: UnsafeRawBufferPointer($0)) }
    }

    /// Adds the name whose ``hash(of:)`` is `hash`; returns whether it may have been added
    /// before (false: certainly not).
    mutating func insert(hash: UInt64) -> Bool {
        let first = Int(truncatingIfNeeded: hash >> 56), second = Int(truncatingIfNeeded: hash >> 48) & 0xFF
        let seen = test(first) && test(second)
        set(first)
        set(second)
        return seen
    }

    private func test(_ bit: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: return words.0 & mask != 0
        case 1: return words.1 & mask != 0
        case 2: return words.2 & mask != 0
        default: return words.3 & mask != 0
        }
    }

    private mutating func set(_ bit: Int) {
        let mask: UInt64 = 1 << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: words.0 |= mask
        case 1: words.1 |= mask
        case 2: words.2 |= mask
        default: words.3 |= mask
        }
    }
}
