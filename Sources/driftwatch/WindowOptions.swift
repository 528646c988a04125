import ArgumentParser
import Monitor

/// Window and label-join options shared by `replay`, `serve` and `demo`. Each applies
/// only when given (as a flag or, for `serve`, a `DRIFTWATCH_*` variable), so a
/// configuration file's settings stand otherwise.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window length, event time (default 1h; env DRIFTWATCH_WINDOW).")
    var window: String?

    @Option(help: "Window slide (pane length) (default 5m; env DRIFTWATCH_SLIDE).")
    var slide: String?

    @Option(help: "Allowed lateness before a pane closes (default 1m; env DRIFTWATCH_LATENESS).")
    var lateness: String?

    @Option(help: "Use count windows of this many events instead of event time (low-traffic models).")
    var countWindow: Int?

    @Option(help: "Slide of count windows, in events (default: a twelfth of the window).")
    var countSlide: Int?

    @Option(help: "How long a prediction waits for its label (default 7d; env DRIFTWATCH_LABEL_TTL).")
    var labelTtl: String?

    /// Sets what was given on `configuration`.
    func apply(to configuration: inout MonitorConfiguration, environment: SettingEnvironment = SettingEnvironment([:])) throws {
        if let spec = try windowSpec(environment) { configuration.window = spec }
        if let ttl = labelTtl ?? environment["LABEL_TTL"] {
            configuration.join.timeToLiveMilliseconds = try Self.duration(ttl, "--label-ttl")
        }
    }

    /// The window the options describe (left-out parts take the defaults), or nil when none was given.
    func windowSpec(_ environment: SettingEnvironment) throws -> WindowSpec? {
        do {
            if let countWindow {
                return try WindowSpec.count(window: countWindow, slide: countSlide ?? max(1, countWindow / 12))
            }
            let window = window ?? environment["WINDOW"]
            let slide = slide ?? environment["SLIDE"]
            let lateness = lateness ?? environment["LATENESS"]
            guard window != nil || slide != nil || lateness != nil else { return nil }
            return try WindowSpec.eventTime(
                window: try Self.duration(window ?? "1h", "--window"), slide: try Self.duration(slide ?? "5m", "--slide"),
                allowedLateness: try Self.duration(lateness ?? "1m", "--lateness"))
        } catch let error as WindowSpecError {
            throw ValidationError(error.description)
        }
    }

    static func duration(_ text: String, _ option: String) throws -> Int64 {
        do { return try RuleDuration.milliseconds(text) } catch { throw ValidationError("\(option): \(error.message)") }
    }
}
