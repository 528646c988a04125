import MonitorCore

/// One stretch of time an alert instance (rule, model, version, subject) was firing.
package struct AlertEpisode: Sendable, Equatable, Hashable {
    package var rule: String
    package var model: String
    package var version: String
    package var subject: String
    /// The window end of the evaluation that fired it.
    package var start: Int64
    /// The window end of the evaluation that resolved it; nil while still firing at the end of the history.
    package var end: Int64?

    package init(rule: String, model: String, version: String, subject: String, start: Int64, end: Int64?) {
        self.rule = rule
        self.model = model
        self.version = version
        self.subject = subject
        self.start = start
        self.end = end
    }

    /// The episode's end, or `horizon` while it is still firing.
    package func end(or horizon: Int64) -> Int64 { end ?? max(horizon, start) }
}

/// Turns alert transitions into episodes, in the order they start. Bounded: at most
/// `capacity` episodes are kept; the rest are counted in `overflow`.
package struct EpisodeCollector: Sendable {
    private struct Key: Hashable {
        var rule: String
        var model: String
        var version: String
        var subject: String
    }

    package let capacity: Int
    package private(set) var episodes: [AlertEpisode] = []
    /// Episodes started past `capacity` (not kept).
    package private(set) var overflow = 0
    private var open: [Key: Int] = [:]

    package static let defaultCapacity = 100_000

    package init(capacity: Int = EpisodeCollector.defaultCapacity) {
        self.capacity = capacity
    }

    package mutating func add(_ transition: AlertTransition) {
        let key = Key(rule: transition.rule, model: transition.model, version: transition.version, subject: transition.subject)
        switch transition.status {
        case .firing:
            guard episodes.count < capacity else { overflow += 1; return }
            open[key] = episodes.count
            episodes.append(AlertEpisode(rule: transition.rule, model: transition.model, version: transition.version,
                                         subject: transition.subject, start: transition.at, end: nil))
        case .resolved:
            guard let index = open.removeValue(forKey: key) else { return }
            episodes[index].end = transition.at
        }
    }
}
