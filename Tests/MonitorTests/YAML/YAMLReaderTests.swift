import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

/// The diagnostics reader rule files and `driftwatch.yaml` share.
@Suite struct YAMLReaderTests {
    /// Parses `text` as the root mapping with the keys `known`; its errors as `line:column: message`.
    private static func errors(_ text: String, known: [String], read: (inout YAMLReader, YAMLReader.Fields) -> Void = { _, _ in }) -> [String] {
        var reader = YAMLReader(path: "t.yaml", text: text)
        if case let .root(root) = reader.compose(text), let fields = reader.mapping(root, knownKeys: known, what: "the file") {
            read(&reader, fields)
        }
        return reader.errors.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    @Test func documentsAreEmptyReadableOrNot() {
        for text in ["", "# only a comment\n"] {
            var reader = YAMLReader(path: "t.yaml", text: text)
            guard case .empty = reader.compose(text) else { Issue.record("'\(text)' is not empty"); continue }
            #expect(reader.errors.isEmpty)
        }
        var reader = YAMLReader(path: "t.yaml", text: "a: [1, 2\n")
        guard case .unreadable = reader.compose("a: [1, 2\n") else { Issue.record("unclosed list read"); return }
        #expect(reader.errors.count == 1)
        #expect(reader.errors.first?.message.hasPrefix("invalid YAML: ") == true)
    }

    /// Every problem is kept, in reading order, whatever order the helpers met them in.
    @Test func typedValuesReportEveryProblemInReadingOrder() {
        let text = "windw: 1\nlimit: 0\nratio: high\nmode: fats\n"
        let errors = Self.errors(text, known: ["window", "limit", "ratio", "mode"]) { reader, fields in
            enum Mode: String, CaseIterable { case fast, slow }
            _ = fields["mode"].map { reader.enumeration($0.value, Mode.self, what: "mode") }
            _ = fields["ratio"].map { reader.number($0.value, what: "'ratio'") }
            _ = fields["limit"].map { reader.integer($0.value, in: 1...10, what: "'limit'") }
        }
        #expect(errors == [
            "1:1: unknown key 'windw' in the file; did you mean 'window'?",
            "2:8: 'limit' is out of range: 0",
            "3:8: 'ratio' must be a finite number, found 'high'",
            "4:7: unknown mode 'fats'; did you mean 'fast'?",
        ])
    }

    /// A rule file and `driftwatch.yaml` with the same broken YAML get the same message at the same place.
    @Test func rulesAndConfigurationReportYAMLErrorsAlike() throws {
        let broken = "window:\n  length: [1h\n"
        let rules = RuleLoader.load(sources: [RuleSource(path: "x.yaml", text: broken)]).failureErrors
        guard case let .failure(configuration) = ConfigurationLoader.load(text: broken, path: "x.yaml") else {
            Issue.record("broken configuration loaded")
            return
        }
        #expect(rules.count == 1)
        #expect(rules.map(\.description) == configuration.errors.map(\.description))
    }

    @Test func filesAreRefusedWithReasons() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let large = directory.appendingPathComponent("large.yaml").path
        try Data(repeating: UInt8(ascii: "#"), count: 65).write(to: URL(fileURLWithPath: large))
        let latin1 = directory.appendingPathComponent("latin1.yaml").path
        try Data([0x61, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        let fine = directory.appendingPathComponent("fine.yaml").path
        try Data("a: 1\n".utf8).write(to: URL(fileURLWithPath: fine))

        func message(_ path: String) -> String? {
            if case let .failure(error) = YAMLReader.read(path: path, maximumBytes: 64) { return error.message }
            return nil
        }
        #expect(message(directory.appendingPathComponent("missing.yaml").path) == "cannot open file")
        #expect(message(large) == "file larger than 64 bytes")
        #expect(message(latin1) == "file is not valid UTF-8")
        #expect(try YAMLReader.read(path: fine, maximumBytes: 64).get() == "a: 1\n")
    }
}
