/// Retired versions (issue 10). A version that stops receiving predictions — retired after
/// a roll-out — still has its windows closed by the partition's event time, but once they
/// are empty nothing judges its rules again: an alert firing on it would fire forever.
/// Once the partition's event time is far enough past the version's last prediction that
/// no window can judge it again, its firing alerts resolve, with the reason
/// ``AlertEvent/Resolution/versionRetired``:
///
/// - rules judged on drift windows (feature drift, data quality, health, selection
///   fairness): once the version has had no prediction for longer than the window plus
///   the allowed lateness — by then every window holding one of its predictions has closed
///   and been judged;
/// - rules judged on performance windows (performance, label fairness, change detectors):
///   once it has had none for longer than that plus the label time-to-live — by then each
///   of its predictions has its label or has expired, so every performance window holding
///   one has been evaluated.
///
/// Checked where windows close: each time the partition's event time crosses a pane
/// boundary, for every version in the order first seen, after its own windows. A version
/// that receives a prediction, or whose alert fires again (a growing window judged late),
/// is receiving again and retires anew. Event-time windows only: count windows have no
/// time, so their versions never retire.
enum Retirement: UInt8 {
    case receiving = 0
    /// Its drift-window rules are resolved; its performance rules wait for the label time-to-live.
    case idle = 1
    /// All its rules are resolved.
    case retired = 2
}

/// How long a version must go without predictions before each kind of its rules resolves.
struct RetirementPolicy: Equatable {
    /// Window length plus allowed lateness.
    let driftDelay: Int64
    /// ``driftDelay`` plus the label time-to-live.
    let performanceDelay: Int64

    /// The configuration's delays; nil for count windows (nothing retires).
    init?(_ configuration: MonitorConfiguration) {
        guard case let .eventTime(pane, lateness) = configuration.window.kind else { return nil }
        driftDelay = pane * Int64(configuration.window.panesPerWindow) + lateness
        performanceDelay = driftDelay + configuration.join.timeToLiveMilliseconds
    }

    /// Where a version in `phase` whose last prediction was at `lastPrediction` is at
    /// event time `now`, and the kinds of rules to resolve on the way (in this order).
    func advance(_ phase: Retirement, lastPrediction: Int64, now: Int64) -> (phase: Retirement, resolve: [EvaluationKind]) {
        let (difference, overflow) = now.subtractingReportingOverflow(lastPrediction)
        let idleFor = overflow ? (now > lastPrediction ? Int64.max : Int64.min) : difference
        var phase = phase
        var resolve: [EvaluationKind] = []
        if phase == .receiving, idleFor > driftDelay {
            phase = .idle
            resolve.append(.drift)
        }
        if phase == .idle, idleFor > performanceDelay {
            phase = .retired
            resolve.append(.performance)
        }
        return (phase, resolve)
    }
}
