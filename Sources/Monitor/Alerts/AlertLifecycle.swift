import DriftCore

/// The state of one alert instance (a rule applied to one model, version and subject),
/// following Prometheus' alerting semantics on evaluations instead of wall-clock time:
///
/// - inactive → pending while the condition holds for fewer than `for` evaluations;
/// - pending → **firing** on the `for`-th consecutive breaching evaluation;
/// - firing stays firing while the condition holds, and for `keep_firing_for` further
///   evaluations after it clears (against flapping);
/// - firing → **resolved** on the next clear evaluation after that, back to inactive.
///
/// An evaluation that cannot judge the condition (too few samples, no reference value)
/// changes nothing: sparse traffic neither fires nor resolves an alert.
public struct AlertLifecycle: Sendable, Equatable {
    public enum Observation: Sendable, Equatable {
        case breached
        case clear
        case skipped
    }

    public enum Transition: Sendable, Equatable {
        /// The alert starts firing at this evaluation.
        case fired
        /// The alert stops firing at this evaluation.
        case resolved
    }

    public private(set) var consecutiveBreaches = 0
    public private(set) var consecutiveClears = 0
    public private(set) var isFiring = false
    /// Event time (window end) at which the current firing started.
    public private(set) var firingSince: Int64?

    public init() {}

    /// Feeds one evaluation at event time `time`; returns the transition it causes.
    public mutating func observe(_ observation: Observation, at time: Int64, forEvaluations: Int, keepFiringFor: Int) -> Transition? {
        switch observation {
        case .skipped:
            return nil
        case .breached:
            consecutiveBreaches += 1
            consecutiveClears = 0
            guard !isFiring, consecutiveBreaches >= max(1, forEvaluations) else { return nil }
            isFiring = true
            firingSince = time
            return .fired
        case .clear:
            consecutiveBreaches = 0
            guard isFiring else { return nil }
            consecutiveClears += 1
            guard consecutiveClears > keepFiringFor else { return nil }
            isFiring = false
            consecutiveClears = 0
            return .resolved
        }
    }

    /// Whether this state is the starting state, so it need not be kept or checkpointed.
    public var isInactive: Bool {
        !isFiring && consecutiveBreaches == 0
    }
}

// MARK: Checkpoint

extension AlertLifecycle {
    func encode(to writer: inout BinaryWriter) {
        writer.writeCounter(consecutiveBreaches)
        writer.writeCounter(consecutiveClears)
        writer.write(isFiring)
        writer.writeOptional(firingSince)
    }

    init(from reader: inout BinaryReader) throws {
        self.init()
        consecutiveBreaches = try reader.readCounter()
        consecutiveClears = try reader.readCounter()
        isFiring = try reader.readBool()
        firingSince = try reader.readOptionalInt64()
    }
}
