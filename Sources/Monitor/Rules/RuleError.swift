/// A position in a rule file: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found while loading rule files, with where it is and what was expected.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; `line`/`column` are 0 when the problem concerns the whole file.
    public var location: SourceLocation
    public var message: String
    /// What would have been accepted, when that can be said briefly.
    public var expected: String?

    public init(_ location: SourceLocation, _ message: String, expected: String? = nil) {
        self.location = location
        self.message = message
        self.expected = expected
    }

    /// `path:line:column: error: message (expected …)`; `path: error: message` without a position.
    public var description: String {
        let position = location.line > 0 ? "\(location):" : "\(location.file):"
        let suffix = expected.map { " (expected \($0))" } ?? ""
        return "\(position) error: \(message)\(suffix)"
    }
}

/// Every error found in a set of rule files; loading fails as a whole, never half-way.
public struct RuleLoadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [RuleError]

    public init(errors: [RuleError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
