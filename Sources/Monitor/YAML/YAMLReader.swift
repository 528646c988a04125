import Foundation
import MonitorCore
import Yams

/// Reads one YAML file's node tree and collects every problem with its `file:line:column`:
/// the diagnostics reader that rule files (``RuleFileParser``) and `driftwatch.yaml`
/// (``ConfigurationLoader``) share, so both report problems the same way.
///
/// Its typed-value helpers (`mapping`, `string`, `integer`, `number`, `enumeration`) report
/// what they found and what was expected; unknown keys get "did you mean" hints; a libyaml
/// error is placed at its line and column. Nothing stops at the first problem.
struct YAMLReader {
    /// What a file's text holds.
    enum Document {
        /// The text is not YAML (reported).
        case unreadable
        /// No document at all (an empty file, or only comments).
        case empty
        case root(Node)
    }

    let path: String
    private let lines: [[Unicode.Scalar]]
    private var collected: [RuleError] = []

    init(path: String, text: String) {
        self.path = path
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            Array(($0.hasSuffix("\r") ? $0.dropLast() : $0).unicodeScalars)
        }
    }

    /// Every problem reported so far, in reading order (line, then column, then as reported).
    var errors: [RuleError] {
        collected.enumerated()
            .sorted { ($0.element.location.line, $0.element.location.column, $0.offset) < ($1.element.location.line, $1.element.location.column, $1.offset) }
            .map(\.element)
    }

    /// How many problems have been reported: a parser compares counts to tell whether a part was clean.
    var errorCount: Int { collected.count }

    /// The text's node tree; a libyaml error is reported with its position.
    mutating func compose(_ text: String) -> Document {
        do {
            return try Yams.compose(yaml: text).map(Document.root) ?? .empty
        } catch let error as YamlError {
            report(yamlError: error)
        } catch {
            fileError("cannot read YAML: \(error)")
        }
        return .unreadable
    }

    /// A problem with the file as a whole (position 0:0).
    mutating func fileError(_ message: String, expected: String? = nil) {
        collected.append(RuleError(SourceLocation(file: path, line: 0, column: 0), message, expected: expected))
    }

    /// A file's text: refused when it cannot be read, is larger than `maximumBytes` (read no
    /// further) or is not UTF-8.
    static func read(path: String, maximumBytes: Int) -> Result<String, RuleError> {
        let location = SourceLocation(file: path, line: 0, column: 0)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(RuleError(location, "cannot open file"))
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumBytes + 1) else {
            return .failure(RuleError(location, "cannot read file"))
        }
        guard data.count <= maximumBytes else {
            return .failure(RuleError(location, "file larger than \(maximumBytes) bytes"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(RuleError(location, "file is not valid UTF-8"))
        }
        return .success(text)
    }

    // MARK: Typed values

    struct Field {
        var key: Node
        var value: Node
    }

    struct Fields {
        var byName: [String: Field] = [:]
        subscript(name: String) -> Field? { byName[name] }

        /// Entries in file order, so that errors come out in reading order.
        var sortedByPosition: [(String, Field)] {
            byName.sorted { ($0.value.key.mark?.line ?? 0, $0.value.key.mark?.column ?? 0) < ($1.value.key.mark?.line ?? 0, $1.value.key.mark?.column ?? 0) }
        }
    }

    /// A mapping's entries by key; unknown keys (when `knownKeys` is given) are reported with suggestions.
    mutating func mapping(_ node: Node, knownKeys: [String]?, what: String) -> Fields? {
        guard case let .mapping(mapping) = node else {
            error(at: node, "\(what) must be a mapping, found \(describe(node))",
                  expected: knownKeys.map { "keys " + $0.joined(separator: ", ") })
            return nil
        }
        var fields = Fields()
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key else {
                error(at: key, "keys must be plain names, found \(describe(key))")
                continue
            }
            if let knownKeys, !knownKeys.contains(scalar.string) {
                error(at: key, "unknown key '\(scalar.string)' in \(what)" + Suggestions.didYouMean(scalar.string, in: knownKeys),
                      expected: knownKeys.joined(separator: ", "))
                continue
            }
            fields.byName[scalar.string] = Field(key: key, value: value)
        }
        return fields
    }

    /// Any non-null scalar, as written (so `versions: [1.0]` keeps "1.0").
    mutating func string(_ node: Node, what: String) -> String? {
        guard case let .scalar(scalar) = node, node.tagName != .null else {
            error(at: node, "\(what) must be a string, found \(describe(node))")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, in range: ClosedRange<Int>, what: String) -> Int? {
        guard node.tagName == .int, let value = node.int else {
            error(at: node, "\(what) must be an integer, found \(describe(node))", expected: ParameterType.integer(range).description)
            return nil
        }
        guard range.contains(value) else {
            error(at: node, "\(what) is out of range: \(value)", expected: ParameterType.integer(range).description)
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, what: String) -> Double? {
        let value: Double? = switch node.tagName {
        case .int: node.int.map(Double.init)
        case .float: node.float
        default: nil
        }
        guard let value, value.isFinite else {
            error(at: node, "\(what) must be a finite number, found \(describe(node))")
            return nil
        }
        return value
    }

    mutating func enumeration<Value: RawRepresentable & CaseIterable>(
        _ node: Node, _: Value.Type, what: String
    ) -> Value? where Value.RawValue == String {
        guard let text = string(node, what: what) else { return nil }
        if let value = Value(rawValue: text) { return value }
        let choices = Value.allCases.map(\.rawValue)
        error(at: node, "unknown \(what) '\(text)'" + Suggestions.didYouMean(text, in: choices),
              expected: choices.joined(separator: " | "))
        return nil
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            switch node.tagName {
            case .null: return "nothing (null)"
            case .bool: return "a boolean"
            case .int, .float: return "the number \(scalar.string)"
            default: return "'\(scalar.string)'"
            }
        }
    }

    // MARK: Positions

    func location(of node: Node) -> SourceLocation {
        SourceLocation(file: path, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// The position of the `offset`-th character of a scalar's value. Exact for one-line plain and quoted
    /// scalars whose source text is their value (no escapes before the offset); otherwise the scalar's start.
    func location(of node: Node, offset: Int) -> SourceLocation {
        var location = location(of: node)
        guard case let .scalar(scalar) = node, location.line >= 1, location.line <= lines.count else {
            return location
        }
        let quoted: Int
        switch scalar.style {
        case .plain, .any: quoted = 0
        case .singleQuoted, .doubleQuoted: quoted = 1
        case .literal, .folded: return location
        }
        let line = lines[location.line - 1]
        let start = location.column - 1 + quoted
        let value = Array(scalar.string.unicodeScalars.prefix(offset))
        guard start >= 0, start + value.count <= line.count, Array(line[start..<start + value.count]) == value else {
            return location
        }
        location.column += quoted + offset
        return location
    }

    /// Reports at the node's start, or at the `offset`-th character of its value when given.
    mutating func error(at node: Node, offset: Int? = nil, _ message: String, expected: String? = nil) {
        let position = offset.map { self.location(of: node, offset: $0) } ?? self.location(of: node)
        collected.append(RuleError(position, message, expected: expected))
    }

    private mutating func report(yamlError: YamlError) {
        let (position, problem): ((line: Int, column: Int)?, String) = switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            ((mark.line, mark.column), Self.describe(problem: problem, at: mark, context: context))
        case let .duplicatedKeysInMapping(duplicates, context):
            ((context.mark.line, context.mark.column), "duplicate key " + duplicates.map { "'\($0)'" }.joined(separator: ", "))
        case let .reader(problem, offset, _, yaml):
            (offset.map { Self.position(atCharacterOffset: $0, in: yaml) }, problem)
        default:
            (nil, "\(yamlError)")
        }
        var message = "invalid YAML: \(problem)"
        if let position, position.line >= 1, position.line <= lines.count,
           startsBlockScalarWithComparator(lines[position.line - 1]) {
            message += "; a value starting with '>' must be quoted, e.g. condition: \"> 0.2\""
        }
        collected.append(RuleError(SourceLocation(file: path, line: position?.line ?? 0, column: position?.column ?? 0), message))
    }

    /// libyaml's "context, problem" pair as one phrase: "expected X, but found Y", or "problem (while …)"
    /// with the context's position when it differs from the problem's.
    private static func describe(problem: String, at mark: Mark, context: YamlError.Context?) -> String {
        guard let context else { return problem }
        if context.text.hasPrefix("expected") { return "\(context.text), \(problem)" }
        let position = (context.mark.line, context.mark.column) == (mark.line, mark.column) ? "" : " at \(context.mark)"
        return "\(problem) (\(context.text)\(position))"
    }

    /// Line and column (in Unicode scalars) of a character offset, for libyaml reader errors.
    private static func position(atCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    /// `condition: > 0.2` reads as a YAML folded block scalar; spot it to say what to do.
    private func startsBlockScalarWithComparator(_ line: [Unicode.Scalar]) -> Bool {
        let text = String(String.UnicodeScalarView(line))
        guard let colon = text.firstRange(of: ": ") else { return false }
        let value = text[colon.upperBound...].drop { $0 == " " }
        return value.hasPrefix(">")
    }
}

extension Node {
    /// The resolved tag's name (`Tag.name` is internal to Yams; its raw value is public).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
