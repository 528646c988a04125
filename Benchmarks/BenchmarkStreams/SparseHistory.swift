#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Simulation

/// A long, sparse history for the engine benchmarks: by default 14 days at ~36,000
/// predictions a day of one "loan-approval" model, with labels, in event-time order —
/// the analysts' replay case, where the cost per *evaluation* dominates the cost per event.
///
/// Written apart from ``StreamSimulator`` on purpose, with another shape: a daily cycle
/// (Poisson arrivals, 4× busier at midday than at night), 7 numeric features (gamma,
/// lognormal, uniform, integer counts, 2 % missing), a 40-category Zipf feature, a
/// 6-category one and a boolean; segments `region` (4) and `tier` (3); labels after
/// 10 min to 3 days for 85 % of the predictions, never for the rest. On day 9 `n_amount`
/// shifts up by half a standard deviation and `c_purpose` takes its mix from the tail, so
/// the default rules fire and resolve as they would on real traffic.
///
/// Everything follows from the seed: the same configuration always gives the same lines.
/// Memory: the labels still to come (at most about three days of predictions).
public struct SparseHistory: Sequence, IteratorProtocol {
    public struct Configuration: Sendable, Equatable {
        public var days = 14
        public var predictionsPerDay = 36_000
        public var seed: UInt64 = 15
        public var startTimestamp: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
        public init() {}
    }

    private static let minute: Int64 = 60_000
    private static let regions = ["north", "south", "east", "west"]
    private static let tiers = ["basic", "plus", "premium"]
    private static let channels = ["web", "app", "branch", "phone", "partner", "kiosk"]
    private static let channelWeights = cumulative([0.35, 0.30, 0.15, 0.10, 0.07, 0.03])
    private static let purposeWeights = cumulative((1...40).map { 1 / Double($0) })
    private static let driftedPurposeWeights = cumulative((1...40).map { 1 / Double(41 - $0) })

    private let configuration: Configuration
    private var random: RandomSource
    private var arrivals: Arrivals
    private var clock: Int64 { arrivals.clock }
    private var sequence = 0
    private var labels = LabelSchedule()

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        random = RandomSource(seed: configuration.seed)
        arrivals = Arrivals(from: configuration.startTimestamp,
                            to: configuration.startTimestamp + Int64(configuration.days) * 1_440 * Self.minute)
    }

    /// The next line (a prediction or a label, JSON), in event-time order; nil at the end.
    public mutating func next() -> String? {
        let (start, perDay) = (configuration.startTimestamp, Double(configuration.predictionsPerDay))
        let arrival = arrivals.next(&random) { clock in
            // The daily cycle: 0.4× at midnight, 1.6× at midday.
            let dayFraction = Double((clock - start) % (1_440 * Self.minute)) / Double(1_440 * Self.minute)
            return perDay / 86_400_000 * (1 - 0.6 * cos(2 * Double.pi * dayFraction))
        }
        if let label = labels.next(dueBy: arrival ?? .max) { return label }
        guard arrival != nil else { return nil }
        arrivals.take()
        return prediction()
    }

    private mutating func prediction() -> String {
        sequence += 1
        let drifted = clock >= configuration.startTimestamp + 8 * 1_440 * Self.minute
        let income = exp(10.6 + 0.5 * random.normal())
        let amount = gamma2(scale: 4_000) + (drifted ? 2_800 : 0)
        let tenure = random.uniform() * 120
        let accounts = random.poisson(mean: 3)
        let inquiries = random.poisson(mean: 0.8)
        let utilisation = random.uniform() * random.uniform()
        let debtRatio = random.bernoulli(0.02) ? nil : amount / income
        let region = Self.regions[Int(random.next() % 4)]
        let tier = Self.tiers[random.index(cumulativeWeights: cumulative([0.6, 0.3, 0.1]))]
        let purpose = random.index(cumulativeWeights: drifted ? Self.driftedPurposeWeights : Self.purposeWeights)
        let channel = Self.channels[random.index(cumulativeWeights: Self.channelWeights)]
        let autopay = random.bernoulli(0.55)
        let logit = -1.2 + 0.9 * (amount / income) * 3 - 0.01 * tenure + 0.3 * Double(inquiries) - 1.5 * utilisation + (autopay ? -0.4 : 0.2)
        let score = 1 / (1 + exp(-logit))
        let predicted = score > 0.5 ? 1 : 0
        if random.bernoulli(0.85) {
            let truth = random.bernoulli(1 / (1 + exp(-(logit + 0.7 * random.normal())))) ? 1 : 0
            let delay = random.bernoulli(0.6) ? Int64(10 + random.uniform() * 110) * Self.minute : Int64(120 + random.uniform() * 4_200) * Self.minute
            labels.schedule(#"{"event":"label","id":"h-\#(sequence)","ts":\#(clock + delay),"label":\#(truth)}"#, at: clock + delay)
        }
        let ratio = debtRatio.map { fourDecimals($0) } ?? "null"
        return #"{"event":"prediction","model":"loan-approval","version":"2026.01","id":"h-\#(sequence)","ts":\#(clock),"features":{"n_income":\#(fourDecimals(income)),"n_amount":\#(fourDecimals(amount)),"n_tenure_months":\#(fourDecimals(tenure)),"n_accounts":\#(accounts),"n_inquiries":\#(inquiries),"n_utilisation":\#(fourDecimals(utilisation)),"n_debt_ratio":\#(ratio),"c_purpose":"p\#(purpose)","c_channel":"\#(channel)","b_autopay":\#(autopay)},"score":\#(fourDecimals(score)),"label_pred":\#(predicted),"segment":{"region":"\#(region)","tier":"\#(tier)"}}"#
    }

    /// Gamma(2, scale): the sum of two exponentials.
    private mutating func gamma2(scale: Double) -> Double {
        random.exponential(mean: scale) + random.exponential(mean: scale)
    }

}
