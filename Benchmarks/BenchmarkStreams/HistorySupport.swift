import HeapModule
import Simulation

/// Four decimals, printed the same on every platform.
func fourDecimals(_ value: Double) -> String {
    let scaled = (value * 10_000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let magnitude = Int64(abs(scaled))
    let fraction = String(magnitude % 10_000)
    return "\(sign)\(magnitude / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
}

/// Running sums of `weights`, normalised to end at 1 (for `RandomSource.index(cumulativeWeights:)`).
func cumulative(_ weights: [Double]) -> [Double] {
    let total = weights.reduce(0, +)
    var running = 0.0
    return weights.map { running += $0 / total; return running }
}

/// Label lines written ahead and handed out in event-time order, ties in the order they
/// were scheduled. Memory: the labels scheduled and not yet handed out.
struct LabelSchedule {
    private struct Entry: Comparable {
        var timestamp: Int64
        var order: Int
        var line: String
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.timestamp, lhs.order) < (rhs.timestamp, rhs.order) }
        static func == (lhs: Self, rhs: Self) -> Bool { (lhs.timestamp, lhs.order) == (rhs.timestamp, rhs.order) }
    }

    private var entries = Heap<Entry>()
    private var scheduled = 0

    mutating func schedule(_ line: String, at timestamp: Int64) {
        entries.insert(Entry(timestamp: timestamp, order: scheduled, line: line))
        scheduled += 1
    }

    /// The earliest label line due at or before `time`, if any.
    mutating func next(dueBy time: Int64) -> String? {
        guard let first = entries.min, first.timestamp <= time else { return nil }
        return entries.removeMin().line
    }
}

/// Poisson arrivals from a start to an end time: each next time is drawn once, at the rate
/// the caller gives for the current time, and kept until it is taken.
struct Arrivals {
    /// The last arrival taken (the start before the first).
    private(set) var clock: Int64
    private let end: Int64
    private var upcoming: Int64?

    init(from start: Int64, to end: Int64) {
        clock = start
        self.end = end
    }

    /// The next arrival, nil past the end; `rate` gives the arrivals per millisecond at a time.
    mutating func next(_ random: inout RandomSource, rate: (Int64) -> Double) -> Int64? {
        let arrival = upcoming ?? clock + Swift.max(1, Int64(random.exponential(mean: 1 / rate(clock))))
        upcoming = arrival
        return arrival < end ? arrival : nil
    }

    /// Moves the clock to the arrival ``next(_:rate:)`` returned.
    mutating func take() {
        clock = upcoming ?? clock
        upcoming = nil
    }
}
