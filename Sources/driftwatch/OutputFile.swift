#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered text file for the command-line tool's outputs (event logs, alerts, metrics).
final class OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    let path: String

    init(path: String) throws(OutputFileError) {
        guard let handle = fopen(path, "w") else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        setvbuf(handle, nil, _IOFBF, 1 << 20)
        self.handle = handle
        self.path = path
    }

    func writeLine(_ line: String) {
        var line = line
        line.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, handle) }
        fputc(0x0A, handle)
    }

    func close() throws(OutputFileError) {
        guard fclose(handle) == 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
    }
}

struct OutputFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot write \(path): \(reason)" }
}

/// A failure of a command's work (bad input data, unreadable files), reported as
/// `Error: …` without the usage text that argument errors get.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
