import DriftCore

/// The state of one alert instance (a rule applied to one model, version and subject),
/// following Prometheus' alerting semantics on evaluations instead of wall-clock time:
///
/// - inactive → pending while the condition holds on fewer than `for` windows;
/// - pending → **firing** once it has held on `for` consecutive *independent* windows;
/// - firing stays firing while the condition holds, and for `keep_firing_for` further
///   independent windows after it clears (against flapping);
/// - firing → **resolved** on the next clear window after that, back to inactive.
///
/// Sliding windows overlap: with a 1 h window sliding by 5 min, twelve consecutive
/// evaluations share most of their events, so one noisy stretch of data breaches twelve
/// times in a row. `for` and `keep_firing_for` therefore count windows that do not
/// overlap: an evaluation counts towards a run only when its window starts at or after the
/// end of the window counted last (`for: 2` needs the condition on two disjoint windows,
/// i.e. at least one window length of persistence). Evaluations in between must agree
/// (a clear window ends a breach run, a breaching one ends a clear run) but do not count.
/// With non-overlapping windows this is Prometheus' count of evaluations.
///
/// An evaluation that cannot judge the condition (too few samples, no reference value)
/// changes nothing: sparse traffic neither fires nor resolves an alert.
package struct AlertLifecycle: Sendable, Equatable {
    package enum Observation: Sendable, Equatable {
        case breached
        case clear
        case skipped
    }

    package enum Transition: Sendable, Equatable {
        /// The alert starts firing at this evaluation.
        case fired
        /// The alert stops firing at this evaluation.
        case resolved
    }

    /// The window an evaluation judged, in event time (milliseconds).
    package struct Window: Sendable, Equatable {
        package var start: Int64
        package var end: Int64

        package init(start: Int64, end: Int64) {
            self.start = start
            self.end = end
        }
    }

    /// Independent windows in the current run of breaches (while not firing).
    package private(set) var consecutiveBreaches = 0
    /// Independent windows in the current run of clears (while firing).
    package private(set) var consecutiveClears = 0
    /// End of the window counted last in the current run (of breaches or of clears).
    package private(set) var countedUntil: Int64 = .min
    package private(set) var isFiring = false
    /// Event time (window end) at which the current firing started.
    package private(set) var firingSince: Int64?

    package init() {}

    /// Feeds one evaluation of `window`; returns the transition it causes.
    package mutating func observe(_ observation: Observation, window: Window, forWindows: Int, keepFiringFor: Int) -> Transition? {
        switch observation {
        case .skipped:
            return nil
        case .breached:
            consecutiveClears = 0
            guard !isFiring else { return nil }
            guard Self.count(&consecutiveBreaches, since: &countedUntil, window) >= max(1, forWindows) else { return nil }
            isFiring = true
            firingSince = window.end
            consecutiveBreaches = 0
            return .fired
        case .clear:
            consecutiveBreaches = 0
            guard isFiring else { return nil }
            guard Self.count(&consecutiveClears, since: &countedUntil, window) > keepFiringFor else { return nil }
            isFiring = false
            consecutiveClears = 0
            return .resolved
        }
    }

    /// The alert's model version stopped receiving predictions long enough that no window
    /// can judge it again (see ``MonitorEngine``): a firing alert resolves, whatever its
    /// runs, and the state is inactive again (`firingSince` stays, for the resolved event).
    /// Returns ``Transition/resolved`` if it was firing, nil otherwise (exactly once).
    package mutating func retire() -> Transition? {
        guard isFiring else { return nil }
        isFiring = false
        consecutiveBreaches = 0
        consecutiveClears = 0
        return .resolved
    }

    /// Adds `window` to `run` when it starts a run or does not overlap the window counted
    /// last (ending at `countedUntil`); returns the run's length.
    private static func count(_ run: inout Int, since countedUntil: inout Int64, _ window: Window) -> Int {
        if run == 0 || window.start >= countedUntil {
            run += 1
            countedUntil = window.end
        }
        return run
    }

    /// Whether this state is the starting state, so it need not be kept or checkpointed.
    package var isInactive: Bool {
        !isFiring && consecutiveBreaches == 0
    }
}

// MARK: Checkpoint

extension AlertLifecycle {
    func encode(to writer: inout BinaryWriter) {
        writer.writeCounter(consecutiveBreaches)
        writer.writeCounter(consecutiveClears)
        writer.write(countedUntil)
        writer.write(isFiring)
        writer.writeOptional(firingSince)
    }

    init(from reader: inout BinaryReader) throws {
        self.init()
        consecutiveBreaches = try reader.readCounter()
        consecutiveClears = try reader.readCounter()
        countedUntil = try reader.readInt64()
        isFiring = try reader.readBool()
        firingSince = try reader.readOptionalInt64()
    }
}
