#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The strings of the previous message, by the order they were read, so that decoding
/// the next message can reuse them instead of building and validating new ones.
///
/// Messages of one model repeat the same feature names, segment names and, often, the
/// same category values in the same order; comparing a string's bytes with those read at
/// the same position last time is cheaper than building a `String` (an allocation for
/// long ones, UTF-8 validation always). A miss builds the string and replaces the entry.
///
/// Bounded: `capacity` positions of at most ``maximumBytes`` bytes each (longer strings
/// and strings with escapes are built every time). Not shared: one per engine.
///
/// It also carries the previous event's arrays (``ReusableEventArrays``), the other thing
/// one message leaves for the next to reuse.
struct RecentStrings {
    static let maximumBytes = 32

    /// Positions remembered; 0 remembers nothing (a one-off decode, which would only pay
    /// for filling the table).
    private let capacity: Int

    /// Entry `i`'s bytes start at `i * maximumBytes`.
    private var bytes: [UInt8] = []
    private var lengths: [Int] = []
    private var strings: [String] = []
    /// Each entry's ``FeatureNameFilter/hash(of:)``, computed when first asked for (0: not yet).
    private var hashes: [UInt64] = []
    /// Strings read so far from the current message: the position of the next one.
    private var cursor = 0
    /// The previous event's feature and segment arrays.
    var arrays = ReusableEventArrays()

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// Starts a message: its strings are matched with the previous message's from the first.
    mutating func startMessage() {
        cursor = 0
    }

    /// The String of `key`, the current message's next string: the previous message's
    /// string at the same position when the bytes are the same.
    mutating func next(_ key: JSONKey) -> String {
        entry(key).string
    }

    /// ``next(_:)`` for a feature name, with its ``FeatureNameFilter/hash(of:)``: kept with
    /// the string, so a name reused from the previous message is not hashed again.
    mutating func nextName(_ key: JSONKey) -> (name: String, hash: UInt64) {
        let (name, position) = entry(key)
        guard let position else { return (name, FeatureNameFilter.hash(of: name)) }
        if hashes[position] == 0 { hashes[position] = FeatureNameFilter.hash(of: name) }
        return (name, hashes[position])
    }

    /// The string of `key` and its position in the table (nil: not kept there).
    private mutating func entry(_ key: JSONKey) -> (string: String, position: Int?) {
        let position = cursor
        cursor += 1
        guard position < capacity, let raw = key.rawBytes, !raw.isEmpty, raw.count <= Self.maximumBytes else { return (key.string, nil) }
        if position < strings.count, lengths[position] == raw.count,
           bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + position * Self.maximumBytes, raw.baseAddress!, raw.count) == 0 }) {
            return (strings[position], position)
        }
        let string = key.string
        if position >= strings.count {
            guard position == strings.count else { return (string, nil) }  // positions fill in order
            bytes.append(contentsOf: repeatElement(0, count: Self.maximumBytes))
            lengths.append(0)
            strings.append("")
            hashes.append(0)
        }
        bytes.withUnsafeMutableBufferPointer { buffer in
            _ = memcpy(buffer.baseAddress! + position * Self.maximumBytes, raw.baseAddress!, raw.count)
        }
        lengths[position] = raw.count
        strings[position] = string
        hashes[position] = 0
        return (string, position)
    }
}
