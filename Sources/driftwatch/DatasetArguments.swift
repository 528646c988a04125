import ArgumentParser
import DriftCore
import Foundation
import Monitor
import MonitorCore

/// Options shared by `profile` and `compare`: the configuration file, feature kinds,
/// bins and how CSV columns are read.
struct DatasetArguments: ParsableArguments {
    @Option(help: "Configuration file (driftwatch.yaml): field mapping, limits, profile bins, feature kinds.")
    var config: String?

    @Option(name: .customLong("kind"), help: "A feature's kind, name=numeric|categorical (repeatable); overrides inference and the configuration.")
    var kinds: [String] = []

    @Option(help: "PSI / JS / Hellinger bins (reference quantiles); default from the configuration, else 10.")
    var bins: Int?

    @Option(help: "CSV columns that are segment attributes (comma-separated).")
    var segmentColumns: String?

    @Option(help: "CSV columns to ignore (comma-separated).")
    var ignoreColumns: String?

    @Option(help: "Only predictions of this model.")
    var model: String?

    @Option(help: "Only predictions of this model version.")
    var version: String?

    @OptionGroup var rejections: RejectionOptions

    /// The configuration file's settings, or the defaults.
    func configuration() throws -> DriftwatchConfiguration {
        guard let config else { return DriftwatchConfiguration() }
        return try ConfigurationFile.load(config)
    }

    func datasetOptions(_ configuration: DriftwatchConfiguration) -> DatasetOptions {
        var options = DatasetOptions()
        options.decoder = configuration.decoder
        options.segmentColumns = Set(Self.list(segmentColumns))
        options.ignoredColumns = Set(Self.list(ignoreColumns))
        options.model = model
        options.version = version
        return options
    }

    /// The configuration's profile settings with `--bins` applied (fine bins stay a multiple of it).
    func profileConfiguration(_ configuration: DriftwatchConfiguration) throws -> ProfileConfiguration {
        var profile = configuration.monitor.profile
        if let bins {
            guard (1...10_000).contains(bins) else { throw ValidationError("--bins must be between 1 and 10000") }
            profile.coarseBinCount = bins
            profile.fineBinCount = bins * max(1, profile.fineBinCount / bins)
        }
        return profile
    }

    func featureKinds(_ configuration: DriftwatchConfiguration) throws -> [String: FeatureKind] {
        var kinds = configuration.monitor.featureKinds
        for entry in self.kinds {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let kind = FeatureKind(rawValue: parts[1]) else {
                throw ValidationError("--kind \(entry): expected name=numeric or name=categorical")
            }
            kinds[parts[0]] = kind
        }
        return kinds
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Loads `driftwatch.yaml`, printing every error (file:line:column) before failing.
enum ConfigurationFile {
    static func load(_ path: String) throws -> DriftwatchConfiguration {
        switch ConfigurationLoader.load(path: path) {
        case let .success(configuration): return configuration
        case let .failure(failure):
            for error in failure.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
            throw CommandFailure("the configuration has \(failure.errors.count) error(s)")
        }
    }
}

extension DatasetReadCounters {
    /// "1200 predictions, 900 labels, 3 rejected (wrong_type=3)".
    var summary: String {
        var text = "\(predictions) predictions, \(labels) labels"
        if filteredOut > 0 { text += ", \(filteredOut) of other models/versions skipped" }
        if rejectedTotal > 0 {
            text += ", \(rejectedTotal) rejected (" + rejected.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        return text
    }
}
