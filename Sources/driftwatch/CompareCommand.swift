import ArgumentParser
import DriftCore
import Foundation
import Monitor
import MonitorCore

/// `driftwatch compare`: a one-shot drift, performance and fairness report of two datasets.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a current dataset with a reference dataset or profile: drift, performance, fairness.",
        discussion: """
        Datasets are JSON lines (prediction and label events; labels join predictions by id within each file) or CSV
        (see `driftwatch profile --help`). A reference ending in .json is a profile from `driftwatch profile` (then
        the reference has no performance). Fairness is computed on the current dataset for every segment attribute
        and each --intersections set. Undefined values are null in JSON and '-' in tables.
        """
    )

    @Option(help: "Reference: a dataset (.jsonl, .csv) or a profile (.json).")
    var reference: String

    @Option(help: "Current dataset (.jsonl or .csv).")
    var current: String

    @Option(help: "json | table")
    var format: OutputFormat = .json

    @Option(help: "Segment attributes to cross for fairness, comma-separated (repeatable), e.g. gender,age_band.")
    var intersections: [String] = []

    @Option(help: "Groups with fewer predictions (labelled predictions, for label-based gaps) are left out of the gaps.")
    var minGroupSize = 100

    @Option(help: "Write the report here instead of standard output.")
    var out: String?

    @OptionGroup var dataset: DatasetArguments

    enum OutputFormat: String, ExpressibleByArgument {
        case json, table
    }

    func run() throws {
        let configuration = try dataset.configuration()
        var options = ComparisonOptions()
        options.profile = try dataset.profileConfiguration(configuration)
        options.kinds = try dataset.featureKinds(configuration)
        options.minimumGroupSize = minGroupSize
        options.maximumSegmentAttributes = configuration.monitor.caps.segmentAttributes
        options.intersections = try intersections.map { entry in
            let attributes = DatasetArguments.list(entry)
            guard attributes.count >= 2, Set(attributes).count == attributes.count else {
                throw ValidationError("--intersections \(entry): name two or more distinct attributes, comma-separated")
            }
            return attributes
        }
        let referenceSource: ComparisonReference
        if reference.lowercased().hasSuffix(".json") {
            do {
                referenceSource = .profile(try ProfileDocument.load(path: reference).profile)
            } catch let error as DatasetError {
                throw CommandFailure(error.description)
            }
        } else {
            referenceSource = .dataset(path: reference)
        }
        let comparison: DatasetComparison
        do {
            comparison = try DatasetComparison.run(
                reference: referenceSource, current: current, dataset: dataset.datasetOptions(configuration), options: options)
        } catch let error as DatasetError {
            throw CommandFailure(error.description)
        } catch let error as ProfileError {
            throw ValidationError(error.description)
        }
        if let counters = comparison.referenceCounters {
            try dataset.rejections.check(counters.rejectionTally, of: reference, configuration: configuration)
        }
        try dataset.rejections.check(comparison.currentCounters.rejectionTally, of: current, configuration: configuration)
        let report = format == .json ? comparison.json() + "\n" : comparison.table()
        if let out {
            let file = try OutputFile(path: out)
            file.writeLine(String(report.dropLast()))
            try file.close()
        } else {
            print(report, terminator: "")
        }
        var diagnostics: [String] = []
        if let counters = comparison.referenceCounters { diagnostics.append("reference: \(counters.summary)") }
        diagnostics.append("current: \(comparison.currentCounters.summary)")
        if !comparison.unmatchedFeatures.isEmpty {
            diagnostics.append("current features not in the reference (not compared): " + comparison.unmatchedFeatures.joined(separator: ", "))
        }
        let unknown = Set(options.intersections.joined()).subtracting(comparison.currentOutcomes.attributes).sorted()
        if !unknown.isEmpty {
            diagnostics.append("segment attributes not in the current data (their groups are all (missing)): " + unknown.joined(separator: ", "))
        }
        FileHandle.standardError.write(Data((diagnostics.joined(separator: "\n") + "\n").utf8))
    }
}
