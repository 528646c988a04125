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
/// every `clock` values; measured at about 20 ns per update on a stationary stream with
/// a window of a million values. The rows are rings in flat arrays with a spare row, so
/// an update allocates only when the window doubles past its largest size so far.
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
    /// Updates since the last multiple of `clock` (River's `tick % clock`, kept as a
    /// counter because an integer division per update costs more than the rest of it).
    private var clockPhase = 0
    private var rows: BucketRows

    public init(
        delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5, minWindowLength: Int = 5, gracePeriod: Int = 10
    ) throws(DetectorConfigurationError) {
        try DetectorConfigurationError.require(delta > 0 && delta < 1, "delta", "in (0, 1)")
        try DetectorConfigurationError.require(clock >= 1, "clock", "at least 1")
        // With one bucket per row River 0.26.1 itself can panic (a row empties mid-window).
        try DetectorConfigurationError.require(maxBuckets >= 2 && maxBuckets <= 1 << 16, "maxBuckets", "in 2...65536")
        try DetectorConfigurationError.require(minWindowLength >= 1, "minWindowLength", "at least 1")
        try DetectorConfigurationError.require(gracePeriod >= 0, "gracePeriod", "non-negative")
        self.delta = delta
        self.clock = clock
        self.maxBuckets = maxBuckets
        self.minWindowLength = minWindowLength
        self.gracePeriod = gracePeriod
        rows = BucketRows(maxBuckets: maxBuckets)
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
        clockPhase = 0
        rows.removeAll()
    }

    private mutating func insert(_ value: Double) {
        width += 1
        var incrementalVariance = 0.0
        if width > 1 {
            let deviation = value - total / (width - 1)
            incrementalVariance = (width - 1) * deviation * deviation / width
        }
        variance += incrementalVariance
        total += value
        rows.insert(value)
    }

    /// Removes the oldest bucket from the window.
    private mutating func deleteOldestBucket() {
        let (size, bucketTotal, bucketVariance) = rows.removeOldest()
        let bucketMean = bucketTotal / size
        width -= size
        total -= bucketTotal
        let windowMean = total / width
        variance -= bucketVariance
            + size * width * (bucketMean - windowMean) * (bucketMean - windowMean) / (size + width)
    }

    /// Every `clock` updates: while some cut is significant, drops the oldest bucket.
    private mutating func detectChange() -> Bool {
        clockPhase += 1
        guard clockPhase == clock else { return false }
        clockPhase = 0
        guard width > Double(gracePeriod) else { return false }
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
        let test = CutTest(
            minLength: Double(minWindowLength),
            // Constant during one scan: hoisted out of the per-cut test, same values as River.
            deltaPrime: Double.log(2 * Double.log(width) / delta),
            windowVariance: variance / width)
        return rows.hasSignificantCut(test, width: width, total: total)
    }
}

/// ADWIN's test of one cut, |μ₀ − μ₁| > ε with ε = √r + l, using River's floating-point
/// expressions for μ₀ − μ₁, r and l.
private struct CutTest {
    let minLength: Double
    let deltaPrime: Double
    let windowVariance: Double

    @inline(__always)
    func isSignificant(_ n0: Double, _ u0: Double, _ n1: Double, _ u1: Double) -> Bool {
        guard n1 >= minLength, n0 >= minLength else { return false }
        let meanDifference = abs(u0 / n0 - u1 / n1)
        let inverseM = 1 / (n0 - minLength + 1) + 1 / (n1 - minLength + 1)
        let rootArgument = 2 * inverseM * windowVariance * deltaPrime
        let linearTerm = 2.0 / 3.0 * deltaPrime * inverseM
        // Screen without the square root: if max(|μ₀ − μ₁| − l, 0)² < r·(1 − 1e-12), then
        // |μ₀ − μ₁| < l + fl(√r) exactly (the margin dwarfs every rounding involved), and
        // rounding that sum cannot fall below the representable |μ₀ − μ₁|, so River's
        // comparison is false too. r > 1e-290 keeps the squares out of the subnormal
        // range. Only the rare close or significant cuts take the root.
        let excess = max(meanDifference - linearTerm, 0)
        if rootArgument > 1e-290, excess * excess < rootArgument * (1 - 1e-12) { return false }
        return meanDifference > rootArgument.squareRoot() + linearTerm
    }
}

/// ADWIN's exponential histogram: row `r` holds up to `maxBuckets` (briefly one more)
/// buckets of 2^r values, each a (total, variance) pair, oldest first.
///
/// Each row is a ring of `slotsPerRow` slots, so dropping the oldest buckets moves
/// nothing; rows are stored flat with one spare row beyond `rowCount`, so an insert,
/// which adds at most one row, never allocates while it works.
private struct BucketRows: Sendable {
    let slotsPerRow: Int
    private(set) var rowCount = 1
    /// Per allocated row: live buckets and the ring slot of the oldest.
    private struct RowState: Equatable, Sendable {
        var count = 0
        var head = 0
    }

    private var states: [RowState]
    /// Row `r`, slot `s`: total at `2 * (r * slotsPerRow + s)`, variance right after.
    private var buckets: [Double]

    init(maxBuckets: Int) {
        slotsPerRow = maxBuckets + 1
        states = [RowState(), RowState()]
        buckets = Array(repeating: 0, count: 2 * 2 * slotsPerRow)
    }

    /// Values per bucket in `row`: 2^row, exact for every row.
    static func bucketSize(row: Int) -> Double { Double(sign: .plus, exponent: row, significand: 1) }

    func count(row: Int) -> Int { states[row].count }

    /// The `index`-th oldest bucket of `row`.
    func bucket(row: Int, index: Int) -> (total: Double, variance: Double) {
        let slot = Self.slot(row: row, head: states[row].head, index: index, slotsPerRow)
        return (buckets[slot], buckets[slot + 1])
    }

    /// Offset of the `index`-th oldest bucket of `row` in `buckets`.
    @inline(__always)
    private static func slot(row: Int, head: Int, index: Int, _ slotsPerRow: Int) -> Int {
        var ring = head + index
        if ring >= slotsPerRow { ring -= slotsPerRow }
        return 2 * (row * slotsPerRow + ring)
    }

    /// `head` moved `steps` (≤ slotsPerRow) slots along the ring, without a division.
    @inline(__always)
    private static func advance(_ head: Int, by steps: Int, _ slotsPerRow: Int) -> Int {
        let moved = head + steps
        return moved >= slotsPerRow ? moved - slotsPerRow : moved
    }

    /// Whether any cut, scanning from the oldest bucket, passes `test`; the newest bucket
    /// ends the scan (no cut after it). `width` and `total` describe the whole window.
    func hasSignificantCut(_ test: CutTest, width: Double, total: Double) -> Bool {
        let slotsPerRow = slotsPerRow
        return states.withUnsafeBufferPointer { states in
            buckets.withUnsafeBufferPointer { buckets in
                var olderCount = 0.0, newerCount = width
                var olderTotal = 0.0, newerTotal = total
                for row in stride(from: rowCount - 1, through: 0, by: -1) {
                    let size = Self.bucketSize(row: row)
                    let (live, head) = (states[row].count, states[row].head)
                    // The newest bucket (last of row 0) is no cut: the scan ends before it.
                    let cuts = row == 0 ? live - 1 : live
                    for index in 0..<max(cuts, 0) {
                        let bucketTotal = buckets[Self.slot(row: row, head: head, index: index, slotsPerRow)]
                        olderCount += size
                        newerCount -= size
                        olderTotal += bucketTotal
                        newerTotal -= bucketTotal
                        if test.isSignificant(olderCount, olderTotal, newerCount, newerTotal) { return true }
                    }
                }
                return false
            }
        }
    }

    mutating func removeAll() {
        for row in 0..<rowCount { states[row] = RowState() }
        rowCount = 1
    }

    /// Keeps a spare row after the live ones.
    private mutating func reserveSpareRow() {
        guard rowCount == states.count else { return }
        states.append(contentsOf: repeatElement(RowState(), count: states.count))
        buckets.append(contentsOf: repeatElement(0, count: buckets.count))
    }

    /// Appends a bucket to `row` (used by decoding; the row must have room).
    mutating func append(row: Int, total: Double, variance: Double) {
        while row >= rowCount {
            rowCount += 1
            reserveSpareRow()
        }
        let slot = Self.slot(row: row, head: states[row].head, index: states[row].count, slotsPerRow)
        buckets[slot] = total
        buckets[slot + 1] = variance
        states[row].count += 1
    }

    /// Adds a one-value bucket to row 0, then merges the two oldest buckets of every row
    /// that overflows into the next row (River's `compress_buckets`).
    mutating func insert(_ value: Double) {
        reserveSpareRow()
        let slotsPerRow = slotsPerRow
        var rowCount = rowCount
        states.withUnsafeMutableBufferPointer { states in
            buckets.withUnsafeMutableBufferPointer { buckets in
                func append(_ total: Double, _ variance: Double, row: Int) {
                    let slot = Self.slot(row: row, head: states[row].head, index: states[row].count, slotsPerRow)
                    buckets[slot] = total
                    buckets[slot + 1] = variance
                    states[row].count += 1
                }
                append(value, 0, row: 0)
                var row = 0
                while states[row].count == slotsPerRow {
                    // Division by a power of two is exact, so multiplying by its inverse is identical.
                    let inverseSize = 1 / Self.bucketSize(row: row)
                    let first = Self.slot(row: row, head: states[row].head, index: 0, slotsPerRow)
                    let second = Self.slot(row: row, head: states[row].head, index: 1, slotsPerRow)
                    let (total0, variance0) = (buckets[first], buckets[first + 1])
                    let (total1, variance1) = (buckets[second], buckets[second + 1])
                    let mean0 = total0 * inverseSize
                    let mean1 = total1 * inverseSize
                    let size = Self.bucketSize(row: row)
                    let mergedVariance = variance0 + variance1 + size * 0.5 * (mean0 - mean1) * (mean0 - mean1)
                    if row + 1 == rowCount { rowCount += 1 }
                    append(total0 + total1, mergedVariance, row: row + 1)
                    states[row].head = Self.advance(states[row].head, by: 2, slotsPerRow)
                    states[row].count -= 2
                    if states[row + 1].count < slotsPerRow { break }
                    row += 1
                }
            }
        }
        self.rowCount = rowCount
    }

    /// Removes the oldest bucket (the first of the last row); returns its size, total
    /// and variance.
    mutating func removeOldest() -> (size: Double, total: Double, variance: Double) {
        let row = rowCount - 1
        let (total, variance) = bucket(row: row, index: 0)
        states[row].head = Self.advance(states[row].head, by: 1, slotsPerRow)
        states[row].count -= 1
        if states[row].count == 0 && rowCount > 1 {
            states[row].head = 0
            rowCount -= 1
        }
        return (Self.bucketSize(row: row), total, variance)
    }
}

extension BucketRows: Equatable {
    /// Same live buckets in the same order, whatever their slots and spare capacity.
    static func == (lhs: BucketRows, rhs: BucketRows) -> Bool {
        guard lhs.slotsPerRow == rhs.slotsPerRow, lhs.rowCount == rhs.rowCount else { return false }
        return (0..<lhs.rowCount).allSatisfy { row in
            lhs.count(row: row) == rhs.count(row: row)
                && (0..<lhs.count(row: row)).allSatisfy { lhs.bucket(row: row, index: $0) == rhs.bucket(row: row, index: $0) }
        }
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
        writer.writeCount(clockPhase)
        writer.write(driftDetected)
        writer.writeCount(rows.rowCount)
        for row in 0..<rows.rowCount {
            writer.writeCount(rows.count(row: row))
            for index in 0..<rows.count(row: row) {
                let bucket = rows.bucket(row: row, index: index)
                writer.write(bucket.total)
                writer.write(bucket.variance)
            }
        }
    }

    public init(from reader: inout BinaryReader) throws {
        self = try reader.readDetectorConfiguration { reader in
            try ADWIN(
                delta: try reader.readDouble(), clock: try reader.readCount(), maxBuckets: try reader.readCount(),
                minWindowLength: try reader.readCount(), gracePeriod: try reader.readCount())
        }
        total = try reader.readDouble()
        variance = try reader.readDouble()
        width = try reader.readDouble()
        clockPhase = try reader.readCount(maximum: clock - 1)
        driftDetected = try reader.readBool()
        let rowCount = try reader.readCount(maximum: 64)
        guard rowCount >= 1 else { throw SerializationError.invalidValue("ADWIN needs at least one bucket row") }
        var storedWidth = 0.0
        for row in 0..<rowCount {
            let live = try reader.readCount(maximum: maxBuckets)
            // With two or more buckets per row no row is ever empty, except in an empty window.
            guard live > 0 || rowCount == 1 else {
                throw SerializationError.invalidValue("ADWIN bucket row \(row) is empty")
            }
            for _ in 0..<live {
                rows.append(row: row, total: try reader.readDouble(), variance: try reader.readDouble())
            }
            storedWidth += Double(live) * BucketRows.bucketSize(row: row)
        }
        guard storedWidth == width else {
            throw SerializationError.invalidValue("ADWIN width \(width) does not match its buckets (\(storedWidth))")
        }
    }
}
