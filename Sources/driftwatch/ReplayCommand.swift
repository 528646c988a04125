import ArgumentParser
import DriftCore
import Foundation
import Monitor
import MonitorCore

/// `driftwatch replay`: the monitor over files, in event-time order, deterministically.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the monitor over JSON-lines files and write its alerts, retraining triggers and metrics.",
        discussion: """
        Inputs are processed in event-time order (several inputs are merged by timestamp). The same input and
        rules always give byte-identical outputs. Without --reference, each model version's first window is its
        reference.
        """
    )

    @OptionGroup var history: HistoryOptions

    @Option(help: "Where alert events and retraining triggers go (JSON lines).")
    var alertsOut: String

    @Option(help: "Where the metrics time series goes (JSON lines).")
    var metricsOut: String?

    @Option(help: "Where rejected lines go, with their reason (JSON lines).")
    var deadLetterOut: String?

    @Option(help: "Also write the metric series as a wide CSV here (one row per window, one column per metric and subject, firing flags).")
    var metricsCsv: String?

    @Option(help: "Also write the HTML report of the replay here (as `driftwatch report` does).")
    var report: String?

    @OptionGroup var rejections: RejectionOptions

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let file = try history.configurationFile()
        let rules = try history.loadRules()
        let engine = try history.makeEngine(file, rules: rules, metricEvents: metricsOut != nil || report != nil || metricsCsv != nil)
        var collector = report.map { _ in HistoryCollector() }
        let referenceValues = try history.referenceValues()
        var wide = metricsCsv.map { _ in WideMetricsCSV(reference: referenceValues) }

        let alerts = try OutputFile(path: alertsOut)
        let metrics = try metricsOut.map { try OutputFile(path: $0) }
        let deadLetters = try deadLetterOut.map { try OutputFile(path: $0) }
        try history.replay(engine, file: file, progress: progress, deadLetter: { letter in
            deadLetters?.writeLine(letter.json)
        }) { outputs in
            for output in outputs {
                if collector != nil || wide != nil {
                    let record = AnalysisRecord(output)
                    collector?.add(record)
                    wide?.add(record)
                }
                switch output.kind {
                case .alert, .retrain:
                    alerts.writeLine(output.json)
                case .metric, .notice:
                    metrics?.writeLine(output.json)
                }
            }
        }
        try alerts.close()
        try metrics?.close()
        try deadLetters?.close()
        if let metricsCsv, let wide {
            let file = try OutputFile(path: metricsCsv)
            file.writeLine(String(wide.text().dropLast()))
            try file.close()
            if wide.rowOverflow + wide.columnOverflow > 0 {
                FileHandle.standardError.write(Data("warning: \(metricsCsv): \(wide.rowOverflow) rows and \(wide.columnOverflow) metric values past the caps left out\n".utf8))
            }
        }
        if let report, let collector {
            try ReportCommand.write(collector, activity: engine.ruleActivity, rules: rules, title: "driftwatch replay", inputs: history.input,
                                   reference: referenceValues, to: report)
        }

        for line in engine.summaryLines() { print(line) }
        try rejections.check(engine.counters.rejectionTally, of: history.input.joined(separator: ", "), configuration: file)
    }
}

enum ISO8601 {
    static func string(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// Reads a reference profile written by `driftwatch profile` (JSON), with or without its model/version wrapper.
enum ProfileFile {
    static func load(_ path: String) throws -> ProfileDocument {
        do {
            return try ProfileDocument.load(path: path)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
