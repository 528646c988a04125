/// How a model's stream is cut into windows: sliding windows built from panes.
///
/// Event-time windows (the default) are `panesPerWindow` panes of `paneMilliseconds`
/// each, e.g. 12 × 5 min = a 1 h window sliding by 5 min. A pane closes when the
/// watermark (largest event time seen − `allowedLatenessMilliseconds`) passes its end;
/// an event for a closed pane is late: counted, not merged into old windows.
///
/// Count windows, for low-traffic models, are `panesPerWindow` panes of
/// `eventsPerPane` events each: "the last N events", sliding by N / panes.
///
/// Event-time windows **grow** on sparse traffic (``Sizing/growing(minimumEvents:maximumPanes:)``,
/// the default): a sliding window holding fewer than `minimumEvents` events is not
/// judged; instead the panes closed since the last judged window accumulate until they
/// hold `minimumEvents` events or span `maximumPanes` panes, and that longer window is
/// judged. Dense streams keep their fixed sliding windows; a stream of 50 events an hour
/// gets windows of about ten hours, like NannyML's size-based chunks.
package struct WindowSpec: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case eventTime(paneMilliseconds: Int64, allowedLatenessMilliseconds: Int64)
        case count(eventsPerPane: Int)
    }

    /// How an event-time window copes with sparse traffic (count windows are sized by definition).
    package enum Sizing: Sendable, Equatable {
        /// Every closed pane ends a window of `panesPerWindow` panes, however few events it holds.
        case fixed
        /// Windows under `minimumEvents` grow (see the type's discussion), up to `maximumPanes` panes.
        case growing(minimumEvents: Int, maximumPanes: Int)
    }

    package var kind: Kind
    package var panesPerWindow: Int
    package var sizing: Sizing

    package init(kind: Kind, panesPerWindow: Int, sizing: Sizing = .fixed) {
        precondition(panesPerWindow > 0, "a window has at least one pane")
        self.kind = kind
        self.panesPerWindow = panesPerWindow
        self.sizing = sizing
    }

    /// Events a window should hold before it is judged on its own, by default: enough for
    /// a drift statistic over 10 bins or an accuracy to stand out of its sampling noise
    /// (an accuracy of 0.8 on 500 outcomes has a standard error of 0.018).
    package static let defaultMinimumEvents = 500
    /// The longest a growing window may span by default: one week.
    package static let defaultMaximumSpanMilliseconds: Int64 = 7 * 86_400_000

    /// One hour sliding by five minutes, one minute of allowed lateness; windows under
    /// 500 events grow, up to a week.
    package static let hourlySlidingByFiveMinutes = WindowSpec(
        kind: .eventTime(paneMilliseconds: 300_000, allowedLatenessMilliseconds: 60_000), panesPerWindow: 12,
        sizing: .growing(minimumEvents: defaultMinimumEvents, maximumPanes: Int(defaultMaximumSpanMilliseconds / 300_000))
    )

    /// An event-time window; it grows on sparse traffic (up to `maximumSpan`, at least the
    /// window) unless `minimumEvents` is 0.
    package static func eventTime(
        window: Int64, slide: Int64, allowedLateness: Int64, minimumEvents: Int = defaultMinimumEvents,
        maximumSpan: Int64 = defaultMaximumSpanMilliseconds
    ) throws(WindowSpecError) -> WindowSpec {
        guard slide > 0, window > 0 else { throw .notPositive }
        guard window % slide == 0 else { throw .windowNotMultipleOfSlide(window: window, slide: slide) }
        guard allowedLateness >= 0 else { throw .negativeLateness }
        guard minimumEvents >= 0 else { throw .negativeMinimumEvents }
        let kind = Kind.eventTime(paneMilliseconds: slide, allowedLatenessMilliseconds: allowedLateness)
        let panes = Int(window / slide)
        guard minimumEvents > 0 else { return WindowSpec(kind: kind, panesPerWindow: panes) }
        return WindowSpec(kind: kind, panesPerWindow: panes,
                          sizing: .growing(minimumEvents: minimumEvents, maximumPanes: Int(max(maximumSpan, window) / slide)))
    }

    package static func count(window: Int, slide: Int) throws(WindowSpecError) -> WindowSpec {
        guard slide > 0, window > 0 else { throw .notPositive }
        guard window % slide == 0 else { throw .windowNotMultipleOfSlide(window: Int64(window), slide: Int64(slide)) }
        return WindowSpec(kind: .count(eventsPerPane: slide), panesPerWindow: window / slide)
    }
}

package enum WindowSpecError: Error, Equatable, CustomStringConvertible {
    case notPositive
    case windowNotMultipleOfSlide(window: Int64, slide: Int64)
    case negativeLateness
    case negativeMinimumEvents

    package var description: String {
        switch self {
        case .negativeMinimumEvents: "the minimum events of a window cannot be negative"
        case .notPositive: "window and slide must be positive"
        case let .windowNotMultipleOfSlide(window, slide): "the window (\(window)) must be a whole number of slides (\(slide))"
        case .negativeLateness: "allowed lateness cannot be negative"
        }
    }
}
