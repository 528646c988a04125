import ArgumentParser
import MonitorCore

/// Window and label-join options shared by `replay`, `serve` and `demo`. Each applies
/// only when given (as a flag or, for `serve`, a `DRIFTWATCH_*` variable), so a
/// configuration file's settings stand otherwise.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window length, event time (default: the --config file's, else 1h; env DRIFTWATCH_WINDOW).")
    var window: String?

    @Option(help: "Window slide (pane length) (default: the --config file's, else 5m; env DRIFTWATCH_SLIDE).")
    var slide: String?

    @Option(help: "Allowed lateness before a pane closes (default: the --config file's, else 1m; env DRIFTWATCH_LATENESS).")
    var lateness: String?

    @Option(help: "Windows with fewer events grow until they hold this many, up to --max-window-span; 0: fixed windows (default: the --config file's, else 500; env DRIFTWATCH_MIN_WINDOW_EVENTS).")
    var minWindowEvents: Int?

    @Option(help: "The longest a growing window may span (default: the --config file's, else 7d; env DRIFTWATCH_MAX_WINDOW_SPAN).")
    var maxWindowSpan: String?

    @Option(help: "Use count windows of this many events instead of event time (low-traffic models).")
    var countWindow: Int?

    @Option(help: "Slide of count windows, in events (default: a twelfth of the window).")
    var countSlide: Int?

    @Option(help: "How long a prediction waits for its label (default 7d; env DRIFTWATCH_LABEL_TTL).")
    var labelTtl: String?

    /// Sets what was given on `configuration`: each option replaces only its own part of the
    /// configuration's window (a `--lateness` leaves the configuration file's length and slide).
    func apply(to configuration: inout MonitorConfiguration, environment: SettingEnvironment = SettingEnvironment([:])) throws {
        if let spec = try windowSpec(environment, base: configuration.window) { configuration.window = spec }
        if let ttl = labelTtl ?? environment["LABEL_TTL"] {
            configuration.join.timeToLiveMilliseconds = try Self.duration(ttl, "--label-ttl")
        }
    }

    /// The window the options describe, or nil when none was given. Left-out parts are
    /// `base`'s when it is an event-time window, else the defaults (1h sliding by 5m, 1m of
    /// lateness, growing to 500 events within 7d).
    func windowSpec(_ environment: SettingEnvironment, base: WindowSpec = .hourlySlidingByFiveMinutes) throws -> WindowSpec? {
        do {
            if let countWindow {
                return try WindowSpec.count(window: countWindow, slide: countSlide ?? max(1, countWindow / 12))
            }
            let window = window ?? environment["WINDOW"]
            let slide = slide ?? environment["SLIDE"]
            let lateness = lateness ?? environment["LATENESS"]
            let minimumEvents = try minWindowEvents ?? environment["MIN_WINDOW_EVENTS"].map {
                guard let value = Int($0) else { throw ValidationError("DRIFTWATCH_MIN_WINDOW_EVENTS: '\($0)' is not a whole number") }
                return value
            }
            let maximumSpan = maxWindowSpan ?? environment["MAX_WINDOW_SPAN"]
            guard window != nil || slide != nil || lateness != nil || minimumEvents != nil || maximumSpan != nil else { return nil }
            let base = Self.parts(of: base)
            return try WindowSpec.eventTime(
                window: try window.map { try Self.duration($0, "--window") } ?? base.window,
                slide: try slide.map { try Self.duration($0, "--slide") } ?? base.slide,
                allowedLateness: try lateness.map { try Self.duration($0, "--lateness") } ?? base.lateness,
                minimumEvents: minimumEvents ?? base.minimumEvents,
                maximumSpan: try maximumSpan.map { try Self.duration($0, "--max-window-span") } ?? base.maximumSpan)
        } catch let error as WindowSpecError {
            throw ValidationError(error.description)
        }
    }

    /// An event-time window's parts as the options name them: `spec`'s, or the default
    /// window's for a count window.
    private static func parts(of spec: WindowSpec)
        -> (window: Int64, slide: Int64, lateness: Int64, minimumEvents: Int, maximumSpan: Int64)
    {
        guard case let .eventTime(pane, lateness) = spec.kind else { return parts(of: .hourlySlidingByFiveMinutes) }
        let (minimumEvents, maximumSpan) = switch spec.sizing {
        case .fixed: (0, WindowSpec.defaultMaximumSpanMilliseconds)
        case let .growing(minimum, maximumPanes): (minimum, pane * Int64(maximumPanes))
        }
        return (pane * Int64(spec.panesPerWindow), pane, lateness, minimumEvents, maximumSpan)
    }

    static func duration(_ text: String, _ option: String) throws -> Int64 {
        do { return try RuleDuration.milliseconds(text) } catch { throw ValidationError("\(option): \(error.message)") }
    }
}
