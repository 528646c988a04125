import DriftCore

/// Why an evaluation could not judge a rule: it is counted, never silent.
package enum SkipReason: Sendable, Equatable, Hashable {
    /// The window held fewer samples than the rule's `min_samples` (how many it held).
    case tooFewSamples(Int)
    /// The metric is undefined on the window (e.g. no positive predictions for precision).
    case noValue
    /// The condition needs a reference value the reference does not have (yet).
    case noReference
    /// A fairness rule's segment attributes (these) were not among the version's segment
    /// attributes when it started: its groups cannot be told apart.
    case missingAttributes([String])

    /// The reason as notices, `/metrics` and summaries name it.
    package var code: String {
        switch self {
        case .tooFewSamples: "too_few_samples"
        case .noValue: "no_value"
        case .noReference: "no_reference_value"
        case .missingAttributes: "missing_attribute"
        }
    }
}

/// What one rule's evaluations came to over a run: judged, skipped (by reason), breaches
/// held back as sampling noise, firings and flaps. Deterministic; checkpointed.
package struct RuleActivity: Sendable, Equatable {
    package var rule: String
    package var minSamples: Int
    /// Evaluations that judged the condition (breached or clear).
    package var evaluated = 0
    package var skippedForTooFewSamples = 0
    package var skippedForNoValue = 0
    package var skippedForNoReference = 0
    package var skippedForMissingAttribute = 0
    /// The segment attributes those skips named, sorted (at most ``attributesKept``).
    package private(set) var missingAttributes: [String] = []
    package static let attributesKept = 16
    /// Values beyond the threshold that sampling noise explains (the noise gate held them back).
    package var heldAsNoise = 0
    package var firings = 0
    /// Firings within ``RuleEvaluator/flapEvaluations`` judged evaluations of the same instance's resolution.
    package var flaps = 0
    /// Samples of the first ``samplesKept`` evaluations skipped for too few samples (for their median).
    package private(set) var skippedSamples: [Int] = []
    package static let samplesKept = 4096

    package init(rule: String, minSamples: Int) {
        self.rule = rule
        self.minSamples = minSamples
    }

    package var skipped: Int { skippedForTooFewSamples + skippedForNoValue + skippedForNoReference + skippedForMissingAttribute }

    /// The counts by result, as `/metrics` (`driftwatch_rule_evaluations_total{rule,result}`)
    /// and `/v1/status` show them.
    package var countsByResult: [String: Int] {
        ["judged": evaluated, SkipReason.tooFewSamples(0).code: skippedForTooFewSamples, SkipReason.noValue.code: skippedForNoValue,
         SkipReason.noReference.code: skippedForNoReference, SkipReason.missingAttributes([]).code: skippedForMissingAttribute,
         "held_as_noise": heldAsNoise]
    }

    /// The median samples of the evaluations skipped for too few (over the first ``samplesKept``).
    package var medianSkippedSamples: Int? {
        guard !skippedSamples.isEmpty else { return nil }
        return skippedSamples.sorted()[(skippedSamples.count - 1) / 2]
    }

    mutating func recordSkip(_ reason: SkipReason) {
        switch reason {
        case let .tooFewSamples(samples):
            skippedForTooFewSamples += 1
            if skippedSamples.count < Self.samplesKept { skippedSamples.append(samples) }
        case .noValue: skippedForNoValue += 1
        case .noReference: skippedForNoReference += 1
        case let .missingAttributes(names):
            skippedForMissingAttribute += 1
            for name in names where !missingAttributes.contains(name) && missingAttributes.count < Self.attributesKept {
                missingAttributes.append(name)
                missingAttributes.sort()
            }
        }
    }

    /// One line for a run summary, e.g. "AccuracyDrop: 0 of 4,032 evaluations judged —
    /// 4,032 skipped with too few samples (median 712 < min_samples 1,000)".
    package var summary: String {
        var line = "\(rule): \(evaluated) of \(evaluated + skipped) evaluations judged"
        var parts: [String] = []
        if skippedForTooFewSamples > 0 {
            parts.append("\(skippedForTooFewSamples) skipped with too few samples (median \(medianSkippedSamples ?? 0) < min_samples \(minSamples))")
        }
        if skippedForNoReference > 0 { parts.append("\(skippedForNoReference) skipped without a reference value") }
        if skippedForNoValue > 0 { parts.append("\(skippedForNoValue) skipped with the metric undefined") }
        if skippedForMissingAttribute > 0 {
            let names = missingAttributes.joined(separator: ", ")
            parts.append("\(skippedForMissingAttribute) skipped with segment attribute\(missingAttributes.count == 1 ? "" : "s") \(names) missing from the events")
        }
        if heldAsNoise > 0 { parts.append("\(heldAsNoise) breaches held back as sampling noise") }
        parts.append("\(firings) firing(s), \(flaps) flap(s)")
        line += " — " + parts.joined(separator: "; ")
        return line
    }
}

// MARK: Checkpoint

extension RuleActivity {
    func encode(to writer: inout BinaryWriter) {
        for count in [evaluated, skippedForTooFewSamples, skippedForNoValue, skippedForNoReference, heldAsNoise, firings, flaps] {
            writer.writeCounter(count)
        }
        writer.writeCount(skippedSamples.count)
        for samples in skippedSamples { writer.writeCounter(samples) }
        writer.writeCounter(skippedForMissingAttribute)
        writer.write(strings: missingAttributes)
    }

    /// Restores the counts onto a rule's fresh activity (engine checkpoint `format`: 7 added
    /// the missing-attribute skips).
    mutating func restore(from reader: inout BinaryReader, format: UInt32) throws {
        evaluated = try reader.readCounter()
        skippedForTooFewSamples = try reader.readCounter()
        skippedForNoValue = try reader.readCounter()
        skippedForNoReference = try reader.readCounter()
        heldAsNoise = try reader.readCounter()
        firings = try reader.readCounter()
        flaps = try reader.readCounter()
        let count = try reader.readCount(maximum: Self.samplesKept)
        skippedSamples = try (0..<count).map { _ in try reader.readCounter() }
        if format >= 7 {
            skippedForMissingAttribute = try reader.readCounter()
            missingAttributes = try reader.readStrings()
            guard missingAttributes.count <= Self.attributesKept else { throw SerializationError.invalidValue("too many missing attributes") }
        }
    }
}
