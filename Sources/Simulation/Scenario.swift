/// A change the simulator injects from a point of the stream on, so that tests,
/// the demo and rule tuning know exactly what a monitor should find, and where.
package enum ChangeKind: String, Sendable, CaseIterable, Codable {
    /// `f_income` shifts up by about 50 % (log-mean + 0.4): a location shift.
    case incomeShift = "income_shift"
    /// `f_interest_rate` keeps its mean but its spread grows 2.5×: variance only.
    case rateVariance = "rate_variance"
    /// `f_age` goes missing in 30 % of events (1 % before).
    case ageMissing = "age_missing"
    /// `c_channel` gains a category never seen before, `kiosk`, in 15 % of events.
    case channelNewCategory = "channel_new_category"
    /// `c_purpose`'s mix shifts: the rarest purposes become the most common.
    case purposeMix = "purpose_mix"
    /// The model's scores shift down (logit − 0.8) with inputs unchanged: output drift
    /// (and, since outcomes do not follow, a less calibrated model).
    case scoreDrift = "score_drift"
    /// The relation between inputs and outcome changes: 25 % of outcomes flip,
    /// which costs the model more than 0.1 of accuracy.
    case conceptDrift = "concept_drift"
    /// The model starts scoring `gender=female` as riskier (logit + 1.2), so far more
    /// of them are predicted positive: the demographic parity ratio for gender falls
    /// well below 0.8.
    case genderBias = "gender_bias"

    /// What a monitor should report, in driftwatch's own terms.
    package var expectedFinding: String {
        switch self {
        case .incomeShift: "input drift of f_income (and the score it feeds)"
        case .rateVariance: "input drift of f_interest_rate (std_ratio, not mean_shift)"
        case .ageMissing: "missing-rate jump of f_age"
        case .channelNewCategory: "new category in c_channel"
        case .purposeMix: "category-mix drift of c_purpose"
        case .scoreDrift: "output drift of score"
        case .conceptDrift: "accuracy drop once labels arrive"
        case .genderBias: "demographic parity ratio for gender below 0.8"
        }
    }
}

/// One injected change: its kind and where it starts, as a fraction of the stream.
package struct InjectedChange: Sendable, Equatable, Codable {
    package var kind: ChangeKind
    package var startFraction: Double

    package init(_ kind: ChangeKind, at startFraction: Double) {
        self.kind = kind
        self.startFraction = startFraction
    }
}

/// A named set of injected changes.
package struct Scenario: Sendable, Equatable {
    package var changes: [InjectedChange]

    package init(changes: [InjectedChange]) {
        self.changes = changes
    }

    /// No change at all: a control stream on which a monitor must stay silent.
    package static let stable = Scenario(changes: [])

    /// Every kind of change, one after another, each persisting to the end.
    package static let mixed = Scenario(changes: [
        InjectedChange(.incomeShift, at: 0.30),
        InjectedChange(.rateVariance, at: 0.36),
        InjectedChange(.ageMissing, at: 0.42),
        InjectedChange(.channelNewCategory, at: 0.48),
        InjectedChange(.purposeMix, at: 0.54),
        InjectedChange(.scoreDrift, at: 0.60),
        InjectedChange(.conceptDrift, at: 0.70),
        InjectedChange(.genderBias, at: 0.80),
    ])

    /// Parses `stable`, `mixed`, or a comma-separated list of `kind@fraction`
    /// (e.g. `income_shift@0.5,gender_bias@0.7`).
    package init(parsing text: String) throws(ScenarioError) {
        switch text {
        case "stable": self = .stable
        case "mixed": self = .mixed
        default:
            var changes: [InjectedChange] = []
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "@", maxSplits: 1).map(String.init)
                guard let kind = ChangeKind(rawValue: parts[0]) else { throw .unknownKind(parts[0]) }
                let fraction = parts.count == 2 ? Double(parts[1]) : 0.5
                guard let fraction, fraction >= 0, fraction < 1 else { throw .badFraction(String(item)) }
                changes.append(InjectedChange(kind, at: fraction))
            }
            self.init(changes: changes)
        }
    }

    func isActive(_ kind: ChangeKind, atFraction fraction: Double) -> Bool {
        changes.contains { $0.kind == kind && fraction >= $0.startFraction }
    }
}

package enum ScenarioError: Error, Equatable, CustomStringConvertible {
    case unknownKind(String)
    case badFraction(String)

    package var description: String {
        switch self {
        case let .unknownKind(kind):
            "unknown change '\(kind)'; expected stable, mixed, or kind@fraction with kind one of: "
                + ChangeKind.allCases.map(\.rawValue).joined(separator: ", ")
        case let .badFraction(item):
            "'\(item)': the start must be a fraction in [0, 1)"
        }
    }
}
