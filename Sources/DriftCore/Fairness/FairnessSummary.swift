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

    /// The precomputed hashes first: keys of different groups rarely get past them.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.valuesHash == rhs.valuesHash && lhs.values == rhs.values }

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
/// 500 bytes). Update: a scan of at most 8 precomputed key hashes, or one dictionary lookup
/// beyond 8 groups (``GroupTable``); no allocation unless the group is new.
public struct FairnessSummary: GroupTableSummary, Equatable, Sendable {
    public static let defaultMaximumGroups = 1000

    /// Score-histogram bins per group (0: none; the fairness metrics need no scores).
    public let scoreBins: Int
    /// The groups and their summaries (see ``GroupTableSummary`` for the forwarded properties).
    public private(set) var table: GroupTable<BinaryOutcomeSummary>
    /// An empty group summary, copied when a group first appears.
    private let emptyGroup: BinaryOutcomeSummary

    /// Predictions of groups that did not fit under `maximumGroups`.
    public var overflowPredictionCount: UInt64 { table.overflowCount }
    /// Predictions whose key did not have one value per attribute.
    public var rejectedPredictionCount: UInt64 { table.rejectedCount }

    public init(attributes: [String], maximumGroups: Int = defaultMaximumGroups, scoreBins: Int = 0)
        throws(OutcomeSummaryError)
    {
        table = try GroupTable(attributes: attributes, maximumGroups: maximumGroups)
        self.scoreBins = scoreBins
        emptyGroup = try BinaryOutcomeSummary(scoreBins: scoreBins)
    }

    /// Records one prediction of `group`; `label` is nil while the outcome is unknown.
    public mutating func record(group: FairnessGroupKey, label: Bool?, predicted: Bool, score: Double? = nil) {
        table.record(rows: 1, in: group, new: {
            var summary = emptyGroup
            Self.record(into: &summary, label: label, predicted: predicted, score: score)
            return summary
        }, update: { Self.record(into: &$0, label: label, predicted: predicted, score: score) })
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
        try table.checkMergeable(with: other.table)
        guard other.scoreBins == scoreBins else { throw .incompatibleMerge("score bins \(scoreBins) and \(other.scoreBins)") }
        try table.merge(other.table)
    }
}

extension BinaryOutcomeSummary: GroupTableEntry {
    /// Labelled and unlabelled predictions.
    public var groupRowCount: UInt64 { predictionCount }
}

extension FairnessSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        table.encodeHeader(to: &writer)
        writer.writeCount(scoreBins)
        table.encodeBody(to: &writer)
    }

    public init(from reader: inout BinaryReader) throws {
        let (attributes, maximumGroups) = try GroupTable<BinaryOutcomeSummary>.readHeader(from: &reader)
        let scoreBins = try reader.readCount()
        self = try GroupTable<BinaryOutcomeSummary>.decoding { () throws(OutcomeSummaryError) in
            try FairnessSummary(attributes: attributes, maximumGroups: maximumGroups, scoreBins: scoreBins)
        }
        try table.readCounts(from: &reader)
        _ = try BinaryOutcomeSummary.boundedTotal([overflowPredictionCount, rejectedPredictionCount])
        try table.readGroups(from: &reader, kind: "fairness") { summary in
            guard summary.scoreBins == scoreBins else {
                throw SerializationError.invalidValue("group with \(summary.scoreBins) score bins, expected \(scoreBins)")
            }
        }
    }
}
