/// The value of each sensitive attribute for one group, e.g. ["female", "35-54"] for
/// gender × age band. A single attribute is a one-element key.
///
/// The key hashes its values once, when it is made: every labelled prediction looks its
/// group up in a pane's and a window's summaries, and hashing the strings each time was
/// a few % of a replay. Hashing is per process (seeded), as it was before; nothing
/// depends on the order of a dictionary of groups.
public struct FairnessGroupKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let values: [String]
    private let valuesHash: Int

    public init(_ values: [String]) {
        self.values = values
        valuesHash = values.hashValue
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.values == rhs.values }

    public func hash(into hasher: inout Hasher) { hasher.combine(valuesHash) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.values.lexicographicallyPrecedes(rhs.values) }

    public var description: String { values.joined(separator: " × ") }
}

/// Per-group outcomes of a classifier for fairness metrics over a window: one
/// ``BinaryOutcomeSummary`` per group of the sensitive attribute(s), mergeable across
/// panes and serialisable.
///
/// Bounded: at most `maximumGroups` groups; predictions of further groups are counted in
/// ``overflowPredictionCount`` (and reported) instead of being stored. A key with the
/// wrong number of attribute values is rejected and counted in ``rejectedPredictionCount``.
/// Memory: per group, the key plus a summary (with the default `scoreBins = 0`, about
/// 500 bytes). Update: one dictionary lookup, no allocation unless the group is new.
public struct FairnessSummary: Equatable, Sendable {
    public static let defaultMaximumGroups = 1000

    /// Names of the sensitive attributes, in key order.
    public let attributes: [String]
    public let maximumGroups: Int
    /// Score-histogram bins per group (0: none; the fairness metrics need no scores).
    public let scoreBins: Int
    public private(set) var groups: [FairnessGroupKey: BinaryOutcomeSummary] = [:]
    /// Predictions of groups that did not fit under `maximumGroups`.
    public private(set) var overflowPredictionCount: UInt64 = 0
    /// Predictions whose key did not have one value per attribute.
    public private(set) var rejectedPredictionCount: UInt64 = 0
    /// An empty group summary, copied when a group first appears.
    private let emptyGroup: BinaryOutcomeSummary

    public init(attributes: [String], maximumGroups: Int = defaultMaximumGroups, scoreBins: Int = 0)
        throws(OutcomeSummaryError)
    {
        guard !attributes.isEmpty else { throw .invalidConfiguration("at least one sensitive attribute is needed") }
        guard maximumGroups >= 1 else { throw .invalidConfiguration("maximumGroups must be at least 1") }
        self.attributes = attributes
        self.maximumGroups = maximumGroups
        self.scoreBins = scoreBins
        emptyGroup = try BinaryOutcomeSummary(scoreBins: scoreBins)
    }

    /// Records one prediction of `group`; `label` is nil while the outcome is unknown.
    public mutating func record(group: FairnessGroupKey, label: Bool?, predicted: Bool, score: Double? = nil) {
        guard group.values.count == attributes.count else {
            rejectedPredictionCount += 1
            return
        }
        if let index = groups.index(forKey: group) {
            Self.record(into: &groups.values[index], label: label, predicted: predicted, score: score)
        } else if groups.count < maximumGroups {
            var summary = emptyGroup
            Self.record(into: &summary, label: label, predicted: predicted, score: score)
            groups[group] = summary
        } else {
            overflowPredictionCount += 1
        }
    }

    private static func record(into summary: inout BinaryOutcomeSummary, label: Bool?, predicted: Bool, score: Double?) {
        if let label {
            summary.record(label: label, predicted: predicted, score: score)
        } else {
            summary.recordUnlabelled(predicted: predicted)
        }
    }

    /// Adds `other`'s groups (another pane of the same window). Groups that no longer fit
    /// under `maximumGroups` go to the overflow count.
    public mutating func merge(_ other: FairnessSummary) throws(OutcomeSummaryError) {
        guard other.attributes == attributes else {
            throw .incompatibleMerge("sensitive attributes \(attributes) and \(other.attributes)")
        }
        guard other.scoreBins == scoreBins else { throw .incompatibleMerge("score bins \(scoreBins) and \(other.scoreBins)") }
        if groups.count + other.groups.count <= maximumGroups {
            for (key, summary) in other.groups { try mergeGroup(key, summary) }
        } else {
            // Under the cap, which groups get in must not depend on hash order.
            for (key, summary) in other.groups.sorted(by: { $0.key < $1.key }) { try mergeGroup(key, summary) }
        }
        overflowPredictionCount += other.overflowPredictionCount
        rejectedPredictionCount += other.rejectedPredictionCount
    }

    private mutating func mergeGroup(_ key: FairnessGroupKey, _ summary: BinaryOutcomeSummary) throws(OutcomeSummaryError) {
        if let index = groups.index(forKey: key) {
            try groups.values[index].merge(summary)
        } else if groups.count < maximumGroups {
            groups[key] = summary
        } else {
            overflowPredictionCount += summary.predictionCount
        }
    }
}

extension FairnessSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(attributes.count)
        for attribute in attributes { writer.write(attribute) }
        writer.writeCount(maximumGroups)
        writer.writeCount(scoreBins)
        writer.writeVarint(overflowPredictionCount)
        writer.writeVarint(rejectedPredictionCount)
        writer.writeCount(groups.count)
        for (key, summary) in groups.sorted(by: { $0.key < $1.key }) {
            for value in key.values { writer.write(value) }
            summary.encode(to: &writer)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        let attributeCount = try reader.readCount(maximum: reader.remaining)
        var attributes: [String] = []
        for _ in 0..<attributeCount { attributes.append(try reader.readString()) }
        do {
            try self.init(attributes: attributes, maximumGroups: try reader.readCount(), scoreBins: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        overflowPredictionCount = try reader.readVarint()
        rejectedPredictionCount = try reader.readVarint()
        _ = try BinaryOutcomeSummary.boundedTotal([overflowPredictionCount, rejectedPredictionCount])
        let groupCount = try reader.readCount(maximum: min(maximumGroups, reader.remaining))
        for _ in 0..<groupCount {
            var values: [String] = []
            for _ in 0..<attributeCount { values.append(try reader.readString()) }
            let summary = try BinaryOutcomeSummary(from: &reader)
            guard summary.scoreBins == scoreBins else {
                throw SerializationError.invalidValue("group with \(summary.scoreBins) score bins, expected \(scoreBins)")
            }
            guard groups.updateValue(summary, forKey: FairnessGroupKey(values)) == nil else {
                throw SerializationError.invalidValue("duplicate fairness group \(values)")
            }
        }
    }
}
