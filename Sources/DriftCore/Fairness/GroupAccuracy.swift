/// Per-group accuracy of a classifier over a window, for the fairness of a multiclass
/// classifier: each group's labelled predictions and how many were right, mergeable
/// across panes and serialisable; ``report(minimumGroupSize:)`` gives each group's accuracy
/// and the between-groups gap.
///
/// Source: Fairlearn 0.15's `MetricFrame(metrics=accuracy_score, …)` with
/// `difference(method="between_groups")` (max − min) and `ratio(method="between_groups")`
/// (min / max), on the groups with at least `minimumGroupSize` labelled rows; each group's
/// accuracy is scikit-learn's `accuracy_score` (right / rows).
///
/// Bounded: at most `maximumGroups` groups; rows of further groups are counted in
/// ``overflowCount`` instead of being stored. A key with the wrong number of attribute
/// values is counted in ``rejectedCount``. Memory: per group, the key plus 16 bytes of
/// counts. Update: as ``GroupTable``'s (a scan of at most 8 key hashes, else one dictionary
/// lookup), no allocation unless the group is new.
public struct GroupAccuracySummary: GroupTableSummary, Equatable, Sendable {
    /// A group's labelled predictions and the right ones among them.
    public struct Counts: GroupTableEntry {
        public var rows: UInt64 = 0
        public var correct: UInt64 = 0

        public var accuracy: Double? { rows > 0 ? Double(correct) / Double(rows) : nil }

        public var groupRowCount: UInt64 { rows }

        public mutating func merge(_ other: Counts) {
            rows += other.rows
            correct += other.correct
        }
    }

    /// The groups and their counts (see ``GroupTableSummary`` for the forwarded properties).
    public private(set) var table: GroupTable<Counts>

    public init(attributes: [String], maximumGroups: Int = FairnessSummary.defaultMaximumGroups) throws(OutcomeSummaryError) {
        table = try GroupTable(attributes: attributes, maximumGroups: maximumGroups)
    }

    /// Records one labelled prediction of `group`, right or not.
    public mutating func record(group: FairnessGroupKey, correct: Bool) {
        let one = Counts(rows: 1, correct: correct ? 1 : 0)
        table.record(rows: 1, in: group, new: { one }) { $0.merge(one) }
    }

    /// Adds `other`'s groups (another pane of the same window). Groups that no longer fit
    /// under `maximumGroups` go to the overflow count, admitted in key order so that which
    /// get in never depends on hash order.
    public mutating func merge(_ other: GroupAccuracySummary) throws(OutcomeSummaryError) {
        try table.merge(other.table)
    }

    /// Each group's accuracy and the gap between the groups with at least
    /// `minimumGroupSize` labelled rows (nil with fewer than two).
    public func report(minimumGroupSize: Int = 100) -> GroupAccuracyReport {
        let (sorted, eligible, excluded) = table.sizedGroups(minimumGroupSize: minimumGroupSize) { Int($0.rows) }
        return GroupAccuracyReport(
            minimumGroupSize: minimumGroupSize,
            groups: sorted.map { GroupAccuracyReport.Group(key: $0.key, rows: Int($0.value.rows), accuracy: $0.value.accuracy) },
            excluded: excluded,
            accuracyGap: FairnessReport.Gap(between: eligible.compactMap(\.accuracy)),
            overflowCount: overflowCount)
    }
}

/// Per-group accuracy and the between-groups gap (see ``GroupAccuracySummary/report(minimumGroupSize:)``).
public struct GroupAccuracyReport: Equatable, Sendable {
    public struct Group: Equatable, Sendable {
        public var key: FairnessGroupKey
        public var rows: Int
        /// Nil for a group without rows.
        public var accuracy: Double?
    }

    public var minimumGroupSize: Int
    /// Every group, in key order.
    public var groups: [Group]
    /// Groups below the minimum size, left out of the gap.
    public var excluded: [FairnessGroupKey]
    /// Max − min and min / max of the eligible groups' accuracies.
    public var accuracyGap: FairnessReport.Gap?
    /// Rows of groups beyond the summary's cap, not in any group.
    public var overflowCount: UInt64
}

extension GroupAccuracySummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) { table.encode(to: &writer) }

    public init(from reader: inout BinaryReader) throws { table = try GroupTable(from: &reader, kind: "group accuracy") }
}

extension GroupAccuracySummary.Counts: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.writeVarint(rows)
        writer.writeVarint(correct)
    }

    public init(from reader: inout BinaryReader) throws {
        rows = try reader.readVarint()
        correct = try reader.readVarint()
        guard correct <= rows else { throw SerializationError.invalidValue("group accuracy of more right rows than rows") }
    }
}
