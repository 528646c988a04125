import ArgumentParser
import Monitor
import MonitorCore

/// `driftwatch detect`: runs one change detector over a series of numbers.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run a change detector over one number per line; print the zero-based indices where it signals drift.",
        discussion: """
        Detectors and parameters (River 0.26 defaults):
          adwin         delta=0.002 clock=32 max_buckets=5 min_window_length=5 grace_period=10
          ddm           warm_start=30 warning_threshold=2.0 drift_threshold=3.0   (input: 0/1 errors)
          eddm          warm_start=30 alpha=0.95 beta=0.9                         (input: 0/1 errors)
          page-hinkley  min_instances=30 delta=0.005 threshold=50 alpha=0.9999
        Blank lines are skipped; any other line that is not a number stops the run with its line number.
        """
    )

    @Option(help: "adwin | ddm | eddm | page-hinkley")
    var detector: String

    @Option(name: .customLong("param"), help: "A detector parameter, name=value (repeatable).")
    var parameters: [String] = []

    @Option(help: "File with one number per line ('-' for standard input).")
    var input: String

    func run() throws {
        guard let kind = ErrorStreamDetector.Kind(name: detector) else {
            throw ValidationError("unknown detector '\(detector)'; expected adwin, ddm, eddm or page-hinkley")
        }
        let parameters = try kind.definition.parameters(parsing: self.parameters)
        var detector = try ErrorStreamDetector(kind: kind, parameters: parameters)
        var index = 0
        var lineNumber = 0
        let reader = try LineReader(path: input == "-" ? "/dev/stdin" : input)
        try reader.forEachLine { line in
            guard case let .record(bytes, number) = line else {
                throw CommandFailure("\(input): line too long")
            }
            lineNumber = number
            let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
            guard !text.isEmpty else { return true }
            guard let value = Double(text), value.isFinite else {
                throw CommandFailure("\(input):\(lineNumber): '\(text)' is not a finite number")
            }
            if detector.update(value) { print(index) }
            index += 1
            return true
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
