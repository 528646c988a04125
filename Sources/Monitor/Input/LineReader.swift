import MonitorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file of newline-delimited records (JSON lines) in large chunks and hands out
/// each line's bytes without copying them. Memory stays bounded by the chunk size plus
/// `maximumLineBytes`: a longer line is reported as oversize (with its length) and
/// skipped, never buffered whole. `\r\n` endings are accepted; a last line without a
/// newline is still a line; empty lines are skipped.
package final class LineReader {
    package enum Line {
        /// The line's bytes, valid only during the callback.
        case record(UnsafeBufferPointer<UInt8>, lineNumber: Int)
        /// A line longer than the limit: its length, and its first bytes for the dead letter.
        case oversize(length: Int, prefix: [UInt8], lineNumber: Int)
    }

    /// How much of an oversize line is kept (for its dead letter).
    package static let oversizePrefixBytes = 1024

    package let path: String
    package let maximumLineBytes: Int
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8]
    /// Bytes of `buffer` that hold data, and where the next line starts.
    private var filled = 0
    private var start = 0
    private var lineNumber = 0
    private var atEndOfFile = false

    package init(path: String, maximumLineBytes: Int = 1 << 20, chunkBytes: Int = 1 << 20) throws(LineReaderError) {
        guard let file = fopen(path, "rb") else { throw LineReaderError(path: path, reason: String(cString: strerror(errno))) }
        self.file = file
        self.path = path
        self.maximumLineBytes = maximumLineBytes
        buffer = [UInt8](repeating: 0, count: max(chunkBytes, maximumLineBytes + 2))
    }

    deinit {
        fclose(file)
    }

    /// Calls `body` with each line in order until the file ends or `body` returns false.
    package func forEachLine(_ body: (Line) throws -> Bool) throws {
        while try withNextLine(body) == true {}
    }

    /// Calls `body` with the next line (its bytes valid only during the call) and returns
    /// what `body` returns; nil at the end of the file. Lets a reader that interleaves
    /// several files decode a line in place instead of copying it.
    package func withNextLine<Result>(_ body: (Line) throws -> Result) throws -> Result? {
        switch try nextLine() {
        case let .record(range, lineNumber)?:
            try buffer.withUnsafeBufferPointer { all in
                try body(.record(UnsafeBufferPointer(rebasing: all[range]), lineNumber: lineNumber))
            }
        case let .oversize(length, prefix, lineNumber)?:
            try body(.oversize(length: length, prefix: prefix, lineNumber: lineNumber))
        case nil:
            nil
        }
    }

    private enum RawLine {
        case record(Range<Int>, lineNumber: Int)
        case oversize(length: Int, prefix: [UInt8], lineNumber: Int)
    }

    private func nextLine() throws(LineReaderError) -> RawLine? {
        while true {
            if let newline = newlineIndex() {
                lineNumber += 1
                let range = trimmed(start..<newline)
                start = newline + 1
                if range.isEmpty { continue }
                return line(range)
            }
            if atEndOfFile {
                guard start < filled else { return nil }
                lineNumber += 1
                let range = trimmed(start..<filled)
                start = filled
                if range.isEmpty { return nil }
                return line(range)
            }
            if filled - start > maximumLineBytes {
                return try skipOversizeLine()
            }
            try refill()
        }
    }

    /// The index of the next newline in the unread bytes (memchr: vectorised, where a
    /// byte loop cost as much as decoding the rest of the line's structure).
    private func newlineIndex() -> Int? {
        buffer.withUnsafeBufferPointer { all in
            guard start < filled, let found = memchr(all.baseAddress! + start, 0x0A, filled - start) else { return nil }
            return all.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// A complete line: a record, or oversize when it is longer than the limit.
    private func line(_ range: Range<Int>) -> RawLine {
        guard range.count <= maximumLineBytes else {
            return .oversize(length: range.count, prefix: Array(buffer[range.prefix(Self.oversizePrefixBytes)]), lineNumber: lineNumber)
        }
        return .record(range, lineNumber: lineNumber)
    }

    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        range.upperBound > range.lowerBound && buffer[range.upperBound - 1] == 0x0D ? range.lowerBound..<(range.upperBound - 1) : range
    }

    /// Moves unread bytes to the front and reads more.
    private func refill() throws(LineReaderError) {
        if start > 0 {
            buffer.withUnsafeMutableBufferPointer { all in
                _ = memmove(all.baseAddress!, all.baseAddress! + start, filled - start)
            }
            filled -= start
            start = 0
        }
        let count = buffer.withUnsafeMutableBufferPointer { all in
            fread(all.baseAddress! + filled, 1, all.count - filled, file)
        }
        if count == 0 {
            if ferror(file) != 0 { throw LineReaderError(path: path, reason: String(cString: strerror(errno))) }
            atEndOfFile = true
        }
        filled += count
    }

    /// Consumes a line longer than the limit without holding it, up to its newline.
    private func skipOversizeLine() throws(LineReaderError) -> RawLine {
        lineNumber += 1
        let prefix = Array(buffer[start..<(start + min(Self.oversizePrefixBytes, filled - start))])
        var length = 0
        while true {
            if let newline = newlineIndex() {
                length += newline - start
                start = newline + 1
                return .oversize(length: length, prefix: prefix, lineNumber: lineNumber)
            }
            length += filled - start
            start = filled
            if atEndOfFile { return .oversize(length: length, prefix: prefix, lineNumber: lineNumber) }
            try refill()
        }
    }
}

package struct LineReaderError: Error, Equatable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "cannot read \(path): \(reason)" }
}
