/// A shell-style name pattern: `*` matches any run of characters (including none),
/// `?` exactly one; every other character matches itself. Matching is case-sensitive.
package struct GlobPattern: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The pattern as written, without a leading `!`.
    package let pattern: String
    private let scalars: [Unicode.Scalar]
    private let matchesEverything: Bool

    /// Characters reserved for possible future pattern syntax; rejected now so that
    /// their meaning can be added later without silently changing existing rules.
    static let reservedCharacters: Set<Unicode.Scalar> = ["[", "]", "{", "}", "\\"]

    /// Fails with a message when the pattern is empty or uses reserved characters.
    package init(validating pattern: String) throws(GlobError) {
        guard !pattern.isEmpty else { throw GlobError(message: "empty pattern", offset: 0) }
        if let index = pattern.unicodeScalars.firstIndex(where: Self.reservedCharacters.contains) {
            let offset = pattern.unicodeScalars.distance(from: pattern.unicodeScalars.startIndex, to: index)
            throw GlobError(message: "'\(pattern.unicodeScalars[index])' is not supported in patterns (only * and ?)", offset: offset)
        }
        self.init(trusted: pattern)
    }

    /// `*`
    static let anything = GlobPattern(trusted: "*")

    private init(trusted pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
        self.matchesEverything = scalars.allSatisfy { $0 == "*" }
    }

    package var description: String { pattern }

    /// Iterative wildcard matching with a single backtracking point: O(n·m) worst case, no recursion,
    /// no allocation (the evaluator may match every feature name of every event batch).
    package func matches(_ name: String) -> Bool {
        if matchesEverything { return true }
        let text = name.unicodeScalars
        var t = text.startIndex
        var p = 0
        var star = -1
        var starText = text.startIndex
        while t != text.endIndex {
            if p < scalars.count, scalars[p] == "?" || scalars[p] == text[t] {
                p += 1
                t = text.index(after: t)
            } else if p < scalars.count, scalars[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                starText = text.index(after: starText)
                t = starText
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}

package struct GlobError: Error {
    package var message: String
    /// Offset in Unicode scalars of the offending character within the pattern as written.
    package var offset: Int
}

/// A list of patterns selecting names: a name is selected when it matches at least one
/// inclusion (or there are none: a list of only `!exclusions` means "all except") and no exclusion.
package struct GlobList: Sendable, Equatable, Hashable, CustomStringConvertible {
    package let includes: [GlobPattern]
    package let excludes: [GlobPattern]

    package init(includes: [GlobPattern], excludes: [GlobPattern]) {
        self.includes = includes
        self.excludes = excludes
    }

    /// Everything: `["*"]`.
    package static let all = GlobList(includes: [.anything], excludes: [])

    /// Parses patterns as written (`"!x"` excludes `x`); the error offset is within the failing entry.
    package init(validating patterns: [String]) throws(GlobListError) {
        var includes: [GlobPattern] = []
        var excludes: [GlobPattern] = []
        for (index, written) in patterns.enumerated() {
            let isExclusion = written.hasPrefix("!")
            let body = isExclusion ? String(written.dropFirst()) : written
            do {
                let pattern = try GlobPattern(validating: body)
                if isExclusion { excludes.append(pattern) } else { includes.append(pattern) }
            } catch {
                if isExclusion, body.isEmpty {
                    throw GlobListError(entry: index, message: "'!' must be followed by a pattern", offset: 0)
                }
                throw GlobListError(entry: index, message: error.message, offset: error.offset + (isExclusion ? 1 : 0))
            }
        }
        self.init(includes: includes, excludes: excludes)
    }

    package func matches(_ name: String) -> Bool {
        (includes.isEmpty || includes.contains { $0.matches(name) }) && !excludes.contains { $0.matches(name) }
    }

    /// The patterns as written, inclusions first.
    package var patterns: [String] { includes.map(\.pattern) + excludes.map { "!" + $0.pattern } }

    package var description: String { "[" + patterns.joined(separator: ", ") + "]" }
}

package struct GlobListError: Error {
    /// Index of the failing entry in the list.
    var entry: Int
    package var message: String
    package var offset: Int
}
