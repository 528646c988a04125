import Foundation
@testable import Monitor

/// Paths of the rule fixtures under `fixtures/rules/` and `rules/`, and small loading helpers.
enum RuleFixtures {
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Rules
        .deletingLastPathComponent()  // MonitorTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .path

    static func path(_ relative: String) -> String { repositoryRoot + "/" + relative }

    /// Loads inline YAML as one file named `test.yaml`.
    static func load(_ yaml: String, path: String = "test.yaml") -> Result<RuleSet, RuleLoadFailure> {
        RuleLoader.load(sources: [RuleSource(path: path, text: yaml)])
    }

    /// The errors of inline YAML, as `line:column: message` strings (expected parts left out).
    static func errors(_ yaml: String) -> [String] {
        load(yaml).failureErrors.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    /// The single rule of inline YAML; records a failure when it does not load.
    static func rule(_ yaml: String) throws -> Rule {
        let ruleSet = try load(yaml).get()
        guard ruleSet.rules.count == 1 else { throw RuleLoadFailure(errors: []) }
        return ruleSet.rules[0]
    }
}
