/// A position in a rule file: 1-based line and column (columns count Unicode scalars, as libyaml does).
package struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    package var description: String { "\(file):\(line):\(column)" }
}

/// One problem found while loading rule files, with where it is and what was expected.
package struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; `line`/`column` are 0 when the problem concerns the whole file.
    package var location: SourceLocation
    package var message: String
    /// What would have been accepted, when that can be said briefly.
    package var expected: String?

    package init(_ location: SourceLocation, _ message: String, expected: String? = nil) {
        self.location = location
        self.message = message
        self.expected = expected
    }

    /// `path:line:column: error: message (expected …)`; `path: error: message` without a position.
    package var description: String {
        let position = location.line > 0 ? "\(location):" : "\(location.file):"
        let suffix = expected.map { " (expected \($0))" } ?? ""
        return "\(position) error: \(message)\(suffix)"
    }
}

/// Every error found in a set of rule files; loading fails as a whole, never half-way.
package struct RuleLoadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package var errors: [RuleError]

    package init(errors: [RuleError]) {
        self.errors = errors
    }

    package var description: String { errors.map(\.description).joined(separator: "\n") }
}
