import ArgumentParser
import Foundation
import Monitor
import MonitorCore

/// `driftwatch rules`: tools for threshold-rule files.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check threshold-rule files and list the metrics rules can use.",
        subcommands: [Check.self]
    )

    /// `driftwatch rules check`: loads rule files exactly as the monitor will and reports every error.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate rule files (or directories of *.yaml / *.yml); exit 1 on any error.",
            discussion: """
            Errors go to standard error as path:line:column: error: message. See rules/README.md for the format.
            With --profile and/or --sample, every model, version, feature and segment attribute the rules name
            (or a pattern matching none of them) that the data does not have is a warning, path:line:column:
            warning: message; the exit code stays 0 unless --strict.
            """
        )

        @Argument(help: "Rule files or directories.")
        var paths: [String] = []

        @Flag(help: "Print the metric catalogue instead of checking files.")
        var listMetrics = false

        @Option(help: "Reference profile (from `driftwatch profile`) whose features, model and version the rules should name.")
        var profile: String?

        @Option(help: "Events (JSON lines or CSV, read like `driftwatch profile` reads them) whose names the rules should name.")
        var sample: String?

        @Option(help: "Configuration file (driftwatch.yaml): the field mapping and limits for --sample.")
        var config: String?

        @Flag(help: "Exit 1 when there are warnings.")
        var strict = false

        func validate() throws {
            if paths.isEmpty, !listMetrics { throw ValidationError("give at least one rule file or directory") }
        }

        func run() throws {
            if listMetrics {
                print(MetricCatalogListing.text(), terminator: "")
                if paths.isEmpty { return }
            }
            switch RuleLoader.load(paths: paths) {
            case let .success(ruleSet):
                let files = ruleSet.files.count
                print("\(ruleSet.rules.count) rule\(ruleSet.rules.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s") OK (digest \(ruleSet.rulesDigest))")
                guard profile != nil || sample != nil else { return }
                let warnings = try knownNames().check(ruleSet)
                var standardError = StandardErrorStream()
                for warning in warnings { print(warning, to: &standardError) }
                print("\(warnings.count) warning\(warnings.count == 1 ? "" : "s") about names", to: &standardError)
                if strict, !warnings.isEmpty { throw ExitCode.failure }
            case let .failure(failure):
                var standardError = StandardErrorStream()
                for error in failure.errors { print(error, to: &standardError) }
                let files = Set(failure.errors.map(\.location.file)).count
                let count = failure.errors.count
                print("\(count) error\(count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")", to: &standardError)
                throw ExitCode.failure
            }
        }
    }
}

extension RulesCommand.Check {
    /// The names of the profile and of the sample's prediction events.
    private func knownNames() throws -> KnownNames {
        var names = try profile.map { KnownNames(profile: try ProfileFile.load($0)) } ?? KnownNames()
        if let sample {
            var options = DatasetOptions()
            options.decoder = try config.map { try ConfigurationFile.load($0) }?.decoder ?? EventDecoder()
            do {
                try DatasetReader.read(path: sample, options: options) { event in
                    if case let .prediction(prediction) = event { names.add(prediction) }
                }
            } catch let error as DatasetError {
                throw CommandFailure(error.description)
            }
        }
        return names
    }
}

/// The catalogue as a plain-text table for `rules check --list-metrics`.
enum MetricCatalogListing {
    static func text() -> String {
        var lines: [String] = []
        for family in MetricFamily.allCases {
            let metrics = MetricCatalog.all.filter { $0.family == family }
            guard !metrics.isEmpty else { continue }
            lines.append("\(family.rawValue):")
            for metric in metrics {
                let kind = metric.featureKind == .any ? "" : "; \(metric.featureKind.rawValue) features only"
                let conditions = switch metric.reference {
                case .none: "absolute"
                case .chunks: "absolute, statistical"
                case .value: "absolute, relative, statistical"
                case .valueWithoutSpread: "absolute, relative"
                }
                lines.append("  \(metric.name)  [scopes: \(metric.scopes.map(\.rawValue).joined(separator: ", "))\(kind); conditions: \(conditions); min_samples \(metric.defaultMinSamples)]")
                lines.append("      \(metric.summary)")
                for parameter in metric.parameters {
                    let fallback = parameter.defaultValue.map { "default \($0)" } ?? "optional"
                    lines.append("      param \(parameter.name): \(parameter.type) (\(fallback)) — \(parameter.summary)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Standard error as a `print(_:to:)` target.
private struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
