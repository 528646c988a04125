#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The synthetic world behind a simulated credit-risk model: applicants with features
/// of deliberately varied shapes, the model's score for them and their true outcome.
///
/// Feature shapes (the traps a monitor must survive are marked):
/// - `f_income` log-normal; `f_age` normal, integer, sometimes missing;
/// - `f_debt_ratio`, `f_utilisation` bounded in [0, 1];
/// - `f_credit_lines`, `f_late_payments` Poisson counts — discrete, many ties;
/// - `f_tenure_months` exponential; `f_interest_rate` normal;
/// - `f_loan_amount` Pareto with shape 1.5 — **infinite variance** (a control);
/// - `f_txn_noise` Cauchy — **no mean, no variance** (a control);
/// - `c_channel` (4 levels), `c_purpose` (12 levels), `c_region_code` (50 levels, Zipf-like).
/// Segments: `gender`, `age_band` (from age), `region`.
struct CreditRiskPopulation {
    static let channels = ["mobile", "web", "branch", "partner"]
    static let channelWeights = cumulative([0.45, 0.35, 0.15, 0.05])
    static let purposes = ["car", "home", "education", "debt_consolidation", "medical", "business",
                           "travel", "wedding", "renovation", "electronics", "moving", "other"]
    static let purposeWeights = cumulative([0.22, 0.18, 0.12, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.035, 0.025, 0.02])
    static let shiftedPurposeWeights = cumulative(Array([0.22, 0.18, 0.12, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.035, 0.025, 0.02].reversed()))
    static let regionCodes = (1...50).map { "R\($0 < 10 ? "0" : "")\($0)" }
    static let regionCodeWeights = cumulative((1...50).map { 1 / Double($0) })
    static let genders = ["female", "male", "nonbinary"]
    static let genderWeights = cumulative([0.48, 0.49, 0.03])
    static let regions = ["north", "south", "east", "west"]
    static let regionWeights = cumulative([0.3, 0.25, 0.25, 0.2])

    static func cumulative(_ weights: [Double]) -> [Double] {
        var total = 0.0
        return weights.map { total += $0; return total }
    }

    /// One applicant, as the prediction event will carry it.
    struct Applicant {
        var numeric: [(name: String, value: Double?)]
        var categorical: [(name: String, value: String)]
        var segment: [(name: String, value: String)]
        var score: Double
        var predictedLabel: Int
        /// The outcome that will arrive later as ground truth.
        var outcome: Int
    }

    static func draw(_ random: inout RandomSource, scenario: Scenario, fraction: Double) -> Applicant {
        func active(_ kind: ChangeKind) -> Bool { scenario.isActive(kind, atFraction: fraction) }

        let income = exp(random.normal(mean: active(.incomeShift) ? 11.2 : 10.8, standardDeviation: 0.5))
        let age = min(90, max(18, random.normal(mean: 42, standardDeviation: 12).rounded()))
        let ageIsMissing = random.bernoulli(active(.ageMissing) ? 0.30 : 0.01)
        let debtRatio = 1 / (1 + exp(-random.normal(mean: -0.7, standardDeviation: 0.7)))
        let creditLines = Double(random.poisson(mean: 6))
        let utilisation = random.uniform()
        let tenure = random.exponential(mean: 40).rounded(.down)
        let latePayments = Double(random.poisson(mean: 0.3))
        let loanAmount = random.pareto(shape: 1.5, scale: 1000)
        let interestRate = random.normal(mean: 7, standardDeviation: active(.rateVariance) ? 3.75 : 1.5)
        let noise = random.cauchy()

        let channel = active(.channelNewCategory) && random.bernoulli(0.15)
            ? "kiosk" : channels[random.index(cumulativeWeights: channelWeights)]
        let purpose = purposes[random.index(cumulativeWeights: active(.purposeMix) ? shiftedPurposeWeights : purposeWeights)]
        let regionCode = regionCodes[random.index(cumulativeWeights: regionCodeWeights)]
        let gender = genders[random.index(cumulativeWeights: genderWeights)]
        let region = regions[random.index(cumulativeWeights: regionWeights)]

        // The served model: a logistic score over standardised inputs. It is well
        // calibrated before any change, so its outcomes follow the same probability.
        var logit = -0.6
            - 1.4 * (log(income) - 10.8) / 0.5
            + 1.2 * (debtRatio - 0.35) / 0.15
            + 1.0 * (utilisation - 0.5) / 0.29
            + 0.9 * (latePayments - 0.3)
            - 0.3 * (age - 42) / 12
            + 0.25 * (interestRate - 7) / 1.5
        let trueProbability = 1 / (1 + exp(-logit))
        if active(.scoreDrift) { logit -= 0.8 }
        if active(.genderBias), gender == "female" { logit += 1.2 }
        let score = 1 / (1 + exp(-logit))
        var outcome = random.bernoulli(trueProbability) ? 1 : 0
        if active(.conceptDrift), random.bernoulli(0.25) { outcome = 1 - outcome }

        return Applicant(
            numeric: [
                ("f_income", income), ("f_age", ageIsMissing ? nil : age), ("f_debt_ratio", debtRatio),
                ("f_credit_lines", creditLines), ("f_utilisation", utilisation), ("f_tenure_months", tenure),
                ("f_late_payments", latePayments), ("f_loan_amount", loanAmount), ("f_interest_rate", interestRate),
                ("f_txn_noise", noise),
            ],
            categorical: [("c_channel", channel), ("c_purpose", purpose), ("c_region_code", regionCode)],
            segment: [("gender", gender), ("age_band", ageBand(age)), ("region", region)],
            score: score,
            predictedLabel: score >= 0.5 ? 1 : 0,
            outcome: outcome
        )
    }

    static func ageBand(_ age: Double) -> String {
        switch age {
        case ..<26: "18-25"
        case ..<36: "26-35"
        case ..<51: "36-50"
        case ..<66: "51-65"
        default: "66+"
        }
    }
}
