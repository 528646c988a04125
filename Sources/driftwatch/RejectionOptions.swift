import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// `--max-rejected-share` of `replay`, `profile` and `compare`: a run whose input was mostly
/// rejected prints why and exits 1.
struct RejectionOptions: ParsableArguments {
    @Option(help: "Exit 1 when a larger share of the input is rejected (0-1); default from the configuration (limits.max_rejected_share), else 0.5.")
    var maxRejectedShare: Double?

    func validate() throws {
        if let maxRejectedShare, !(0...1).contains(maxRejectedShare) {
            throw ValidationError("--max-rejected-share must be between 0 and 1")
        }
    }

    /// Prints the rejection reasons of `input` and exits 1 when it rejected too much.
    func check(_ tally: RejectionTally, of input: String, configuration: DriftwatchConfiguration) throws {
        guard let lines = tally.excess(maximumShare: maxRejectedShare ?? configuration.maximumRejectedShare) else { return }
        FileHandle.standardError.write(Data(("\(input): " + lines.joined(separator: "\n") + "\n").utf8))
        throw ExitCode.failure
    }
}
