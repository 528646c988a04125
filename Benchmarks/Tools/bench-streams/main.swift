import BenchmarkStreams
import Foundation

/// `bench-streams sparse|dense|wide PATH`: writes a benchmark stream as JSON lines, so that
/// another build's `driftwatch replay` can be timed on the same file.
let arguments = CommandLine.arguments
guard arguments.count == 3, let stream = BenchmarkStream(rawValue: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: bench-streams sparse|dense|wide PATH\n".utf8))
    exit(2)
}
do {
    try stream.write(to: arguments[2])
} catch {
    FileHandle.standardError.write(Data("cannot write \(arguments[2]): \(error)\n".utf8))
    exit(1)
}
