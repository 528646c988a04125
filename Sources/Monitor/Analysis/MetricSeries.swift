/// A metric's values over windows, downsampled to a bounded number of buckets: consecutive
/// windows are merged in powers of two (mean, minimum, maximum), deterministically, so a
/// series of any length holds at most `2 × target` buckets.
public struct MetricSeries: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        /// Window ends of the first and last window in the bucket.
        public var first: Int64
        public var last: Int64
        public var windows = 0
        /// Windows with a value (the others had the metric undefined).
        public var valued = 0
        public var sum = 0.0
        public var minimum = Double.infinity
        public var maximum = -Double.infinity
        /// Samples behind the valued windows (events, labelled predictions), summed.
        public var samples = 0
        public var mean: Double? { valued > 0 ? sum / Double(valued) : nil }
        public var meanSamples: Int? { valued > 0 ? Int((Double(samples) / Double(valued)).rounded()) : nil }

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

    public let target: Int
    public private(set) var buckets: [Bucket] = []
    /// Windows per bucket (a power of two).
    public private(set) var windowsPerBucket = 1
    /// The last window's value, as written (not downsampled).
    public private(set) var latest: Double?

    public static let defaultTarget = 240

    public init(target: Int = MetricSeries.defaultTarget) {
        self.target = max(1, target)
    }

    public mutating func add(_ time: Int64, _ value: Double?, samples: Int) {
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
public struct SeriesKey: Sendable, Hashable, Comparable {
    public var model: String
    public var version: String
    public var metric: String
    public var subject: String

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.model, lhs.version, lhs.metric, lhs.subject) < (rhs.model, rhs.version, rhs.metric, rhs.subject)
    }
}

/// A model version's name.
public struct ModelVersion: Sendable, Hashable, Comparable {
    public var model: String
    public var version: String

    public static func < (lhs: ModelVersion, rhs: ModelVersion) -> Bool { (lhs.model, lhs.version) < (rhs.model, rhs.version) }
}

/// What `report` and `replay --metrics-csv` gather from a replay: every metric's series,
/// the alert episodes, and the groups fairness alerts reported. Bounded: at most
/// `maximumSeries` series (more are counted, not kept) of bounded length each, and at most
/// `maximumFairnessSnapshots` fairness snapshots.
public struct HistoryCollector: Sendable {
    /// Per-group selection rates a fairness alert reported when it fired.
    public struct FairnessSnapshot: Sendable, Equatable {
        public struct Group: Sendable, Equatable {
            public var name: String
            public var rate: Double
            public var count: Int
        }
        public var rule: String
        public var model: String
        public var version: String
        public var subject: String
        public var at: Int64
        public var groups: [Group]
    }

    /// A threshold an alert reported when it fired or resolved (relative and `sigma` conditions depend on the reference).
    public struct ThresholdMark: Sendable, Equatable {
        public var rule: String
        public var model: String
        public var version: String
        public var subject: String
        public var at: Int64
        public var threshold: Double
    }

    public let maximumSeries: Int
    public static let maximumFairnessSnapshots = 200
    public private(set) var series: [SeriesKey: MetricSeries] = [:]
    public private(set) var seriesOverflow = 0
    public private(set) var episodes = EpisodeCollector()
    public private(set) var fairnessSnapshots: [FairnessSnapshot] = []
    public private(set) var fairnessSnapshotOverflow = 0
    public private(set) var thresholdMarks: [ThresholdMark] = []
    public static let maximumThresholdMarks = 20_000
    public private(set) var first: Int64 = .max
    public private(set) var last: Int64 = .min
    private let seriesTarget: Int

    public init(maximumSeries: Int = 4_000, seriesTarget: Int = MetricSeries.defaultTarget) {
        self.maximumSeries = maximumSeries
        self.seriesTarget = seriesTarget
    }

    public mutating func add(_ record: AnalysisRecord) {
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
    public var modelVersions: [ModelVersion] {
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
