import RealModule

/// ADWIN, adaptive windowing (Bifet & Gavaldà, "Learning from Time-Changing Data with
/// Adaptive Windowing", SDM 2007), ported from River 0.26.1 (`river.drift.ADWIN`, whose
/// core is the Rust `AdaptiveWindowing`; same defaults, same arithmetic order, so the
/// same detections).
///
/// The window is compressed into exponential histogram rows (ADWIN2): row `i` holds up
/// to `maxBuckets` buckets of 2^i values, each bucket a (sum, variance) pair, so memory
/// is O(maxBuckets · log W) for a window of W values. Every `clock` values (once more
/// than `gracePeriod` values are in the window) each cut between buckets is tested with
/// the bound ε = √(2·m⁻¹·σ²·δ′) + ⅔·δ′·m⁻¹, where δ′ = ln(2·ln W / δ) and
/// m⁻¹ = 1/(n₀ − L + 1) + 1/(n₁ − L + 1) for minimum sub-window length L; while a cut
/// exceeds it the oldest bucket is dropped. A detection resets the detector at the next
/// update, as in River. Update cost: O(1) amortised plus an O(maxBuckets · log W) scan
/// every `clock` values; the rows live in flat arrays, so an update allocates only when
/// the window doubles past its largest size so far.
public struct ADWIN: ChangeDetector, Equatable {
    public let delta: Double
    public let clock: Int
    public let maxBuckets: Int
    public let minWindowLength: Int
    public let gracePeriod: Int

    /// Sum of the values in the window.
    public private(set) var total: Double = 0
    /// Sum of squared deviations from the window mean (River's `variance`).
    public private(set) var variance: Double = 0
    /// Number of values in the window.
    public private(set) var width: Double = 0
    public private(set) var driftDetected = false
    private var tick = 0
    /// Bucket sums, row-major: row `r`, bucket `k` at `r * slotsPerRow + k`.
    private var bucketTotals: [Double] = []
    private var bucketVariances: [Double] = []
    /// Live buckets per row; row `r` buckets hold 2^r values each.
    private var bucketCounts: [Int] = []

    /// Values per bucket in `row`: 2^row, exact for every row.
    private func bucketSize(row: Int) -> Double { Double(sign: .plus, exponent: row, significand: 1) }

    /// One more slot than `maxBuckets`: a row briefly overflows before it is merged.
    private var slotsPerRow: Int { maxBuckets + 1 }

    public init(
        delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5, minWindowLength: Int = 5, gracePeriod: Int = 10
    ) throws(DetectorConfigurationError) {
        try DetectorConfigurationError.require(delta > 0 && delta < 1, "delta", "in (0, 1)")
        try DetectorConfigurationError.require(clock >= 1, "clock", "at least 1")
        try DetectorConfigurationError.require(maxBuckets >= 1 && maxBuckets <= 1 << 16, "maxBuckets", "in 1...65536")
        try DetectorConfigurationError.require(minWindowLength >= 1, "minWindowLength", "at least 1")
        try DetectorConfigurationError.require(gracePeriod >= 0, "gracePeriod", "non-negative")
        self.delta = delta
        self.clock = clock
        self.maxBuckets = maxBuckets
        self.minWindowLength = minWindowLength
        self.gracePeriod = gracePeriod
        appendRow()
    }

    /// Mean of the window (0 when empty).
    public var estimation: Double { width == 0 ? 0 : total / width }

    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        if driftDetected { reset() }
        insert(value)
        driftDetected = detectChange()
    }

    private mutating func reset() {
        total = 0
        variance = 0
        width = 0
        driftDetected = false
        tick = 0
        bucketTotals.removeAll(keepingCapacity: true)
        bucketVariances.removeAll(keepingCapacity: true)
        bucketCounts.removeAll(keepingCapacity: true)
        appendRow()
    }

    private mutating func appendRow() {
        bucketTotals.append(contentsOf: repeatElement(0, count: slotsPerRow))
        bucketVariances.append(contentsOf: repeatElement(0, count: slotsPerRow))
        bucketCounts.append(0)
    }

    private mutating func appendBucket(row: Int, total: Double, variance: Double) {
        let slot = row * slotsPerRow + bucketCounts[row]
        bucketTotals[slot] = total
        bucketVariances[slot] = variance
        bucketCounts[row] += 1
    }

    /// Drops the oldest `count` buckets of `row`, shifting the rest to the front.
    private mutating func removeOldestBuckets(row: Int, count: Int) {
        let start = row * slotsPerRow
        let live = bucketCounts[row]
        for index in count..<live {
            bucketTotals[start + index - count] = bucketTotals[start + index]
            bucketVariances[start + index - count] = bucketVariances[start + index]
        }
        for index in (live - count)..<live {
            bucketTotals[start + index] = 0
            bucketVariances[start + index] = 0
        }
        bucketCounts[row] = live - count
    }

    private mutating func insert(_ value: Double) {
        appendBucket(row: 0, total: value, variance: 0)
        width += 1
        var incrementalVariance = 0.0
        if width > 1 {
            let deviation = value - total / (width - 1)
            incrementalVariance = (width - 1) * deviation * deviation / width
        }
        variance += incrementalVariance
        total += value
        compressRows()
    }

    /// Merges the two oldest buckets of every overflowing row into the next row.
    private mutating func compressRows() {
        var row = 0
        while bucketCounts[row] == maxBuckets + 1 {
            let size = bucketSize(row: row)
            let start = row * slotsPerRow
            let (total0, total1) = (bucketTotals[start], bucketTotals[start + 1])
            let mean0 = total0 / size
            let mean1 = total1 / size
            let mergedVariance = bucketVariances[start] + bucketVariances[start + 1]
                + size * 0.5 * (mean0 - mean1) * (mean0 - mean1)
            if row + 1 == bucketCounts.count { appendRow() }
            appendBucket(row: row + 1, total: total0 + total1, variance: mergedVariance)
            removeOldestBuckets(row: row, count: 2)
            if bucketCounts[row + 1] <= maxBuckets { break }
            row += 1
        }
    }

    /// Removes the oldest bucket from the window.
    private mutating func deleteOldestBucket() {
        let row = bucketCounts.count - 1
        let size = bucketSize(row: row)
        let bucketTotal = bucketTotals[row * slotsPerRow]
        let bucketVariance = bucketVariances[row * slotsPerRow]
        let bucketMean = bucketTotal / size
        width -= size
        total -= bucketTotal
        let windowMean = total / width
        variance -= bucketVariance
            + size * width * (bucketMean - windowMean) * (bucketMean - windowMean) / (size + width)
        removeOldestBuckets(row: row, count: 1)
        if bucketCounts[row] == 0 {
            bucketCounts.removeLast()
            bucketTotals.removeLast(slotsPerRow)
            bucketVariances.removeLast(slotsPerRow)
        }
    }

    /// Tests every cut, oldest first; while one is significant, drops the oldest bucket
    /// and starts over.
    private mutating func detectChange() -> Bool {
        tick += 1
        guard tick % clock == 0, width > Double(gracePeriod) else { return false }
        var changeDetected = false
        while hasSignificantCut() {
            changeDetected = true
            deleteOldestBucket()
        }
        return changeDetected
    }

    /// Scans the cuts from the oldest bucket for one whose sub-window means differ by
    /// more than ε (the newest bucket is never a cut).
    private func hasSignificantCut() -> Bool {
        let minLength = Double(minWindowLength)
        // Constant during one scan: hoisted out of the per-cut test, same values as River.
        let deltaPrime = Double.log(2 * Double.log(width) / delta)
        let windowVariance = variance / width
        var olderCount = 0.0, newerCount = width
        var olderTotal = 0.0, newerTotal = total
        for row in stride(from: bucketCounts.count - 1, through: 0, by: -1) {
            let size = bucketSize(row: row)
            let live = bucketCounts[row]
            let start = row * slotsPerRow
            for index in 0..<live {
                olderCount += size
                newerCount -= size
                let bucketTotal = bucketTotals[start + index]
                olderTotal += bucketTotal
                newerTotal -= bucketTotal
                if row == 0 && index == live - 1 { return false }
                guard newerCount >= minLength, olderCount >= minLength else { continue }
                let meanDifference = olderTotal / olderCount - newerTotal / newerCount
                let inverseM = 1 / (olderCount - minLength + 1) + 1 / (newerCount - minLength + 1)
                let epsilon = (2 * inverseM * windowVariance * deltaPrime).squareRoot()
                    + 2.0 / 3.0 * deltaPrime * inverseM
                if abs(meanDifference) > epsilon { return true }
            }
        }
        return false
    }
}

extension ADWIN: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        writer.write(delta)
        writer.writeCount(clock)
        writer.writeCount(maxBuckets)
        writer.writeCount(minWindowLength)
        writer.writeCount(gracePeriod)
        writer.write(total)
        writer.write(variance)
        writer.write(width)
        writer.writeCount(tick)
        writer.write(driftDetected)
        writer.writeCount(bucketCounts.count)
        for row in bucketCounts.indices {
            writer.writeCount(bucketCounts[row])
            for index in 0..<bucketCounts[row] {
                writer.write(bucketTotals[row * slotsPerRow + index])
                writer.write(bucketVariances[row * slotsPerRow + index])
            }
        }
    }

    public init(from reader: inout BinaryReader) throws {
        self = try reader.readConfiguration { reader in
            try ADWIN(
                delta: try reader.readDouble(), clock: try reader.readCount(), maxBuckets: try reader.readCount(),
                minWindowLength: try reader.readCount(), gracePeriod: try reader.readCount())
        }
        total = try reader.readDouble()
        variance = try reader.readDouble()
        width = try reader.readDouble()
        tick = try reader.readCount()
        driftDetected = try reader.readBool()
        let rows = try reader.readCount(maximum: 64)
        guard rows >= 1 else { throw SerializationError.invalidValue("ADWIN needs at least one bucket row") }
        var storedWidth = 0.0
        for row in 0..<rows {
            if row > 0 { appendRow() }
            let live = try reader.readCount(maximum: maxBuckets)
            for _ in 0..<live {
                appendBucket(row: row, total: try reader.readDouble(), variance: try reader.readDouble())
            }
            storedWidth += Double(live) * bucketSize(row: row)
        }
        guard storedWidth == width else {
            throw SerializationError.invalidValue("ADWIN width \(width) does not match its buckets (\(storedWidth))")
        }
    }
}
