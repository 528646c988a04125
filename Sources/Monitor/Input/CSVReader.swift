import MonitorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads RFC 4180 CSV as a stream of records: quoted fields with `""` escapes, commas
/// and line breaks inside quotes, LF or CRLF line ends, a required header row.
///
/// Hand-written rather than taken from a package: SwiftCSV parses a whole string in
/// memory, and CSV.swift streams from `InputStream` (Foundation) but would add a
/// package dependency and reports no line/column for malformed input. This reader is
/// one byte-level state machine over `fread` chunks, so memory is bounded by the chunk
/// plus `maximumRecordBytes` whatever the file size.
///
/// Strictness: a quote inside an unquoted field, text after a closing quote, an
/// unterminated quote, a record with a different number of fields than the header, a
/// record longer than the limit and invalid UTF-8 are errors naming the line and
/// (byte) column. Empty lines are skipped. Fields are not trimmed.
package final class CSVReader {
    /// Column names, from the first record.
    package private(set) var header: [String] = []
    package let path: String
    package let maximumRecordBytes: Int
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8]
    private var position = 0
    private var filled = 0
    private var atEndOfFile = false
    private var state = State.fieldStart
    /// Line and byte column of the next byte.
    private var line = 1
    private var column = 1
    private var recordLine = 1
    private var quoteLine = 1
    private var quoteColumn = 1
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var recordBytes = 0

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterCarriageReturn
    }

    /// Opens a file and reads its header.
    package init(path: String, maximumRecordBytes: Int = 1 << 20, chunkBytes: Int = 1 << 16) throws(CSVError) {
        guard let file = fopen(path, "rb") else {
            throw CSVError(path: path, line: 0, column: 0, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
        self.maximumRecordBytes = maximumRecordBytes
        buffer = [UInt8](repeating: 0, count: max(chunkBytes, 1))
        try readHeader()
    }

    /// Reads CSV text held in memory (tests, small inputs).
    package init(text: String, path: String = "<memory>", maximumRecordBytes: Int = 1 << 20) throws(CSVError) {
        self.path = path
        self.maximumRecordBytes = maximumRecordBytes
        buffer = Array(text.utf8)
        filled = buffer.count
        atEndOfFile = true
        try readHeader()
    }

    deinit {
        if let file { fclose(file) }
    }

    private func readHeader() throws(CSVError) {
        guard var record = try nextFields() else { throw error(line: 1, column: 1, "no header row") }
        // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first name.
        if record.fields[0].hasPrefix("\u{FEFF}") { record.fields[0].removeFirst() }
        var seen: Set<String> = []
        for (index, name) in record.fields.enumerated() {
            guard !name.isEmpty else { throw error(line: record.line, column: 0, "column \(index + 1) of the header has no name") }
            guard seen.insert(name).inserted else { throw error(line: record.line, column: 0, "duplicate column '\(name)' in the header") }
        }
        header = record.fields
    }

    /// The next data record (one field per header column) and the line it starts on; nil at the end.
    package func nextRecord() throws(CSVError) -> (fields: [String], line: Int)? {
        guard let record = try nextFields() else { return nil }
        guard record.fields.count == header.count else {
            throw error(line: record.line, column: 0, "expected \(header.count) fields as in the header, found \(record.fields.count)")
        }
        return record
    }

    /// Runs the state machine up to the end of the next non-empty record.
    private func nextFields() throws(CSVError) -> (fields: [String], line: Int)? {
        while true {
            if position == filled {
                if !atEndOfFile { try refill() }
                if position == filled {
                    return try finishAtEndOfFile()
                }
            }
            let byte = buffer[position]
            position += 1
            if let record = try consume(byte) { return record }
        }
    }

    /// Feeds one byte; returns a record when the byte ended one.
    private func consume(_ byte: UInt8) throws(CSVError) -> (fields: [String], line: Int)? {
        let (byteLine, byteColumn) = (line, column)
        if byte == 0x0A {
            line += 1
            column = 1
        } else {
            column += 1
        }
        recordBytes += 1
        guard recordBytes <= maximumRecordBytes else {
            throw error(line: recordLine, column: 0, "record longer than \(maximumRecordBytes) bytes")
        }
        switch (state, byte) {
        case (.afterCarriageReturn, 0x0A):
            return try endRecord()
        case (.afterCarriageReturn, _):
            throw error(line: byteLine, column: byteColumn, "carriage return not followed by a line feed")
        case (.fieldStart, 0x22):
            state = .quoted
            (quoteLine, quoteColumn) = (byteLine, byteColumn)
        case (.fieldStart, 0x2C), (.unquoted, 0x2C), (.quoteInQuoted, 0x2C):
            try endField()
        case (.fieldStart, 0x0A), (.unquoted, 0x0A), (.quoteInQuoted, 0x0A):
            try endField()
            return try endRecord()
        case (.fieldStart, 0x0D), (.unquoted, 0x0D), (.quoteInQuoted, 0x0D):
            try endField()
            state = .afterCarriageReturn
        case (.unquoted, 0x22):
            throw error(line: byteLine, column: byteColumn, "quote inside an unquoted field (quote the whole field and write \"\" for a quote)")
        case (.fieldStart, _), (.unquoted, _):
            state = .unquoted
            field.append(byte)
        case (.quoted, 0x22):
            state = .quoteInQuoted
        case (.quoted, _):
            field.append(byte)
        case (.quoteInQuoted, 0x22):
            state = .quoted
            field.append(0x22)
        case (.quoteInQuoted, _):
            throw error(line: byteLine, column: byteColumn, "unexpected character after a closing quote")
        }
        return nil
    }

    private func endField() throws(CSVError) {
        guard let text = String(validating: field, as: UTF8.self) else {
            throw error(line: recordLine, column: 0, "field \(fields.count + 1) is not valid UTF-8")
        }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    /// Hands out the record's fields; a line with nothing on it is skipped (nil).
    private func endRecord() throws(CSVError) -> (fields: [String], line: Int)? {
        defer {
            fields.removeAll(keepingCapacity: true)
            state = .fieldStart
            recordBytes = 0
            recordLine = line
        }
        if fields.count == 1, fields[0].isEmpty, recordBytes <= 2 { return nil }
        return (fields, recordLine)
    }

    private func finishAtEndOfFile() throws(CSVError) -> (fields: [String], line: Int)? {
        switch state {
        case .quoted:
            throw error(line: quoteLine, column: quoteColumn, "quoted field not closed before the end of the file")
        case .afterCarriageReturn:
            return try endRecord()
        case .fieldStart where fields.isEmpty:
            return nil
        case .fieldStart, .unquoted, .quoteInQuoted:
            try endField()
            return try endRecord()
        }
    }

    private func refill() throws(CSVError) {
        guard let file else {
            atEndOfFile = true
            return
        }
        let count = buffer.withUnsafeMutableBufferPointer { fread($0.baseAddress!, 1, $0.count, file) }
        if count == 0 {
            if ferror(file) != 0 { throw error(line: line, column: 0, "cannot read: \(String(cString: strerror(errno)))") }
            atEndOfFile = true
        }
        position = 0
        filled = count
    }

    private func error(line: Int, column: Int, _ message: String) -> CSVError {
        CSVError(path: path, line: line, column: column, message: message)
    }
}

/// A malformed CSV file: where and what. Column 0 means the whole record.
package struct CSVError: Error, Equatable, CustomStringConvertible {
    package var path: String
    package var line: Int
    package var column: Int
    package var message: String

    package var description: String {
        column > 0 ? "\(path):\(line):\(column): \(message)" : "\(path):\(line): \(message)"
    }
}

/// A CSV field read as a value: empty → missing, a decimal number → number, anything else
/// → text. A number written with leading zeros (`007`, `-01.5`) is an identifier (a zip
/// or product code), not a quantity: it stays text, as the same value logged as the JSON
/// string `"007"` does. Categories of numbers and of boolean spellings (`True`) are
/// ``CategoryValue``'s, as for JSON values.
package enum CSVValue: Equatable, Sendable {
    case missing
    case number(Double)
    case text(String)

    package init(field: String) {
        guard let first = field.utf8.first else {
            self = .missing
            return
        }
        // Only decimal notation counts as a number: "nan", "inf" and hex floats stay text.
        let startsNumeric = (0x30...0x39).contains(first) || first == 0x2D || first == 0x2B || first == 0x2E
        if startsNumeric, !field.utf8.contains(where: { $0 | 0x20 == 0x78 || $0 | 0x20 == 0x6E }),  // no x/X (hex), n/N (nan, inf)
           !Self.hasLeadingZero(field), let number = Double(field), number.isFinite {
            self = .number(number)
        } else {
            self = .text(field)
        }
    }

    /// A zero followed by another digit at the start of the integer part (after a sign).
    private static func hasLeadingZero(_ field: String) -> Bool {
        var digits = field.utf8.drop { $0 == 0x2D || $0 == 0x2B }.makeIterator()
        guard digits.next() == 0x30, let second = digits.next() else { return false }
        return (0x30...0x39).contains(second)
    }
}
