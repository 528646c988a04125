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
/// counts. Update: one dictionary lookup, no allocation unless the group is new.
public struct GroupAccuracySummary: Equatable, Sendable {
    /// A group's labelled predictions and the right ones among them.
    public struct Counts: Equatable, Sendable {
        public var rows: UInt64 = 0
        public var correct: UInt64 = 0

        public var accuracy: Double? { rows > 0 ? Double(correct) / Double(rows) : nil }
    }

    /// Names of the sensitive attributes, in key order.
    public let attributes: [String]
    public let maximumGroups: Int
    public private(set) var groups: [FairnessGroupKey: Counts] = [:]
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

    /// Records one labelled prediction of `group`, right or not.
    public mutating func record(group: FairnessGroupKey, correct: Bool) {
        add(Counts(rows: 1, correct: correct ? 1 : 0), to: group)
    }

    /// Adds `other`'s groups (another pane of the same window). Groups that no longer fit
    /// under `maximumGroups` go to the overflow count, admitted in key order so that which
    /// get in never depends on hash order.
    public mutating func merge(_ other: GroupAccuracySummary) throws(OutcomeSummaryError) {
        guard other.attributes == attributes else {
            throw .incompatibleMerge("sensitive attributes \(attributes) and \(other.attributes)")
        }
        for (key, counts) in other.groups.sorted(by: { $0.key < $1.key }) { add(counts, to: key) }
        overflowCount += other.overflowCount
        rejectedCount += other.rejectedCount
    }

    private mutating func add(_ counts: Counts, to key: FairnessGroupKey) {
        guard key.values.count == attributes.count else {
            rejectedCount += counts.rows
            return
        }
        if let index = groups.index(forKey: key) {
            groups.values[index].rows += counts.rows
            groups.values[index].correct += counts.correct
        } else if groups.count < maximumGroups {
            groups[key] = counts
        } else {
            overflowCount += counts.rows
        }
    }

    /// Each group's accuracy and the gap between the groups with at least
    /// `minimumGroupSize` labelled rows (nil with fewer than two).
    public func report(minimumGroupSize: Int = 100) -> GroupAccuracyReport {
        let sorted = groups.sorted { $0.key < $1.key }
        let threshold = UInt64(max(minimumGroupSize, 0))
        let eligible = sorted.filter { $0.value.rows >= threshold }
        return GroupAccuracyReport(
            minimumGroupSize: minimumGroupSize,
            groups: sorted.map { GroupAccuracyReport.Group(key: $0.key, rows: Int($0.value.rows), accuracy: $0.value.accuracy) },
            excluded: sorted.filter { $0.value.rows < threshold }.map(\.key),
            accuracyGap: FairnessReport.Gap(between: eligible.compactMap { $0.value.accuracy }),
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
    public func encode(to writer: inout BinaryWriter) {
        writer.writeCount(attributes.count)
        for attribute in attributes { writer.write(attribute) }
        writer.writeCount(maximumGroups)
        writer.writeVarint(overflowCount)
        writer.writeVarint(rejectedCount)
        writer.writeCount(groups.count)
        for (key, counts) in groups.sorted(by: { $0.key < $1.key }) {
            for value in key.values { writer.write(value) }
            writer.writeVarint(counts.rows)
            writer.writeVarint(counts.correct)
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
            let counts = Counts(rows: try reader.readVarint(), correct: try reader.readVarint())
            guard counts.correct <= counts.rows else { throw SerializationError.invalidValue("group accuracy of more right rows than rows") }
            guard groups.updateValue(counts, forKey: FairnessGroupKey(values)) == nil else {
                throw SerializationError.invalidValue("duplicate group accuracy group \(values)")
            }
        }
    }
}
