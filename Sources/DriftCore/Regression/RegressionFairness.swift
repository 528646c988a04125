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
public struct RegressionFairnessSummary: Equatable, Sendable {
    /// Names of the sensitive attributes, in key order.
    public let attributes: [String]
    public let maximumGroups: Int
    public private(set) var groups: [FairnessGroupKey: RegressionSummary] = [:]
    /// Rows of groups that did not fit under `maximumGroups`.
    public private(set) var overflowCount: UInt64 = 0
    /// Rows whose key did not have one value per attribute.
    public private(set) var rejectedCount: UInt64 = 0

    public init(attributes: [String], maximumGroups: Int = FairnessSummary.defaultMaximumGroups) throws(OutcomeSummaryError) {
        guard !attributes.isEmpty else { throw .invalidConfiguration("at least one sensitive attribute is needed") }
        guard maximumGroups >= 1 else { throw .invalidConfiguration("maximumGroups must be at least 1") }
        self.attributes = attributes
        self.maximumGroups = maximumGroups
    }

    /// Records one labelled prediction of `group`.
    public mutating func record(group: FairnessGroupKey, prediction: Double, label: Double) {
        var one = RegressionSummary()
        one.record(prediction: prediction, label: label)
        add(one, to: group)
    }

    /// Adds `other`'s groups (another pane of the same window). Groups that no longer fit
    /// under `maximumGroups` go to the overflow count, admitted in key order so that which
    /// get in never depends on hash order.
    public mutating func merge(_ other: RegressionFairnessSummary) throws(OutcomeSummaryError) {
        guard other.attributes == attributes else {
            throw .incompatibleMerge("sensitive attributes \(attributes) and \(other.attributes)")
        }
        for (key, summary) in other.groups.sorted(by: { $0.key < $1.key }) { add(summary, to: key) }
        overflowCount += other.overflowCount
        rejectedCount += other.rejectedCount
    }

    private mutating func add(_ summary: RegressionSummary, to key: FairnessGroupKey) {
        let rows = UInt64(summary.count) + summary.nonFiniteCount
        guard key.values.count == attributes.count else {
            rejectedCount += rows
            return
        }
        if let index = groups.index(forKey: key) {
            groups.values[index].merge(summary)
        } else if groups.count < maximumGroups {
            groups[key] = summary
        } else {
            overflowCount += rows
        }
    }

    /// Each group's error metrics and the gap of the mean absolute error between the
    /// groups with at least `minimumGroupSize` recorded rows (nil with fewer than two).
    public func report(minimumGroupSize: Int = 100) -> RegressionFairnessReport {
        let sorted = groups.sorted { $0.key < $1.key }
        let threshold = max(minimumGroupSize, 0)
        let eligible = sorted.filter { $0.value.count >= threshold }
        return RegressionFairnessReport(
            minimumGroupSize: minimumGroupSize,
            groups: sorted.map { RegressionFairnessReport.Group(key: $0.key, summary: $0.value) },
            excluded: sorted.filter { $0.value.count < threshold }.map(\.key),
            meanAbsoluteErrorGap: FairnessReport.Gap(between: eligible.compactMap { $0.value.meanAbsoluteError }),
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
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(attributes.count)
        for attribute in attributes { writer.write(attribute) }
        writer.writeCount(maximumGroups)
        writer.writeVarint(overflowCount)
        writer.writeVarint(rejectedCount)
        writer.writeCount(groups.count)
        for (key, summary) in groups.sorted(by: { $0.key < $1.key }) {
            for value in key.values { writer.write(value) }
            summary.encode(to: &writer)
        }
    }

    public init(from reader: inout BinaryReader) throws {
        var attributes: [String] = []
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) { attributes.append(try reader.readString()) }
        do {
            try self.init(attributes: attributes, maximumGroups: try reader.readCount())
        } catch let error as OutcomeSummaryError {
            throw SerializationError.invalidValue(error.description)
        }
        overflowCount = try reader.readVarint()
        rejectedCount = try reader.readVarint()
        let groupCount = try reader.readCount(maximum: min(maximumGroups, reader.remaining))
        for _ in 0..<groupCount {
            var values: [String] = []
            for _ in attributes { values.append(try reader.readString()) }
            guard groups.updateValue(try RegressionSummary(from: &reader), forKey: FairnessGroupKey(values)) == nil else {
                throw SerializationError.invalidValue("duplicate regression fairness group \(values)")
            }
        }
    }
}
