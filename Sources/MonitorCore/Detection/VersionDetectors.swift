import DriftCore

/// The change detectors (``ErrorStreamDetector``) of the rules that apply to one version,
/// and whether each signalled since it was last reported.
///
/// **What they are fed: a definition that does not depend on arrival order or
/// partitioning.** Each performance pane's labelled outcomes, once, when the pane first
/// becomes part of a ready performance window (one evaluated, or a growing window's
/// accumulation), panes in time order, each as a canonical error sequence: a pane with `n`
/// labelled predictions of which `e` were wrong gives `n` values, the i-th (from 0) being
/// ⌊(i+1)·e/n⌋ − ⌊i·e/n⌋ — its `e` errors spread evenly. The sequence depends on the pane's
/// counts alone, not on the order its labels arrived in or on which partitions held its
/// predictions: an engine fed the same events in another interleaving, or a pane's outcomes
/// merged from several partitions' partial panes, feed the detectors the same values. (Fed
/// label by label instead, as before, a detector's state depended on which label happened
/// to arrive first.) The detectors are River's algorithms unchanged (`detectors.json`),
/// and fed panes' sequences they signal in the panes River does (`pane-detectors.json`,
/// both under `fixtures/vectors/`); what changes is only the
/// order within a pane, and that a label joining a pane after the pane was judged (late
/// for it) reaches the windows still open to it but not the detectors (counted:
/// `VersionMonitor.labelsAfterDetectors`). A signal is
/// reported with the next performance window given (``PerformanceTracker``).
///
/// Cost: O(labelled predictions) per judged pane, as feeding each label was; nothing for
/// a version without detector rules.
package struct VersionDetectors {
    /// The rule (its index in the rule set) of each detector.
    private(set) var rules: [Int] = []
    private(set) var detectors: [ErrorStreamDetector] = []
    /// Whether each detector signalled since ``takeSignals()``.
    private(set) var signals: [Bool] = []

    /// Whether the version's rules have no change detector.
    var isEmpty: Bool { detectors.isEmpty }

    /// No detectors (a version before its first event).
    package init() {}

    /// The detectors made for the version's rules, with the signals still to report (none for new ones).
    init(_ made: [(rule: Int, detector: ErrorStreamDetector)], signals: [Bool]? = nil) {
        rules = made.map(\.rule)
        detectors = made.map(\.detector)
        self.signals = signals ?? Array(repeating: false, count: made.count)
    }

    /// Feeds one pane's outcomes: `labelled` predictions, `errors` of them wrong.
    mutating func judge(labelled: Int, errors: Int) {
        guard !detectors.isEmpty, labelled > 0 else { return }
        for index in detectors.indices {
            for value in Self.errorSequence(labelled: labelled, errors: errors) where detectors[index].update(Double(value)) {
                signals[index] = true
            }
        }
    }

    /// The canonical error sequence of a pane: `labelled` values, `errors` of them 1, spread evenly.
    static func errorSequence(labelled: Int, errors: Int) -> some Sequence<Int> {
        (0..<labelled).lazy.map { (($0 + 1) * errors) / labelled - ($0 * errors) / labelled }
    }

    /// Each detector's rule and whether it signalled since the last call; clears the signals.
    mutating func takeSignals() -> [Int: Bool] {
        defer { signals = signals.map { _ in false } }
        return Dictionary(uniqueKeysWithValues: zip(rules, signals))
    }
}

// MARK: Checkpoint

extension VersionDetectors {
    /// What a checkpoint kept of each detector, by its rule's identity: its state and
    /// whether it signalled since it was last reported.
    typealias Saved = [RuleIdentity: (detector: ErrorStreamDetector, signal: Bool)]

    /// Writes each detector's rule identity (`identity` of the rule's index), state and signal.
    func encode(to writer: inout BinaryWriter, identity: (Int) -> RuleIdentity) {
        writer.writeCount(detectors.count)
        for index in detectors.indices {
            identity(rules[index]).encode(to: &writer)
            detectors[index].encode(to: &writer)
            writer.write(signals[index])
        }
    }

    /// Reads what ``encode(to:identity:)`` wrote.
    static func readSaved(from reader: inout BinaryReader) throws -> Saved {
        var saved: Saved = [:]
        for _ in 0..<(try reader.readCount(maximum: reader.remaining)) {
            let identity = try RuleIdentity(from: &reader)
            saved[identity] = (try ErrorStreamDetector(from: &reader), try reader.readBool())
        }
        return saved
    }

    /// These detectors (fresh ones of the current rules), each whose rule is unchanged (the
    /// same identity) with its saved state and signal; those of rules gone or changed are
    /// dropped, those of new rules start fresh.
    func restoring(_ saved: Saved, identity: (Int) -> RuleIdentity) -> VersionDetectors {
        VersionDetectors(zip(rules, detectors).map { rule, fresh in (rule: rule, detector: saved[identity(rule)]?.detector ?? fresh) },
                         signals: rules.map { saved[identity($0)]?.signal ?? false })
    }
}

