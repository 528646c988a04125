/// Per-group outcomes of a regression model for fairness metrics over a window: one
/// ``RegressionSummary`` per group of the sensitive attribute(s), mergeable across panes
/// and serialisable; ``report(minimumGroupSize:)`` gives each group's errors and the
/// between-groups gap of the mean absolute error.
///
/// Source: Fairlearn 0.15's `MetricFrame(metrics=mean_absolute_error, …)` with
/// `difference(method="between_groups")` (max − min) and `ratio(method="between_groups")`
/// (min / max), on the groups with at least `minimumGroupSize` labelled rows.
///
/// Bounded: at most `maximumGroups` groups; rows of further groups are counted in
/// ``overflowCount`` instead of being stored. A key with the wrong number of attribute
/// values is counted in ``rejectedCount``. Memory: per group, the key plus about 100
/// bytes. Update: one dictionary lookup, no allocation unless the group is new.
public struct RegressionFairnessSummary: GroupTableSummary, Equatable, Sendable {
    /// The groups and their summaries (see ``GroupTableSummary`` for the forwarded properties).
    public private(set) var table: GroupTable<RegressionSummary>

    public init(attributes: [String], maximumGroups: Int = FairnessSummary.defaultMaximumGroups) throws(OutcomeSummaryError) {
        table = try GroupTable(attributes: attributes, maximumGroups: maximumGroups)
    }

    /// Records one labelled prediction of `group`.
    public mutating func record(group: FairnessGroupKey, prediction: Double, label: Double) {
        var one = RegressionSummary()
        one.record(prediction: prediction, label: label)
        table.record(rows: one.groupRowCount, in: group, new: { one }) { $0.merge(one) }
    }

    /// Adds `other`'s groups (another pane of the same window). Groups that no longer fit
    /// under `maximumGroups` go to the overflow count, admitted in key order so that which
    /// get in never depends on hash order.
    public mutating func merge(_ other: RegressionFairnessSummary) throws(OutcomeSummaryError) {
        try table.merge(other.table)
    }

    /// Each group's error metrics and the gap of the mean absolute error between the
    /// groups with at least `minimumGroupSize` recorded rows (nil with fewer than two).
    public func report(minimumGroupSize: Int = 100) -> RegressionFairnessReport {
        let (sorted, eligible, excluded) = table.sizedGroups(minimumGroupSize: minimumGroupSize, size: \.count)
        return RegressionFairnessReport(
            minimumGroupSize: minimumGroupSize,
            groups: sorted.map { RegressionFairnessReport.Group(key: $0.key, summary: $0.value) },
            excluded: excluded,
            meanAbsoluteErrorGap: FairnessReport.Gap(between: eligible.compactMap(\.meanAbsoluteError)),
            overflowCount: overflowCount)
    }
}

/// Per-group errors of a regression model and the between-groups gap of the mean
/// absolute error (see ``RegressionFairnessSummary/report(minimumGroupSize:)``).
public struct RegressionFairnessReport: Equatable, Sendable {
    public struct Group: Equatable, Sendable {
        public var key: FairnessGroupKey
        public var count: Int
        /// Nil for a group without recorded rows (only non-finite ones).
        public var meanAbsoluteError: Double?
        public var rootMeanSquaredError: Double?
        public var bias: Double?

        init(key: FairnessGroupKey, summary: RegressionSummary) {
            self.key = key
            count = summary.count
            meanAbsoluteError = summary.meanAbsoluteError
            rootMeanSquaredError = summary.rootMeanSquaredError
            bias = summary.bias
        }
    }

    public var minimumGroupSize: Int
    /// Every group, in key order.
    public var groups: [Group]
    /// Groups below the minimum size, left out of the gap.
    public var excluded: [FairnessGroupKey]
    /// Max − min and min / max of the eligible groups' mean absolute errors.
    public var meanAbsoluteErrorGap: FairnessReport.Gap?
    /// Rows of groups beyond the summary's cap, not in any group.
    public var overflowCount: UInt64
}

extension RegressionFairnessSummary: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) { table.encode(to: &writer) }

    public init(from reader: inout BinaryReader) throws { table = try GroupTable(from: &reader, kind: "regression fairness") }
}

extension RegressionSummary: GroupTableEntry {
    /// Recorded and non-finite rows.
    public var groupRowCount: UInt64 { UInt64(count) + nonFiniteCount }
}
