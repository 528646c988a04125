import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct CSVReaderTests {
    private func records(_ text: String) throws -> [[String]] {
        let reader = try CSVReader(text: text)
        var all: [[String]] = []
        while let record = try reader.nextRecord() { all.append(record.fields) }
        return all
    }

    private func failure(_ text: String) -> String? {
        do {
            _ = try records(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n1,,3\r\n"
        #expect(try records(text) == [["x, y", "say \"hi\"", "two\r\nlines"], ["1", "", "3"]])
        #expect(try CSVReader(text: text).header == ["a", "b", "c"])
    }

    @Test func lastLineWithoutNewlineAndEmptyLinesSkipped() throws {
        #expect(try records("a,b\n1,2\n\n3,4") == [["1", "2"], ["3", "4"]])
        #expect(try records("a,b\n1,\n") == [["1", ""]])
        #expect(try records("a,b\n\"\",\"\"") == [["", ""]])
        #expect(try records("a\n") == [])
    }

    @Test func byteOrderMarkIsNotPartOfTheHeader() throws {
        #expect(try CSVReader(text: "\u{FEFF}a,b\n1,2\n").header == ["a", "b"])
    }

    @Test func lineNumbersCountEmbeddedNewlines() throws {
        let reader = try CSVReader(text: "a,b\n\"1\n2\",x\ny,z\n")
        #expect(try reader.nextRecord()?.line == 2)
        #expect(try reader.nextRecord()?.line == 4)
        #expect(try reader.nextRecord() == nil)
    }

    @Test func malformedInputIsPositioned() {
        #expect(failure("a,b\n1,x\"y\n") == "<memory>:2:4: quote inside an unquoted field (quote the whole field and write \"\" for a quote)")
        #expect(failure("a,b\n\"1\"x,2\n") == "<memory>:2:4: unexpected character after a closing quote")
        #expect(failure("a,b\n1,2\n3,\"open\n") == "<memory>:3:3: quoted field not closed before the end of the file")
        #expect(failure("a,b\n1,2,3\n") == "<memory>:2: expected 2 fields as in the header, found 3")
        #expect(failure("a,b\n1\r2\n") == "<memory>:2:3: carriage return not followed by a line feed")
        #expect(failure("") == "<memory>:1:1: no header row")
        #expect(failure("a,,c\n") == "<memory>:1: column 2 of the header has no name")
        #expect(failure("a,a\n") == "<memory>:1: duplicate column 'a' in the header")
    }

    @Test func recordsLongerThanTheLimitAreRefused() throws {
        let reader = try CSVReader(text: "a\nshort\n" + String(repeating: "x", count: 100) + "\n", maximumRecordBytes: 50)
        #expect(try reader.nextRecord()?.fields == ["short"])
        #expect(throws: CSVError.self) { try reader.nextRecord() }
    }

    @Test func invalidUTF8IsAnError() throws {
        let path = NSTemporaryDirectory() + "csv-utf8-\(UUID().uuidString).csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path)
        #expect(throws: CSVError.self) { try reader.nextRecord() }
    }

    /// A file read in chunks smaller than its records gives what reading it whole gives.
    @Test func chunkBoundariesDoNotMatter() throws {
        let text = "id,text,n\r\n" + (0..<200).map { "\($0),\"line \($0)\r\nwith \"\"quotes\"\", and commas\",\($0).5\r\n" }.joined()
        let path = NSTemporaryDirectory() + "csv-chunks-\(UUID().uuidString).csv"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for chunk in [1, 3, 7, 64] {
            let reader = try CSVReader(path: path, chunkBytes: chunk)
            var all: [[String]] = []
            while let record = try reader.nextRecord() { all.append(record.fields) }
            #expect(all == (try records(text)), "chunk \(chunk)")
            #expect(all.count == 200)
            #expect(all[7] == ["7", "line 7\r\nwith \"quotes\", and commas", "7.5"])
        }
    }

    @Test func valuesAreMissingNumbersOrText() {
        #expect(CSVValue(field: "") == .missing)
        #expect(CSVValue(field: "3") == .number(3))
        #expect(CSVValue(field: "-1.5e3") == .number(-1500))
        #expect(CSVValue(field: ".5") == .number(0.5))
        #expect(CSVValue(field: "nan") == .text("nan"))
        #expect(CSVValue(field: "inf") == .text("inf"))
        #expect(CSVValue(field: "0x10") == .text("0x10"))
        #expect(CSVValue(field: "1e999") == .text("1e999"))
        #expect(CSVValue(field: " 3") == .text(" 3"))
        #expect(CSVValue(field: "north") == .text("north"))
        // Leading zeros make an identifier, not a quantity; a lone zero or 0.x is a number.
        #expect(CSVValue(field: "007") == .text("007") && CSVValue(field: "-01.5") == .text("-01.5"))
        #expect(CSVValue(field: "0") == .number(0) && CSVValue(field: "0.25") == .number(0.25) && CSVValue(field: "-0") == .number(0))
    }
}
