import Foundation
@testable import Monitor
@testable import MonitorCore

/// A second, independent stream generator for the detection grid (issue 9), written apart
/// from `Sources/Simulation` on purpose: other feature shapes, other segment attributes,
/// label delays from minutes to days (some never labelled), Poisson arrivals at any rate.
///
/// Everything follows from the seed and event time: the same ``GridStreamSpec`` always
/// gives the same events, in event-time order (predictions and the labels that arrive
/// later, merged). Events come out as ``MonitorEvent`` values and, via
/// ``GridEvent/jsonLine``, as driftwatch JSON lines (README "Events").
///
/// The population (one "churn-risk" binary classifier):
///
/// | feature | shape | role |
/// |---|---|---|
/// | `n_tenure` | gamma(k 2, θ 3) | model input |
/// | `n_utilization` | beta(2, 5), bounded [0, 1] | model input |
/// | `n_txn_count` | binomial(20, 0.3): integer counts 0–20 | model input |
/// | `b_verified` | boolean, p 0.7 | model input |
/// | `c_plan` | 5 categories (0.40/0.25/0.15/0.12/0.08) | model input |
/// | `n_income` | lognormal(μ 10.8, σ 0.45) | change target (location) |
/// | `n_session` | bimodal: 0.6·N(5, 1) + 0.4·N(12, 1.5) | change target (variance) |
/// | `n_returns` | Student-t(4) × 2 + 1: heavy tails | change target (gradual spread) |
/// | `n_latency` | gamma(3, 40), 1 % missing | change target (missing rate) |
/// | `c_merchant` | 200 categories, Zipf(1.1) | change target (new category) |
/// | `c_channel` | 5 categories (0.35/0.25/0.20/0.12/0.08) | change target (mix) |
/// | `ctl_pareto` | Pareto(x_m 1, α 1.5): infinite variance | control |
/// | `ctl_cauchy` | Cauchy(0, 1): no mean | control |
/// | `ctl_constant` | always 1 | control |
/// | `ctl_flag` | boolean, p 0.3 | control |
/// | `ctl_sku` | 200 categories, Zipf(1.0) | control |
///
/// Segments: `region` (5 values), `device` (3), `sex` (female/male). The model's logit is
/// a linear function of the model inputs; the true label is Bernoulli(sigmoid(logit + a
/// latent N(0, 0.8²) the model cannot see)), so accuracy is ~0.85 and AUC ~0.9. The
/// score is sigmoid(logit), `label_pred` is score > 0.5.
///
/// Labels arrive after 1–59 min (55 %), 1–12 h (25 %), 1–4 days (12 %) or never (8 %).
public struct GridChange: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Numeric location shift: value + size × the feature's standard deviation.
        case locationShift = "location_shift"
        /// Variance-only change: mean + size × (value − mean).
        case varianceChange = "variance_change"
        /// Spread growing linearly from × 1 to × size over `ramp`.
        case gradualSpread = "gradual_spread"
        /// The feature is missing in `size` more of the rows (absolute share).
        case missingRateJump = "missing_rate_jump"
        /// `size` of the values become categories never seen before.
        case newCategory = "new_category"
        /// `size` of the values drawn from the reversed category weights instead.
        case categoryMix = "category_mix"
        /// The model's logit and the true logit both move by `size` (a prior shift: more
        /// positives, scores follow, accuracy roughly unchanged).
        case scoreDrift = "score_drift"
        /// Concept drift: labels flipped with the probability that lowers accuracy by `size`.
        case accuracyDrop = "accuracy_drop"
        /// The same, meant for a small drop (−0.03).
        case smallAccuracyDrop = "small_accuracy_drop"
        /// The model's logit for `group` of the attribute falls so that the demographic
        /// parity ratio (selection rates) becomes `size`; labels unchanged.
        case fairnessRegression = "fairness_regression"
    }

    public var kind: Kind
    /// The feature, the segment attribute (fairness), `score` or `model`.
    public var subject: String
    /// Event time the change starts (ms since the epoch).
    public var start: Int64
    public var size: Double
    /// For gradual changes: how long the ramp lasts (ms); 0 = a step.
    public var ramp: Int64 = 0
    /// For fairness: the group whose selection rate drops.
    public var group: String? = nil

    public init(_ kind: Kind, _ subject: String, start: Int64, size: Double, ramp: Int64 = 0, group: String? = nil) {
        self.kind = kind
        self.subject = subject
        self.start = start
        self.size = size
        self.ramp = ramp
        self.group = group
    }

    /// 0 before the start, 1 once fully in force (linear over `ramp`).
    func strength(at time: Int64) -> Double {
        guard time >= start else { return 0 }
        guard ramp > 0 else { return 1 }
        return Swift.min(1, Double(time - start) / Double(ramp))
    }
}

public struct GridStreamSpec: Sendable, Codable, Equatable {
    public var model = "churn-risk"
    public var version = "v1"
    /// Predictions per hour (Poisson arrivals).
    public var rate: Double
    /// First event time of the monitored stream (ms).
    public var start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
    /// How long predictions are made (ms); labels may come after the end.
    public var span: Int64
    public var seed: UInt64
    public var changes: [GridChange] = []
    /// A labelled reference period of this length before `start` (same population, no
    /// change); its events carry ids `r-…`, the monitored ones `p-…`.
    public var referenceSpan: Int64 = 0

    public init(rate: Double, span: Int64, seed: UInt64, changes: [GridChange] = [], referenceSpan: Int64 = 0) {
        self.rate = rate
        self.span = span
        self.seed = seed
        self.changes = changes
        self.referenceSpan = referenceSpan
    }

    public static let numericFeatures = ["n_tenure", "n_utilization", "n_txn_count", "n_income", "n_session", "n_returns", "n_latency", "ctl_pareto", "ctl_cauchy", "ctl_constant"]
    public static let categoricalFeatures = ["b_verified", "c_plan", "c_merchant", "c_channel", "ctl_flag", "ctl_sku"]
    public static var allFeatures: [String] { numericFeatures + categoricalFeatures }
    /// Features never meant to change in any stream (the model inputs change only through
    /// the score, never their own distribution).
    public static let controlFeatures = ["ctl_pareto", "ctl_cauchy", "ctl_constant", "ctl_flag", "ctl_sku",
                                         "n_tenure", "n_utilization", "n_txn_count", "b_verified", "c_plan"]

    /// Features no change of this stream touches.
    public var unchangedFeatures: [String] {
        let touched = Set(changes.map(\.subject))
        return Self.allFeatures.filter { !touched.contains($0) }
    }
}

/// What was injected, where and when (written beside a generated stream).
public struct GridManifest: Sendable, Codable, Equatable {
    public var spec: GridStreamSpec
    public var predictions: Int
    public var labels: Int
    public var unchangedFeatures: [String]
    public var baseAccuracy: Double
    public var labelFlipProbability: [String: Double]
    public var fairnessLogitShift: [String: Double]
}

public enum GridEvent: Sendable {
    case prediction(PredictionEvent)
    case label(LabelEvent)

    public var timestamp: Int64 {
        switch self {
        case let .prediction(event): event.timestamp
        case let .label(event): event.timestamp
        }
    }

    public var id: String {
        switch self {
        case let .prediction(event): event.id
        case let .label(event): event.id
        }
    }

    public var monitorEvent: MonitorEvent {
        switch self {
        case let .prediction(event): .prediction(event)
        case let .label(event): .label(event)
        }
    }

    /// Whether the event belongs to the reference period (its prediction was made before the stream's start).
    public var isReference: Bool { id.hasPrefix("r-") }

    /// The driftwatch JSON line of the event.
    public var jsonLine: String {
        var writer = JSONWriter()
        writer.beginObject()
        switch self {
        case let .prediction(event):
            writer.member("event", "prediction")
            writer.member("model", event.model)
            writer.member("version", event.version)
            writer.member("id", event.id)
            writer.member("ts", event.timestamp)
            writer.key("features")
            writer.beginObject()
            for feature in event.features {
                switch feature.value {
                case let .number(value): writer.member(feature.name, value)
                case let .string(text): writer.member(feature.name, text)
                case let .bool(flag): writer.member(feature.name, flag)
                default: writer.member(feature.name, nil as String?)
                }
            }
            writer.endObject()
            if let score = event.score { writer.member("score", score) }
            if let predicted = event.predictedLabel { writer.member("label_pred", predicted) }
            writer.key("segment")
            writer.beginObject()
            for attribute in event.segment { writer.member(attribute.name, attribute.value) }
            writer.endObject()
        case let .label(event):
            writer.member("event", "label")
            writer.member("id", event.id)
            writer.member("ts", event.timestamp)
            writer.member("label", event.value.binaryClass!)
        }
        writer.endObject()
        return writer.text
    }
}

/// xoshiro256** seeded through SplitMix64.
struct GridRandom {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0 }
    mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }
    mutating func normal() -> Double {
        let u = uniform(), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
    mutating func exponential(mean: Double) -> Double { -log(uniform()) * mean }
    /// Marsaglia–Tsang.
    mutating func gamma(shape: Double, scale: Double) -> Double {
        if shape < 1 { return gamma(shape: shape + 1, scale: scale) * pow(uniform(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a, scale: 1), y = gamma(shape: b, scale: 1)
        return x / (x + y)
    }
    mutating func studentT(_ df: Double) -> Double { normal() / (2 * gamma(shape: df / 2, scale: 1) / df).squareRoot() }
    mutating func binomial(_ n: Int, _ p: Double) -> Int { (0..<n).reduce(0) { count, _ in count + (bernoulli(p) ? 1 : 0) } }
    /// Index drawn from cumulative weights (last entry 1).
    mutating func pick(_ cumulative: [Double]) -> Int {
        let u = uniform()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < u { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Generates one stream (see ``GridChange`` for the population). A `Sequence` of
/// ``GridEvent`` in event-time order; iterate it as often as needed, each pass is identical.
public struct GridGenerator: Sequence, Sendable {
    public let spec: GridStreamSpec
    /// Accuracy of the unchanged population (estimated once from 60,000 draws of a fixed seed).
    public let baseAccuracy: Double
    /// For each accuracy change (by index in `spec.changes`): the label flip probability.
    public let flipProbability: [Int: Double]
    /// For each fairness change: the logit shift of the group.
    public let fairnessShift: [Int: Double]

    static func cumulative(_ weights: [Double]) -> [Double] {
        let total = weights.reduce(0, +)
        var running = 0.0
        var result = weights.map { running += $0 / total; return running }
        result[result.count - 1] = 1
        return result
    }

    static func zipf(_ count: Int, _ exponent: Double) -> [Double] {
        (1...count).map { 1 / pow(Double($0), exponent) }
    }

    static let planNames = ["basic", "plus", "pro", "family", "student"]
    static let planWeights = [0.40, 0.25, 0.15, 0.12, 0.08]
    static let planEffect = [-0.3, 0.1, 0.5, 0.2, -0.4]
    static let channelNames = ["web", "app", "store", "phone", "partner"]
    static let channelWeights = [0.35, 0.25, 0.20, 0.12, 0.08]
    static let regionNames = ["north", "south", "east", "west", "central"]
    static let regionWeights = [0.3, 0.25, 0.2, 0.15, 0.1]
    static let deviceNames = ["mobile", "desktop", "tablet"]
    static let deviceWeights = [0.55, 0.35, 0.10]
    static let merchantNames = (0..<200).map { String(format: "m%03d", $0) }
    static let skuNames = (0..<200).map { String(format: "sku%03d", $0) }

    struct Tables: Sendable {
        let plan = GridGenerator.cumulative(GridGenerator.planWeights)
        let channel = GridGenerator.cumulative(GridGenerator.channelWeights)
        let channelReversed = GridGenerator.cumulative(GridGenerator.channelWeights.reversed())
        let planReversed = GridGenerator.cumulative(GridGenerator.planWeights.reversed())
        let region = GridGenerator.cumulative(GridGenerator.regionWeights)
        let regionReversed = GridGenerator.cumulative(GridGenerator.regionWeights.reversed())
        let device = GridGenerator.cumulative(GridGenerator.deviceWeights)
        let merchant = GridGenerator.cumulative(GridGenerator.zipf(200, 1.1))
        let merchantReversed = GridGenerator.cumulative(GridGenerator.zipf(200, 1.1).reversed())
        let sku = GridGenerator.cumulative(GridGenerator.zipf(200, 1.0))
        let skuReversed = GridGenerator.cumulative(GridGenerator.zipf(200, 1.0).reversed())
    }
    static let tables = Tables()

    /// Mean and standard deviation of each numeric feature the changes may touch.
    static let moments: [String: (mean: Double, sd: Double)] = {
        let lognormalMean: Double = exp(10.8 + 0.45 * 0.45 / 2)
        let lognormalSD: Double = lognormalMean * (exp(0.45 * 0.45) - 1).squareRoot()
        let sessionMean: Double = 0.6 * 5 + 0.4 * 12
        let sessionSecondMoment: Double = 0.6 * 26 + 0.4 * 146.25
        let sessionSD: Double = (sessionSecondMoment - sessionMean * sessionMean).squareRoot()
        let returnsSD: Double = 2 * (2.0).squareRoot()  // t(4): variance 4 / 2
        let latencySD: Double = (3.0).squareRoot() * 40
        let tenureSD: Double = (2.0).squareRoot() * 3
        let utilizationSD: Double = (10.0 / 392).squareRoot()
        let transactionSD: Double = (4.2).squareRoot()
        var table: [String: (mean: Double, sd: Double)] = [:]
        table["n_income"] = (lognormalMean, lognormalSD)
        table["n_session"] = (sessionMean, sessionSD)
        table["n_returns"] = (1, returnsSD)
        table["n_latency"] = (120, latencySD)
        table["n_tenure"] = (6, tenureSD)
        table["n_utilization"] = (2.0 / 7, utilizationSD)
        table["n_txn_count"] = (6, transactionSD)
        return table
    }()

    public init(_ spec: GridStreamSpec) {
        self.spec = spec
        // The unchanged population's accuracy and selection rates, from a fixed sample.
        var random = GridRandom(seed: 0xD81F7)
        var correct = 0
        var draws: [(logit: Double, sex: Bool)] = []
        let sampleSize = 60_000
        for _ in 0..<sampleSize {
            let row = Self.drawRow(&random, time: 0, changes: [])
            draws.append((row.modelLogit, row.female))
            if (row.modelLogit > 0) == row.trueLabel { correct += 1 }
        }
        baseAccuracy = Double(correct) / Double(sampleSize)
        var flips: [Int: Double] = [:]
        var shifts: [Int: Double] = [:]
        for (index, change) in spec.changes.enumerated() {
            switch change.kind {
            case .accuracyDrop, .smallAccuracyDrop:
                flips[index] = Swift.min(0.5, change.size / (2 * baseAccuracy - 1))
            case .fairnessRegression:
                // Bisection on the group's logit shift for the selection-rate ratio `size`.
                let femaleGroup = (change.group ?? "female") == "female"
                func ratio(_ shift: Double) -> Double {
                    var selected = [0, 0], counts = [0, 0]
                    for draw in draws {
                        let inGroup = draw.sex == femaleGroup
                        let index = inGroup ? 0 : 1
                        counts[index] += 1
                        if draw.logit - (inGroup ? shift : 0) > 0 { selected[index] += 1 }
                    }
                    let rates = (0..<2).map { Double(selected[$0]) / Double(counts[$0]) }
                    return rates.min()! / rates.max()!
                }
                var low = 0.0, high = 6.0
                for _ in 0..<40 {
                    let middle = (low + high) / 2
                    if ratio(middle) > change.size { low = middle } else { high = middle }
                }
                shifts[index] = (low + high) / 2
            default: break
            }
        }
        flipProbability = flips
        fairnessShift = shifts
    }

    public var manifest: GridManifest {
        var predictions = 0, labels = 0
        for event in self {
            if case .prediction = event { predictions += 1 } else { labels += 1 }
        }
        return GridManifest(
            spec: spec, predictions: predictions, labels: labels, unchangedFeatures: spec.unchangedFeatures,
            baseAccuracy: baseAccuracy,
            labelFlipProbability: Dictionary(uniqueKeysWithValues: flipProbability.map { (spec.changes[$0.key].kind.rawValue, $0.value) }),
            fairnessLogitShift: Dictionary(uniqueKeysWithValues: fairnessShift.map { (spec.changes[$0.key].subject, $0.value) }))
    }

    struct Row {
        var features: [Feature]
        var segment: [SegmentAttribute]
        var modelLogit: Double
        var trueLabel: Bool
        var female: Bool
    }

    /// One prediction's population draw (changes applied as in force at `time`), with the
    /// fixed number of random draws per row so changes never shift the random sequence
    /// of the features they do not touch.
    static func drawRow(_ random: inout GridRandom, time: Int64, changes: [GridChange],
                        flips: [Int: Double] = [:], shifts: [Int: Double] = [:]) -> Row {
        let t = tables
        let region = regionNames[random.pick(t.region)]
        let device = deviceNames[random.pick(t.device)]
        let female = random.bernoulli(0.5)

        let tenure = random.gamma(shape: 2, scale: 3)
        let utilization = random.beta(2, 5)
        let transactions = random.binomial(20, 0.3)
        let verified = random.bernoulli(0.7)
        let plan = random.pick(t.plan)
        var income = exp(10.8 + 0.45 * random.normal())
        let sessionHigh = random.bernoulli(0.4)
        var session = sessionHigh ? 12 + 1.5 * random.normal() : 5 + random.normal()
        var returns = 1 + 2 * random.studentT(4)
        var latency = random.gamma(shape: 3, scale: 40)
        let latencyMissingDraw = random.uniform()
        let merchantDraw = random.uniform()
        let channelDraw = random.uniform()
        let mixDraw = random.uniform()
        let newCategoryDraw = random.uniform()
        let newCategoryWhich = random.pick(cumulative([1, 1, 1]))
        let missingDraws = (0..<6).map { _ in random.uniform() }
        let pareto = 1 / pow(random.uniform(), 1 / 1.5)
        let cauchy = tan(Double.pi * (random.uniform() - 0.5))
        let flag = random.bernoulli(0.3)
        let sku = skuNames[random.pick(t.sku)]
        let latent = 0.8 * random.normal()
        let labelDraw = random.uniform()
        let flipDraw = random.uniform()

        let tenureTerm: Double = 1.3 * (tenure - 6) / 4.24
        let utilizationTerm: Double = -1.6 * (utilization - 0.2857) / 0.16
        let transactionTerm: Double = 0.9 * Double(transactions - 6) / 2.05
        let verifiedTerm: Double = verified ? 0.6 : -1.4
        let planTerm: Double = 2 * planEffect[plan]
        var logit: Double = 1.6 * (-0.2 + tenureTerm + utilizationTerm + transactionTerm + verifiedTerm + planTerm)
        var flipProbability = 0.0
        var merchant = merchantNames[Swift.min(199, lowerBound(t.merchant, merchantDraw))]
        var channel = channelNames[lowerBound(t.channel, channelDraw)]
        var missing: [String: Double] = ["n_latency": 0.01]
        var categoryOverrides: [String: String] = [:]

        for (index, change) in changes.enumerated() {
            let strength = change.strength(at: time)
            guard strength > 0 else { continue }
            switch change.kind {
            case .locationShift:
                let shift = change.size * (moments[change.subject]?.sd ?? 1) * strength
                switch change.subject {
                case "n_income": income += shift
                case "n_session": session += shift
                case "n_returns": returns += shift
                case "n_latency": latency += shift
                default: break
                }
            case .varianceChange, .gradualSpread:
                let factor = 1 + (change.size - 1) * strength
                let mean = moments[change.subject]?.mean ?? 0
                switch change.subject {
                case "n_income": income = mean + factor * (income - mean)
                case "n_session": session = mean + factor * (session - mean)
                case "n_returns": returns = mean + factor * (returns - mean)
                case "n_latency": latency = mean + factor * (latency - mean)
                default: break
                }
            case .missingRateJump:
                missing[change.subject, default: 0] += change.size * strength
            case .newCategory:
                if newCategoryDraw < change.size * strength {
                    categoryOverrides[change.subject] = "new_\(change.subject)_\(newCategoryWhich)"
                }
            case .categoryMix:
                if mixDraw < change.size * strength {
                    switch change.subject {
                    case "c_channel": channel = channelNames[lowerBound(t.channelReversed, channelDraw)]
                    case "c_merchant": merchant = merchantNames[Swift.min(199, lowerBound(t.merchantReversed, merchantDraw))]
                    default: break
                    }
                }
            case .scoreDrift:
                logit += change.size * strength
            case .accuracyDrop, .smallAccuracyDrop:
                flipProbability = Swift.max(flipProbability, (flips[index] ?? 0) * strength)
            case .fairnessRegression:
                let femaleGroup = (change.group ?? "female") == "female"
                if female == femaleGroup { logit -= (shifts[index] ?? 0) * strength }
            }
        }

        let trueLogit = logit - (changes.isEmpty ? 0 : fairnessAdjustment(changes, time: time, female: female, shifts: shifts)) + latent
        var label = labelDraw < 1 / (1 + exp(-trueLogit))
        if flipDraw < flipProbability { label.toggle() }

        func numeric(_ name: String, _ value: Double, _ missingIndex: Int) -> Feature {
            let share = missing[name] ?? 0
            let draw = name == "n_latency" ? latencyMissingDraw : missingDraws[missingIndex]
            return Feature(name, draw < share ? .missing : .number(value))
        }
        func category(_ name: String, _ value: String) -> Feature {
            if let share = missing[name], missingDraws[5] < share { return Feature(name, .missing) }
            return Feature(name, .string(categoryOverrides[name] ?? value))
        }

        let features: [Feature] = [
            numeric("n_tenure", tenure, 0),
            numeric("n_utilization", utilization, 1),
            numeric("n_txn_count", Double(transactions), 2),
            Feature("b_verified", .bool(verified)),
            category("c_plan", planNames[plan]),
            numeric("n_income", income, 3),
            numeric("n_session", session, 4),
            numeric("n_returns", returns, 5),
            numeric("n_latency", latency, 0),
            category("c_merchant", merchant),
            category("c_channel", channel),
            Feature("ctl_pareto", .number(pareto)),
            Feature("ctl_cauchy", .number(cauchy)),
            Feature("ctl_constant", .number(1)),
            Feature("ctl_flag", .bool(flag)),
            Feature("ctl_sku", .string(sku)),
        ]
        return Row(features: features,
                   segment: [SegmentAttribute("device", device), SegmentAttribute("region", region), SegmentAttribute("sex", female ? "female" : "male")],
                   modelLogit: logit, trueLabel: label, female: female)
    }

    /// The true logit ignores a fairness regression (the model changed, not the world).
    static func fairnessAdjustment(_ changes: [GridChange], time: Int64, female: Bool, shifts: [Int: Double]) -> Double {
        var adjustment = 0.0
        for (index, change) in changes.enumerated() where change.kind == .fairnessRegression {
            let femaleGroup = (change.group ?? "female") == "female"
            if female == femaleGroup { adjustment -= (shifts[index] ?? 0) * change.strength(at: time) }
        }
        return adjustment
    }

    static func lowerBound(_ cumulative: [Double], _ u: Double) -> Int {
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < u { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    public struct Iterator: IteratorProtocol {
        let generator: GridGenerator
        var arrivals: GridRandom
        var population: GridRandom
        var delays: GridRandom
        var nextTime: Double
        let end: Double
        var index = 0
        var pending = LabelHeap()

        init(_ generator: GridGenerator) {
            self.generator = generator
            let spec = generator.spec
            arrivals = GridRandom(seed: spec.seed &* 3 &+ 1)
            population = GridRandom(seed: spec.seed &* 3 &+ 2)
            delays = GridRandom(seed: spec.seed &* 3 &+ 3)
            let meanGap = 3_600_000 / spec.rate
            nextTime = Double(spec.start - spec.referenceSpan) + arrivals.exponential(mean: meanGap)
            end = Double(spec.start + spec.span)
        }

        public mutating func next() -> GridEvent? {
            let predictionTime = nextTime < end ? Int64(nextTime) : Int64.max
            if let top = pending.top, top.time <= predictionTime {
                pending.pop()
                return .label(LabelEvent(id: top.id, timestamp: top.time, label: top.label ? 1 : 0))
            }
            guard predictionTime != .max else { return nil }
            nextTime += arrivals.exponential(mean: 3_600_000 / generator.spec.rate)
            let spec = generator.spec
            let reference = predictionTime < spec.start
            let row = GridGenerator.drawRow(&population, time: predictionTime, changes: reference ? [] : spec.changes,
                                            flips: generator.flipProbability, shifts: generator.fairnessShift)
            let id = (reference ? "r-" : "p-") + String(index)
            index += 1
            // Label delay: minutes, hours, days or never.
            let kind = delays.uniform(), amount = delays.uniform()
            let delay: Int64? = switch kind {
            case ..<0.55: Int64(60_000 + amount * 58 * 60_000)
            case ..<0.80: Int64(3_600_000 + amount * 11 * 3_600_000)
            case ..<0.92: Int64(86_400_000 + amount * 3 * 86_400_000)
            default: nil
            }
            if let delay { pending.push((predictionTime + delay, id, row.trueLabel)) }
            let score = 1 / (1 + exp(-row.modelLogit))
            return .prediction(PredictionEvent(
                model: spec.model, version: spec.version, id: id, timestamp: predictionTime, features: row.features,
                score: score, predictedLabel: score > 0.5 ? 1 : 0, segment: row.segment))
        }
    }

    /// A binary min-heap of pending labels by (time, insertion order).
    struct LabelHeap {
        typealias Entry = (time: Int64, id: String, label: Bool)
        private var entries: [(Entry, Int)] = []
        private var counter = 0
        var top: Entry? { entries.first?.0 }

        private func less(_ a: (Entry, Int), _ b: (Entry, Int)) -> Bool {
            a.0.time != b.0.time ? a.0.time < b.0.time : a.1 < b.1
        }

        mutating func push(_ entry: Entry) {
            entries.append((entry, counter))
            counter += 1
            var child = entries.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard less(entries[child], entries[parent]) else { break }
                entries.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() {
            guard !entries.isEmpty else { return }
            entries.swapAt(0, entries.count - 1)
            entries.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count, less(entries[left], entries[smallest]) { smallest = left }
                if right < entries.count, less(entries[right], entries[smallest]) { smallest = right }
                guard smallest != parent else { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// Writes the stream as JSON lines to `path` and the manifest to `manifestPath`.
    public func write(to path: String, manifestPath: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer = ""
        for event in self {
            buffer += event.jsonLine
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestPath))
    }
}
