/// How a metric's value is compared with its threshold.
package enum Comparator: String, Sendable, Equatable, Hashable, CaseIterable {
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="

    /// Whether `value COMPARATOR threshold` holds; false whenever either side is NaN.
    @inlinable
    package func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greater: value > threshold
        case .greaterOrEqual: value >= threshold
        case .less: value < threshold
        case .lessOrEqual: value <= threshold
        }
    }
}

/// Which side of the reference band a statistical condition watches.
package enum StatisticalSide: String, Sendable, Equatable, Hashable {
    /// `outside reference ± k sigma`
    case both
    /// `above reference + k sigma`
    case above
    /// `below reference - k sigma`
    case below
}

/// What a condition needs to know about the reference to turn into a threshold.
package struct ReferenceStatistic: Sendable, Equatable {
    /// The metric computed on the whole reference (relative conditions).
    package var value: Double?
    /// Mean and standard deviation of the metric across reference chunks (statistical conditions).
    package var chunkMean: Double?
    package var chunkStandardDeviation: Double?

    package init(value: Double? = nil, chunkMean: Double? = nil, chunkStandardDeviation: Double? = nil) {
        self.value = value
        self.chunkMean = chunkMean
        self.chunkStandardDeviation = chunkStandardDeviation
    }
}

/// A condition's threshold resolved against a reference.
package enum ThresholdResult: Sendable, Equatable {
    /// Breached when `value COMPARATOR threshold`.
    case bound(Comparator, Double)
    /// Breached when the value is strictly below `lower` or strictly above `upper`.
    case band(lower: Double, upper: Double)
    /// The reference lacks what the condition needs (no reference yet, NaN, fewer than two chunks):
    /// the evaluation is skipped, not resolved.
    case unavailable(String)

    /// The threshold as annotations show it (`{{ threshold }}`): a number, or `[lower, upper]` for a band.
    package var displayText: String {
        switch self {
        case let .bound(_, threshold): AnnotationTemplate.format(threshold)
        case let .band(lower, upper): "[\(AnnotationTemplate.format(lower)), \(AnnotationTemplate.format(upper))]"
        case .unavailable: "unavailable"
        }
    }

    /// The comparator as annotations show it (`{{ comparator }}`); `outside` for a band.
    package var comparatorText: String {
        switch self {
        case let .bound(comparator, _): comparator.rawValue
        case .band: "outside"
        case .unavailable: ""
        }
    }

    /// Whether `value` breaches this threshold; NaN values and unavailable thresholds never breach.
    package func isBreached(by value: Double) -> Bool {
        switch self {
        case let .bound(comparator, threshold): comparator.holds(value, threshold)
        case let .band(lower, upper): value < lower || value > upper
        case .unavailable: false
        }
    }
}

/// When a metric's value breaches a rule. The single place where threshold semantics live.
package enum Condition: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `> 0.2`: compared with a fixed number.
    case absolute(Comparator, Double)
    /// `< reference - 0.1`: compared with the metric's reference value plus `offset` (negative for `-`).
    case relativeOffset(Comparator, offset: Double)
    /// `< reference * 0.9`: compared with the metric's reference value times `factor`.
    case relativeFactor(Comparator, factor: Double)
    /// `outside reference ± 3 sigma`: compared with the mean ± k standard deviations of the metric
    /// across reference chunks (NannyML-style thresholds).
    case statistical(k: Double, side: StatisticalSide)

    /// Whether the condition compares with something derived from the reference.
    package var needsReferenceValue: Bool {
        switch self {
        case .relativeOffset, .relativeFactor: true
        case .absolute, .statistical: false
        }
    }

    package var isStatistical: Bool {
        if case .statistical = self { return true }
        return false
    }

    /// The comparator used for a one-sided threshold (statistical `above` is `>`, `below` is `<`).
    package var comparator: Comparator? {
        switch self {
        case let .absolute(comparator, _), let .relativeOffset(comparator, _), let .relativeFactor(comparator, _):
            comparator
        case .statistical(_, .above): .greater
        case .statistical(_, .below): .less
        case .statistical(_, .both): nil
        }
    }

    /// Resolves the threshold against the reference; absolute conditions ignore it.
    package func threshold(reference: ReferenceStatistic?) -> ThresholdResult {
        switch self {
        case let .absolute(comparator, threshold):
            return .bound(comparator, threshold)
        case let .relativeOffset(comparator, offset):
            guard let value = reference?.value, value.isFinite else { return .unavailable("no reference value") }
            return .bound(comparator, value + offset)
        case let .relativeFactor(comparator, factor):
            guard let value = reference?.value, value.isFinite else { return .unavailable("no reference value") }
            return .bound(comparator, value * factor)
        case let .statistical(k, side):
            guard let mean = reference?.chunkMean, let deviation = reference?.chunkStandardDeviation,
                  mean.isFinite, deviation.isFinite, deviation >= 0
            else { return .unavailable("no reference chunk statistics") }
            switch side {
            case .both: return .band(lower: mean - k * deviation, upper: mean + k * deviation)
            case .above: return .bound(.greater, mean + k * deviation)
            case .below: return .bound(.less, mean - k * deviation)
            }
        }
    }

    /// Whether `value` breaches a one-sided threshold computed by `threshold(reference:)`.
    /// For two-sided statistical conditions use `ThresholdResult.isBreached(by:)`. NaN never breaches.
    package func isBreached(value: Double, threshold: Double) -> Bool {
        guard let comparator else { return false }
        return comparator.holds(value, threshold)
    }

    /// Resolves the threshold and compares in one step; nil when the threshold is unavailable.
    package func isBreached(value: Double, reference: ReferenceStatistic?) -> Bool? {
        let result = threshold(reference: reference)
        if case .unavailable = result { return nil }
        return result.isBreached(by: value)
    }

    /// The canonical spelling, which parses back to the same condition.
    package var description: String {
        switch self {
        case let .absolute(comparator, threshold):
            "\(comparator.rawValue) \(threshold)"
        case let .relativeOffset(comparator, offset):
            offset == 0 ? "\(comparator.rawValue) reference"
                : "\(comparator.rawValue) reference \(offset < 0 ? "-" : "+") \(abs(offset))"
        case let .relativeFactor(comparator, factor):
            "\(comparator.rawValue) reference * \(factor)"
        case let .statistical(k, .both): "outside reference ± \(k) sigma"
        case let .statistical(k, .above): "above reference + \(k) sigma"
        case let .statistical(k, .below): "below reference - \(k) sigma"
        }
    }
}

extension ThresholdResult {
    /// The threshold a firing alert must come back past to clear: moved `share` of the way
    /// towards `noEffect` (a band shrinks towards its centre). Unchanged without a
    /// no-effect value or with a share of 0.
    package func released(by share: Double, towards noEffect: Double?) -> ThresholdResult {
        switch self {
        case let .bound(comparator, threshold):
            guard let noEffect, noEffect.isFinite else { return self }
            return .bound(comparator, threshold + share * (noEffect - threshold))
        case let .band(lower, upper):
            let centre = (lower + upper) / 2
            return .band(lower: lower + share * (centre - lower), upper: upper - share * (upper - centre))
        case .unavailable:
            return self
        }
    }
}
