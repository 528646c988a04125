/// Exact per-category counts of a categorical feature, bounded by a cap on distinct values.
///
/// The first `capacity` distinct categories are counted exactly; values of any further
/// category go to an `other` bucket whose size is `overflowCount`, so memory is bounded
/// and nothing is silently dropped. Missing values (`nil`) are counted apart. A merge
/// adds counts for categories already held, admits new ones while under the cap and
/// counts the rest as overflow, so totals are always conserved. Which categories win the
/// last slots never depends on hash order: updates admit them in arrival order, and a
/// merge whose newcomers do not all fit admits the other summary's most frequent first
/// (ties by category), so the result depends only on the two summaries' contents — two
/// replays of a stream merge the same windows byte for byte (under the cap, merging is
/// exact and order-free). Update: one hash lookup, O(1) expected, no allocation once a
/// category is known.
public struct CategoricalSummary: Sendable, Equatable {
    public static let defaultCapacity = 1000

    /// Maximum number of distinct categories counted exactly.
    public let capacity: Int
    public private(set) var counts: [String: Int]
    /// Values whose category arrived after the cap was reached (the `other` bucket).
    public private(set) var overflowCount: Int
    public var missingCount: Int { storedMissingCount }
    @usableFromInline var storedMissingCount: Int

    public init(capacity: Int = CategoricalSummary.defaultCapacity) {
        self.capacity = max(0, capacity)
        counts = [:]
        overflowCount = 0
        storedMissingCount = 0
    }

    /// Adds one observation; `nil` counts as missing.
    @inlinable
    public mutating func update(_ category: String?) {
        guard let category else {
            storedMissingCount += 1
            return
        }
        add(category, count: 1)
    }

    /// Adds one boolean observation as the category `"true"` or `"false"` (``CategoryValue``).
    public mutating func update(_ flag: Bool) {
        add(CategoryValue.category(of: flag), count: 1)
    }

    @usableFromInline
    mutating func add(_ category: String, count: Int) {
        if let index = counts.index(forKey: category) {
            counts.values[index] += count
        } else if counts.count < capacity {
            counts[category] = count
        } else {
            overflowCount += count
        }
    }

    public mutating func recordMissing(count: Int = 1) {
        storedMissingCount += max(0, count)
    }

    /// Adds another summary; the result keeps this summary's cap. Categories already
    /// held take their counts; when `other`'s new categories do not all fit, the most
    /// frequent get the free slots (ties by category) and the rest are overflow — never
    /// Dictionary iteration order, which differs between runs. O(other's categories),
    /// plus sorting the newcomers when they overflow.
    public mutating func merge(_ other: CategoricalSummary) {
        var newcomers: [(category: String, count: Int)] = []
        for (category, count) in other.counts {
            if let index = counts.index(forKey: category) {
                counts.values[index] += count
            } else {
                newcomers.append((category, count))
            }
        }
        if counts.count + newcomers.count > capacity {
            newcomers.sort { ($0.count, $1.category) > ($1.count, $0.category) }
        }
        for newcomer in newcomers { add(newcomer.category, count: newcomer.count) }
        overflowCount += other.overflowCount
        storedMissingCount += other.missingCount
    }

    public func merged(with other: CategoricalSummary) -> CategoricalSummary {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// The same observations with every category renamed by `rename`; categories that get
    /// one name are added together (so the cap still holds).
    func renamingCategories(_ rename: (String) -> String) -> CategoricalSummary {
        var renamed = self
        renamed.counts = [:]
        for (category, count) in counts { renamed.counts[rename(category), default: 0] += count }
        return renamed
    }

    /// Non-missing observations, the `other` bucket included.
    public var presentCount: Int { counts.values.reduce(0, +) + overflowCount }
    /// Every observation, missing included.
    public var totalCount: Int { presentCount + missingCount }
    /// Categories in a stable (sorted) order.
    public var sortedCategories: [String] { counts.keys.sorted() }

    /// Rejects states no sequence of updates can produce.
    func validate() throws {
        guard counts.count <= capacity, counts.values.allSatisfy({ $0 > 0 }), overflowCount >= 0, missingCount >= 0 else {
            throw SerializationError.invalidValue("inconsistent categorical summary")
        }
    }
}

extension CategoricalSummary: BinaryCodable {
    /// Layout: capacity, overflow, missing, then (category, count) pairs sorted by category.
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(capacity)
        writer.writeCount(overflowCount)
        writer.writeCount(missingCount)
        writer.writeCount(counts.count)
        for category in sortedCategories {
            writer.write(category)
            writer.writeCount(counts[category]!)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        self.init(capacity: try reader.readCount())
        overflowCount = try reader.readCount()
        storedMissingCount = try reader.readCount()
        let entries = try reader.readCount(maximum: reader.remaining / 2)
        for _ in 0..<entries {
            let category = try reader.readString()
            let count = try reader.readCount()
            guard counts.updateValue(count, forKey: category) == nil else {
                throw SerializationError.invalidValue("duplicate category")
            }
        }
        try validate()
    }
}

extension CategoricalSummary: Codable {
    private enum CodingKeys: String, CodingKey { case capacity, counts, overflowCount, missingCount }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(capacity: try container.decode(Int.self, forKey: .capacity))
        counts = try container.decode([String: Int].self, forKey: .counts)
        overflowCount = try container.decode(Int.self, forKey: .overflowCount)
        storedMissingCount = try container.decode(Int.self, forKey: .missingCount)
        do { try validate() } catch {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(capacity, forKey: .capacity)
        try container.encode(counts, forKey: .counts)
        try container.encode(overflowCount, forKey: .overflowCount)
        try container.encode(missingCount, forKey: .missingCount)
    }
}
