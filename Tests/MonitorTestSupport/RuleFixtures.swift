import Foundation
import Monitor
import MonitorCore

/// Paths of the rule fixtures under `fixtures/rules/` and `rules/`, and small loading helpers.
package enum RuleFixtures {
    package static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // MonitorTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .path

    package static func path(_ relative: String) -> String { repositoryRoot + "/" + relative }

    /// Loads inline YAML as one file named `test.yaml`.
    package static func load(_ yaml: String, path: String = "test.yaml") -> Result<RuleSet, RuleLoadFailure> {
        RuleLoader.load(sources: [RuleSource(path: path, text: yaml)])
    }

    /// The errors of inline YAML, as `line:column: message` strings (expected parts left out).
    package static func errors(_ yaml: String) -> [String] {
        load(yaml).failureErrors.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    /// The single rule of inline YAML; records a failure when it does not load.
    package static func rule(_ yaml: String) throws -> Rule {
        let ruleSet = try load(yaml).get()
        guard ruleSet.rules.count == 1 else { throw RuleLoadFailure(errors: []) }
        return ruleSet.rules[0]
    }
}

/// The `driftwatch` executable `swift test` builds next to the tests, for tests that run it
/// as a process (nil when the tests run from elsewhere).
package let driftwatchExecutable: URL? = {
    let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("driftwatch")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
}()
