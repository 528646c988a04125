import MonitorCore

/// A metric's values over windows, downsampled to a bounded number of buckets: consecutive
/// windows are merged in powers of two (mean, minimum, maximum), deterministically, so a
/// series of any length holds at most `2 × target` buckets.
package struct MetricSeries: Sendable, Equatable {
    package struct Bucket: Sendable, Equatable {
        /// Window ends of the first and last window in the bucket.
        package var first: Int64
        package var last: Int64
        package var windows = 0
        /// Windows with a value (the others had the metric undefined).
        package var valued = 0
        package var sum = 0.0
        package var minimum = Double.infinity
        package var maximum = -Double.infinity
        /// Samples behind the valued windows (events, labelled predictions), summed.
        package var samples = 0
        package var mean: Double? { valued > 0 ? sum / Double(valued) : nil }
        package var meanSamples: Int? { valued > 0 ? Int((Double(samples) / Double(valued)).rounded()) : nil }

        mutating func add(_ time: Int64, _ value: Double?, samples count: Int) {
            last = time
            windows += 1
            guard let value, value.isFinite else { return }
            valued += 1
            samples += count
            sum += value
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }

        mutating func merge(_ other: Bucket) {
            last = other.last
            windows += other.windows
            valued += other.valued
            samples += other.samples
            sum += other.sum
            minimum = min(minimum, other.minimum)
            maximum = max(maximum, other.maximum)
        }
    }

    package let target: Int
    package private(set) var buckets: [Bucket] = []
    /// Windows per bucket (a power of two).
    package private(set) var windowsPerBucket = 1
    /// The last window's value, as written (not downsampled).
    package private(set) var latest: Double?

    package static let defaultTarget = 240

    package init(target: Int = MetricSeries.defaultTarget) {
        self.target = max(1, target)
    }

    package mutating func add(_ time: Int64, _ value: Double?, samples: Int) {
        latest = value
        if buckets.isEmpty || buckets[buckets.count - 1].windows >= windowsPerBucket {
            buckets.append(Bucket(first: time, last: time))
        }
        buckets[buckets.count - 1].add(time, value, samples: samples)
        guard buckets.count > 2 * target else { return }
        buckets = stride(from: 0, to: buckets.count, by: 2).map { index in
            var pair = buckets[index]
            if index + 1 < buckets.count { pair.merge(buckets[index + 1]) }
            return pair
        }
        windowsPerBucket *= 2
    }
}

/// Which series: a metric of one subject of one model version.
package struct SeriesKey: Sendable, Hashable, Comparable {
    package var model: String
    package var version: String
    package var metric: String
    package var subject: String

    package static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.model, lhs.version, lhs.metric, lhs.subject) < (rhs.model, rhs.version, rhs.metric, rhs.subject)
    }
}

/// A model version's name.
package struct ModelVersion: Sendable, Hashable, Comparable {
    package var model: String
    package var version: String

    package static func < (lhs: ModelVersion, rhs: ModelVersion) -> Bool { (lhs.model, lhs.version) < (rhs.model, rhs.version) }
}

/// What `report` and `replay --metrics-csv` gather from a replay: every metric's series,
/// the alert episodes, and the groups fairness alerts reported. Bounded: at most
/// `maximumSeries` series (more are counted, not kept) of bounded length each, and at most
/// `maximumFairnessSnapshots` fairness snapshots.
package struct HistoryCollector: Sendable {
    /// Per-group selection rates a fairness alert reported when it fired.
    package struct FairnessSnapshot: Sendable, Equatable {
        package struct Group: Sendable, Equatable {
            package var name: String
            package var rate: Double
            package var count: Int
        }
        package var rule: String
        package var model: String
        package var version: String
        package var subject: String
        package var at: Int64
        package var groups: [Group]
    }

    /// A threshold an alert reported when it fired or resolved (relative and `sigma` conditions depend on the reference).
    package struct ThresholdMark: Sendable, Equatable {
        package var rule: String
        package var model: String
        package var version: String
        package var subject: String
        package var at: Int64
        package var threshold: Double
    }

    package let maximumSeries: Int
    package static let maximumFairnessSnapshots = 200
    package private(set) var series: [SeriesKey: MetricSeries] = [:]
    package private(set) var seriesOverflow = 0
    package private(set) var episodes = EpisodeCollector()
    package private(set) var fairnessSnapshots: [FairnessSnapshot] = []
    package private(set) var fairnessSnapshotOverflow = 0
    package private(set) var thresholdMarks: [ThresholdMark] = []
    package static let maximumThresholdMarks = 20_000
    package private(set) var first: Int64 = .max
    package private(set) var last: Int64 = .min
    private let seriesTarget: Int

    package init(maximumSeries: Int = 4_000, seriesTarget: Int = MetricSeries.defaultTarget) {
        self.maximumSeries = maximumSeries
        self.seriesTarget = seriesTarget
    }

    package mutating func add(_ record: AnalysisRecord) {
        switch record {
        case let .metric(point):
            first = min(first, point.windowStart)
            last = max(last, point.windowEnd)
            let key = SeriesKey(model: point.model, version: point.version, metric: point.metric, subject: point.subject)
            if series[key] == nil {
                guard series.count < maximumSeries else { seriesOverflow += 1; return }
                series[key] = MetricSeries(target: seriesTarget)
            }
            series[key]!.add(point.windowEnd, point.value, samples: point.samples)
        case let .alert(transition):
            episodes.add(transition)
            if let threshold = transition.threshold, thresholdMarks.count < Self.maximumThresholdMarks {
                thresholdMarks.append(ThresholdMark(rule: transition.rule, model: transition.model, version: transition.version,
                                                    subject: transition.subject, at: transition.at, threshold: threshold))
            }
            if transition.status == .firing, let snapshot = Self.fairnessSnapshot(transition) {
                if fairnessSnapshots.count < Self.maximumFairnessSnapshots { fairnessSnapshots.append(snapshot) } else { fairnessSnapshotOverflow += 1 }
            }
        case .other:
            break
        }
    }

    /// The model versions seen, sorted.
    package var modelVersions: [ModelVersion] {
        Set(series.keys.map { ModelVersion(model: $0.model, version: $0.version) }).sorted()
    }

    /// Group rates from a fairness alert's evidence (selection rate and predictions per group).
    static func fairnessSnapshot(_ transition: AlertTransition) -> FairnessSnapshot? {
        let groups = transition.evidence.sorted { $0.name < $1.name }.compactMap { item -> FairnessSnapshot.Group? in
            guard case let .group(rate, count) = item.value else { return nil }
            return FairnessSnapshot.Group(name: item.name, rate: rate, count: count)
        }
        guard !groups.isEmpty else { return nil }
        return FairnessSnapshot(rule: transition.rule, model: transition.model, version: transition.version,
                                subject: transition.subject, at: transition.at, groups: groups)
    }
}
