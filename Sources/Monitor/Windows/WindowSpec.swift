/// How a model's stream is cut into windows: sliding windows built from panes.
///
/// Event-time windows (the default) are `panesPerWindow` panes of `paneMilliseconds`
/// each, e.g. 12 × 5 min = a 1 h window sliding by 5 min. A pane closes when the
/// watermark (largest event time seen − `allowedLatenessMilliseconds`) passes its end;
/// an event for a closed pane is late: counted, not merged into old windows.
///
/// Count windows, for low-traffic models, are `panesPerWindow` panes of
/// `eventsPerPane` events each: "the last N events", sliding by N / panes.
public struct WindowSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case eventTime(paneMilliseconds: Int64, allowedLatenessMilliseconds: Int64)
        case count(eventsPerPane: Int)
    }

    public var kind: Kind
    public var panesPerWindow: Int

    public init(kind: Kind, panesPerWindow: Int) {
        precondition(panesPerWindow > 0, "a window has at least one pane")
        self.kind = kind
        self.panesPerWindow = panesPerWindow
    }

    /// One hour sliding by five minutes, one minute of allowed lateness.
    public static let hourlySlidingByFiveMinutes = WindowSpec(
        kind: .eventTime(paneMilliseconds: 300_000, allowedLatenessMilliseconds: 60_000), panesPerWindow: 12
    )

    public static func eventTime(window: Int64, slide: Int64, allowedLateness: Int64) throws(WindowSpecError) -> WindowSpec {
        guard slide > 0, window > 0 else { throw .notPositive }
        guard window % slide == 0 else { throw .windowNotMultipleOfSlide(window: window, slide: slide) }
        guard allowedLateness >= 0 else { throw .negativeLateness }
        return WindowSpec(kind: .eventTime(paneMilliseconds: slide, allowedLatenessMilliseconds: allowedLateness), panesPerWindow: Int(window / slide))
    }

    public static func count(window: Int, slide: Int) throws(WindowSpecError) -> WindowSpec {
        guard slide > 0, window > 0 else { throw .notPositive }
        guard window % slide == 0 else { throw .windowNotMultipleOfSlide(window: Int64(window), slide: Int64(slide)) }
        return WindowSpec(kind: .count(eventsPerPane: slide), panesPerWindow: window / slide)
    }
}

public enum WindowSpecError: Error, Equatable, CustomStringConvertible {
    case notPositive
    case windowNotMultipleOfSlide(window: Int64, slide: Int64)
    case negativeLateness

    public var description: String {
        switch self {
        case .notPositive: "window and slide must be positive"
        case let .windowNotMultipleOfSlide(window, slide): "the window (\(window)) must be a whole number of slides (\(slide))"
        case .negativeLateness: "allowed lateness cannot be negative"
        }
    }
}
