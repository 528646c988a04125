import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct LineReaderTests {
    func withFile(_ contents: [UInt8], _ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("linereader-\(UUID().uuidString).jsonl").path
        try Data(contents).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    enum Seen: Equatable {
        case record(String, Int)
        case oversize(Int, Int)
    }

    func readAll(_ path: String, maximumLineBytes: Int, chunkBytes: Int) throws -> [Seen] {
        var seen: [Seen] = []
        try LineReader(path: path, maximumLineBytes: maximumLineBytes, chunkBytes: chunkBytes).forEachLine { line in
            switch line {
            case let .record(bytes, number): seen.append(.record(String(decoding: bytes, as: UTF8.self), number))
            case let .oversize(length, _, number): seen.append(.oversize(length, number))
            }
            return true
        }
        return seen
    }

    @Test(arguments: [1, 3, 7, 64, 1 << 20])
    func splitsLinesWhateverTheChunkSize(chunk: Int) throws {
        try withFile(Array("a\r\n\nbb\n  \nccc".utf8)) { path throws in
            #expect(try readAll(path, maximumLineBytes: 16, chunkBytes: chunk) == [.record("a", 1), .record("bb", 3), .record("  ", 4), .record("ccc", 5)])
        }
    }

    @Test(arguments: [1, 5, 64])
    func oversizeLinesAreReportedAndSkipped(chunk: Int) throws {
        let long = String(repeating: "x", count: 100)
        try withFile(Array("ok\n\(long)\nfine\n\(long)".utf8)) { path throws in
            #expect(try readAll(path, maximumLineBytes: 10, chunkBytes: chunk) == [.record("ok", 1), .oversize(100, 2), .record("fine", 3), .oversize(100, 4)])
        }
    }

    @Test func missingFileIsAClearError() {
        #expect(throws: LineReaderError.self) { try LineReader(path: "/nonexistent/events.jsonl") }
    }
}

extension LineReaderTests {
    @Test func linesOverTheLimitAreOversizeEvenWhenTheyFitTheBuffer() throws {
        try withFile(Array("ok\n\(String(repeating: "y", count: 40))\nfine".utf8)) { path throws in
            #expect(try readAll(path, maximumLineBytes: 10, chunkBytes: 1 << 16) == [.record("ok", 1), .oversize(40, 2), .record("fine", 3)])
        }
    }
}
