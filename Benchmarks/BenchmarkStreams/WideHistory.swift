import Foundation
import MonitorCore
import Simulation

/// A wide history for the engine benchmarks: by default 14 days at ~36,000 predictions a
/// day of one "churn" model with 30 features, in event-time order — the shape of many
/// production feature logs, where the cost per *feature* dominates.
///
/// Written apart from ``SparseHistory`` and ``StreamSimulator`` on purpose, with another
/// shape again: a constant Poisson rate; 24 numeric features (normal with growing means and
/// spreads, 1 % missing) and 6 categorical ones (3 to 12 categories); RFC 3339 timestamps
/// with milliseconds; 36-character UUID-style ids; segments `region` (8) and `age_band`
/// (4); boolean labels after an exponential delay (mean 30 hours) for 80 % of the
/// predictions. From day 9 on, `num_1` and `num_2` shift up by 0.4 of their spread and
/// the model's errors grow, so drift and performance rules fire.
///
/// Everything follows from the seed. Memory: the labels still to come.
public struct WideHistory: Sequence, IteratorProtocol {
    public struct Configuration: Sendable, Equatable {
        public var days = 14
        public var predictionsPerDay = 36_000
        public var numericFeatures = 24
        public var seed: UInt64 = 30
        public var startTimestamp: Int64 = 1_772_323_200_000  // 2026-03-01T00:00:00Z
        public init() {}
    }

    private static let categories: [(name: String, values: [String])] = [
        ("country", ["US", "DE", "FR", "BR", "IN", "JP", "GB", "MX", "CA", "AU", "ES", "IT"]),
        ("device", ["ios", "android", "web"]),
        ("plan", ["free", "pro", "team", "enterprise"]),
        ("channel", ["ads", "organic", "referral", "email", "partner"]),
        ("tier", ["a", "b", "c"]),
        ("payment", ["card", "invoice", "wallet", "transfer"]),
    ]
    private static let regions = ["na-east", "na-west", "eu-north", "eu-south", "apac", "latam", "mea", "other"]
    private static let ageBands = ["18-25", "26-40", "41-65", "65+"]

    private let configuration: Configuration
    private var random: RandomSource
    private var arrivals: Arrivals
    private var clock: Int64 { arrivals.clock }
    private var labels = LabelSchedule()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        random = RandomSource(seed: configuration.seed)
        arrivals = Arrivals(from: configuration.startTimestamp,
                            to: configuration.startTimestamp + Int64(configuration.days) * 86_400_000)
    }

    /// The next line (a prediction or a label, JSON), in event-time order; nil at the end.
    public mutating func next() -> String? {
        let rate = Double(configuration.predictionsPerDay) / 86_400_000
        let arrival = arrivals.next(&random) { _ in rate }
        if let label = labels.next(dueBy: arrival ?? .max) { return label }
        guard arrival != nil else { return nil }
        arrivals.take()
        return prediction()
    }

    private mutating func prediction() -> String {
        let drifted = clock >= configuration.startTimestamp + 8 * 86_400_000
        var features: [String] = []
        var logit = -0.3
        for index in 0..<configuration.numericFeatures {
            let spread = 1 + Double(index) / 10
            let shift = drifted && (index == 1 || index == 2) ? 0.4 * spread : 0
            let value = random.normal(mean: Double(index) + shift, standardDeviation: spread)
            if index < 4 { logit += 0.5 * (value - Double(index)) / spread }
            features.append(random.bernoulli(0.01) ? #""num_\#(index)":null"# : #""num_\#(index)":\#(fourDecimals(value))"#)
        }
        for category in Self.categories {
            features.append(#""\#(category.name)":"\#(category.values[Int(random.next() % UInt64(category.values.count))])""#)
        }
        let score = 1 / (1 + exp(-logit))
        let id = uuid()
        if random.bernoulli(0.8) {
            let truth = random.bernoulli(drifted ? 0.5 + 0.6 * (0.5 - score) : score)
            let delay = Int64(random.exponential(mean: 30 * 3_600_000))
            let time = clock + delay
            labels.schedule(#"{"event":"label","id":"\#(id)","ts":"\#(ISO8601Time.string(milliseconds: time))","label":\#(truth)}"#, at: time)
        }
        let region = Self.regions[Int(random.next() % 8)], ageBand = Self.ageBands[Int(random.next() % 4)]
        return #"{"event":"prediction","model":"churn","version":"2026.03","id":"\#(id)","ts":"\#(ISO8601Time.string(milliseconds: clock))","#
            + #""features":{\#(features.joined(separator: ","))},"score":\#(fourDecimals(score)),"label_pred":\#(score > 0.5 ? 1 : 0),"#
            + #""segment":{"region":"\#(region)","age_band":"\#(ageBand)"}}"#
    }

    /// 128 random bits as a UUID's 36 characters (8-4-4-4-12 hex digits).
    private mutating func uuid() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for word in [random.next(), random.next()] {
            for shift in stride(from: 60, through: 0, by: -4) {
                if [8, 13, 18, 23].contains(text.count) { text.append(UInt8(ascii: "-")) }
                text.append(digits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
