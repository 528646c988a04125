import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--quiet` of the long-running commands.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Print no progress on stderr.")
    var quiet = false

    init() {}

    init(quiet: Bool) { self.quiet = quiet }

    func meter(label: String, estimatedTotal: Int?, unit: String) -> ProgressMeter {
        ProgressMeter(label: label, estimatedTotal: estimatedTotal, unit: unit, style: quiet ? .silent : (isatty(2) != 0 ? .bar : .lines))
    }
}

/// Progress of long work on stderr: a bar with the rate and ETA on a terminal, a line
/// every few seconds otherwise, nothing when silent. Counts steps (events, rows); checks
/// the clock only every 1,024 steps.
final class ProgressMeter {
    enum Style { case bar, lines, silent }

    let label: String
    let unit: String
    let style: Style
    private(set) var estimatedTotal: Int?
    private(set) var count = 0
    private let started = ContinuousClock.now
    private var lastShown = ContinuousClock.now
    private let interval: Duration

    init(label: String, estimatedTotal: Int?, unit: String, style: Style, interval: Duration? = nil) {
        self.label = label
        self.estimatedTotal = estimatedTotal
        self.unit = unit
        self.style = style
        self.interval = interval ?? (style == .bar ? .milliseconds(200) : .seconds(5))
    }

    func advance(by steps: Int = 1) {
        let before = count
        count += steps
        guard style != .silent, before >> 10 != count >> 10 else { return }
        let now = ContinuousClock.now
        guard now - lastShown >= interval else { return }
        lastShown = now
        show(final: false)
    }

    /// The last line (always, unless silent).
    func finish() {
        guard style != .silent else { return }
        show(final: true)
    }

    /// The progress text, e.g. `replay [#######.............] 35 % 350,000 events  81,234 events/s  ETA 8 s`.
    func text(final: Bool) -> String {
        let seconds = max(1e-9, (ContinuousClock.now - started).seconds)
        let rate = Double(count) / seconds
        var parts = [label]
        if final {
            parts.append("done: \(Self.grouped(count)) \(unit) in \(String(format: "%.1f", seconds)) s (\(Self.grouped(Int(rate))) \(unit)/s)")
            return parts.joined(separator: " ")
        }
        if let total = estimatedTotal, total > 0 {
            let share = min(1, Double(count) / Double(total))
            if style == .bar {
                let filled = Int(share * 24)
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 24 - filled) + "]")
            }
            parts.append("\(Int(share * 100)) %")
        }
        parts.append("\(Self.grouped(count)) \(unit)  \(Self.grouped(Int(rate))) \(unit)/s")
        if let total = estimatedTotal, total > count, rate > 0 {
            parts.append("ETA \(Int((Double(total - count) / rate).rounded())) s")
        }
        return parts.joined(separator: " ")
    }

    private func show(final: Bool) {
        let line = text(final: final)
        switch style {
        case .bar: FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (final ? "\n" : "")).utf8))
        case .lines: FileHandle.standardError.write(Data((line + "\n").utf8))
        case .silent: break
        }
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Lines in the files, estimated from their sizes and the line length of their first 256 KiB (nil when unreadable).
    static func estimateLines(in paths: [String]) -> Int? {
        var total = 0.0
        for path in paths {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue else { return nil }
            let sample = handle.readData(ofLength: 1 << 18)
            let lines = sample.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            guard lines > 0 else { total += 1; continue }
            total += size / (Double(sample.count) / Double(lines))
        }
        return Int(total.rounded())
    }
}
