#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One measured operation of `driftwatch bench`.
struct BenchmarkResult: Sendable {
    var name: String
    /// Operations performed in the best (fastest) run.
    var operations: Int
    var nanosecondsPerOperation: Double
    /// Anything else worth reporting (memory, sizes, targets).
    var note: String = ""

    var operationsPerSecond: Double { 1e9 / nanosecondsPerOperation }

    var line: String {
        // Size-only results (memory) carry no timing.
        guard nanosecondsPerOperation.isFinite else { return "\(name.rightPadded(to: 44)) \(note)" }
        let rate = operationsPerSecond >= 1e6
            ? "\(format(operationsPerSecond / 1e6)) M ops/s"
            : "\(format(operationsPerSecond / 1e3)) k ops/s"
        return "\(name.rightPadded(to: 44)) \(format(nanosecondsPerOperation).leftPadded(to: 10)) ns/op  \(rate.leftPadded(to: 16))  \(note)"
    }
}

/// A tiny harness for in-process micro-benchmarks: runs `body` a few times and keeps
/// the fastest run, which is the least disturbed by the other core's work.
enum Bench {
    static func measure(_ name: String, operations: Int, runs: Int = 5, note: String = "", _ body: () -> Void) -> BenchmarkResult {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = monotonicNanoseconds()
            body()
            best = min(best, Double(monotonicNanoseconds() - start))
        }
        return BenchmarkResult(name: name, operations: operations, nanosecondsPerOperation: best / Double(operations), note: note)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Peak resident set size of this process so far, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}

/// Keeps the optimiser from deleting work whose result is otherwise unused.
@inline(never)
func blackHole<Value>(_ value: Value) {
    withExtendedLifetime(value) {}
}

func format(_ value: Double, decimals: Int = 1) -> String {
    var scaled = (value * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
    if scaled == 0 { scaled = 0 }  // no "-0.0"
    return "\(scaled)"
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
