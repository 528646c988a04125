import MonitorCore
import Foundation

/// A rule file's text and the path messages name it by.
package struct RuleSource: Sendable, Equatable {
    package var path: String
    package var text: String

    package init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Loads rule files: either every rule of every file, valid and uniquely named, or every error found.
package enum RuleLoader {
    /// Larger files are refused rather than read: rule files are small, and memory stays bounded.
    package static let maximumFileBytes = 1 << 20
    /// Errors beyond this many are summarised in one last error, so a garbage file cannot flood the output.
    package static let maximumErrors = 500

    /// Loads files and directories (every `*.yaml` / `*.yml` directly inside, sorted by name).
    package static func load(paths: [String]) -> Result<RuleSet, RuleLoadFailure> {
        let files: [String]
        switch ruleFiles(in: paths) {
        case let .success(found): files = found
        case let .failure(failure): return .failure(failure)
        }
        var sources: [RuleSource] = []
        var errors: [RuleError] = []
        for file in files {
            switch YAMLReader.read(path: file, maximumBytes: maximumFileBytes) {
            case let .success(text): sources.append(RuleSource(path: file, text: text))
            case let .failure(error): errors.append(error)
            }
        }
        let loaded = load(sources: sources)
        return errors.isEmpty ? loaded : .failure(capped(errors + loaded.failureErrors))
    }

    /// Loads rule texts already in memory (tests, configuration pushed by other means).
    package static func load(sources: [RuleSource]) -> Result<RuleSet, RuleLoadFailure> {
        var rules: [Rule] = []
        var errors: [RuleError] = []
        var names: [(name: String, location: SourceLocation)] = []
        for source in sources {
            var parser = RuleFileParser(path: source.path, text: source.text)
            rules += parser.parse(source.text)
            errors += parser.errors
            names += parser.names
        }
        errors += duplicateNameErrors(names)
        guard errors.isEmpty else { return .failure(capped(errors)) }
        return .success(RuleSet(rules: rules, files: sources.map(\.path)))
    }

    /// The rule files named by `paths`, directories expanded; missing paths and empty directories are errors.
    package static func ruleFiles(in paths: [String]) -> Result<[String], RuleLoadFailure> {
        var files: [String] = []
        var errors: [RuleError] = []
        let fileManager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(RuleError(SourceLocation(file: path, line: 0, column: 0), "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names = ((try? fileManager.contentsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
            if names.isEmpty {
                errors.append(RuleError(SourceLocation(file: path, line: 0, column: 0), "no rule files in directory",
                                        expected: "*.yaml or *.yml files"))
            }
            let directory = path.hasSuffix("/") ? path : path + "/"
            files += names.map { directory + $0 }
        }
        return errors.isEmpty ? .success(files) : .failure(RuleLoadFailure(errors: errors))
    }

    /// Names must be unique across all files: each later use points back at the first.
    private static func duplicateNameErrors(_ names: [(name: String, location: SourceLocation)]) -> [RuleError] {
        var first: [String: SourceLocation] = [:]
        var errors: [RuleError] = []
        for (name, location) in names {
            if let original = first[name] {
                errors.append(RuleError(location, "duplicate rule name '\(name)', first defined at \(original)",
                                        expected: "names unique across all rule files"))
            } else {
                first[name] = location
            }
        }
        return errors
    }

    private static func capped(_ errors: [RuleError]) -> RuleLoadFailure {
        guard errors.count > maximumErrors else { return RuleLoadFailure(errors: errors) }
        let last = errors[maximumErrors - 1]
        let summary = RuleError(last.location, "too many errors: \(errors.count - maximumErrors + 1) more not shown")
        return RuleLoadFailure(errors: Array(errors.prefix(maximumErrors - 1)) + [summary])
    }
}

extension Result where Failure == RuleLoadFailure {
    package var failureErrors: [RuleError] {
        if case let .failure(failure) = self { return failure.errors }
        return []
    }
}
