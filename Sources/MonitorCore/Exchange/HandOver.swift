import DriftCore

/// One record a join task sends the merge stage for one model version (issue 11, plan
/// step 3): the drift panes it closed and the parts of outcome panes it recorded since its
/// last hand-over, numbered so that the merge stage merges each record once and sees one
/// that went missing. A ``PaneSource`` makes them and a ``PaneMerge`` takes them.
///
/// A hand-over too large for one record (a broker's 1 MB limit) is split into several,
/// numbered one after another, of which only the last moves the source's watermark on
/// (``isLast``): the merge stage acts on a source's hand-over once it holds all of it.
package struct HandOver<Pane> {
    /// The source (the join task's input partition) and the record's number in that
    /// source's sequence for this version: 0, 1, 2, … without gaps.
    package struct Origin: Hashable, Sendable {
        package var source: Int
        package var sequence: UInt64
    }

    /// A part of an outcome pane: the predictions made in pane `part.index` and the
    /// outcomes of labels joined for them, recorded while the source's watermark was
    /// before `step` (so the merge stage merges it before judging the windows at `step`,
    /// whichever source recorded it).
    package struct OutcomePart {
        package var step: Int64
        package var part: PerformanceTracker.Pane
    }

    package var origin: Origin
    /// The source's watermark once this hand-over is whole: it closed every drift pane
    /// before this pane index, and every outcome part it sends later has a later step.
    package var boundary: Int64
    /// Whether this is the hand-over's last record (the only one that moves the
    /// source's watermark on to ``boundary``).
    package var isLast: Bool
    /// Drift panes the source closed, in index order.
    package var panes: [RecordedPane<Pane>]
    package var outcomes: [OutcomePart]
}

/// How a pane type is written into a hand-over and read back (a ``DriftPane`` needs its
/// version's feature layout to be read).
package struct PaneCoding<Pane> {
    package var encode: (Pane, inout BinaryWriter) -> Void
    package var decode: (inout BinaryReader) throws -> Pane
}

extension PaneCoding<DriftPane> {
    /// Drift panes of a version whose fresh pane is `template`, on `layout` (its reference's).
    package static func drift(layout: FeatureLayout, template: DriftPane) -> PaneCoding {
        PaneCoding(encode: { $0.encode(to: &$1) }) { reader in
            try DriftPane(from: &reader, format: MonitorEngine.checkpointFormatVersion, layout: layout, template: template)
        }
    }
}

// MARK: Wire format

extension HandOver {
    /// The wire format's version, written first (a reader refuses a newer one).
    package static var formatVersion: UInt8 { 1 }

    /// The record's bytes: the format version, the origin, the boundary, the drift panes
    /// (index, events, span, pane, as a window's checkpoint writes them) and the outcome parts (step, pane index, counts,
    /// the model type's summaries).
    package func encoded(panes coding: PaneCoding<Pane>, outcomes shape: OutcomeShape) -> [UInt8] {
        var writer = Self.header(origin: origin, boundary: boundary, isLast: isLast)
        Self.write(panes: panes, outcomes: outcomes, to: &writer, coding, shape)
        return writer.bytes
    }

    /// A record's fixed part: the format version, the origin, the boundary and the flag.
    private static func header(origin: Origin, boundary: Int64, isLast: Bool) -> BinaryWriter {
        var writer = BinaryWriter()
        writer.write(formatVersion)
        writer.writeVarint(UInt64(origin.source))
        writer.write(origin.sequence)
        writer.write(boundary)
        writer.write(isLast)
        return writer
    }

    /// Writes drift panes and outcome parts (a record's, or what a checkpoint holds).
    static func write(panes: [RecordedPane<Pane>], outcomes: [OutcomePart], to writer: inout BinaryWriter, _ coding: PaneCoding<Pane>,
                      _ shape: OutcomeShape) {
        writer.writeCount(panes.count)
        for pane in panes { pane.encode(to: &writer, encodePane: coding.encode) }
        writer.writeCount(outcomes.count)
        for outcome in outcomes { write(outcome, to: &writer, shape) }
    }

    /// Reads what ``write(panes:outcomes:to:_:_:)`` wrote; the drift panes must be in
    /// index order.
    static func read(from reader: inout BinaryReader, _ coding: PaneCoding<Pane>, _ shape: OutcomeShape) throws
        -> (panes: [RecordedPane<Pane>], outcomes: [OutcomePart]) {
        let panes = try (0..<reader.readCount(maximum: reader.remaining)).map { _ in try RecordedPane(from: &reader, decodePane: coding.decode) }
        guard zip(panes, panes.dropFirst()).allSatisfy({ $0.index < $1.index }) else {
            throw SerializationError.invalidValue("hand-over drift panes out of order")
        }
        let outcomes = try (0..<reader.readCount(maximum: reader.remaining)).map { _ in
            let step = try reader.readInt64()
            var part = PerformanceTracker.Pane(index: try reader.readInt64(), summaries: OutcomeSummaries(shape))
            try part.summaries.readCounts(from: &reader)
            try part.summaries.readOutcomes(from: &reader, shape: shape, format: MonitorEngine.checkpointFormatVersion, what: "hand-over")
            return OutcomePart(step: step, part: part)
        }
        return (panes, outcomes)
    }

    /// Reads a record written by ``encoded(panes:outcomes:)`` for a version of the same
    /// layout and outcome shape; throws on anything else (another format, another shape,
    /// panes out of order, bytes left over), never traps.
    package init(decoding bytes: [UInt8], panes coding: PaneCoding<Pane>, outcomes shape: OutcomeShape) throws {
        var reader = BinaryReader(bytes)
        let version = try reader.readByte()
        guard version == Self.formatVersion else {
            throw SerializationError.unsupportedVersion(kind: "hand-over", version: UInt32(version), newestSupported: UInt32(Self.formatVersion))
        }
        let source = try reader.readVarint()
        guard source <= UInt64(Int32.max) else { throw SerializationError.invalidValue("hand-over source \(source)") }
        origin = Origin(source: Int(source), sequence: try reader.readUInt64())
        let boundary = try reader.readInt64()
        self.boundary = boundary
        isLast = try reader.readBool()
        let (panes, outcomes) = try Self.read(from: &reader, coding, shape)
        guard panes.allSatisfy({ $0.index < boundary }) else {
            throw SerializationError.invalidValue("hand-over drift panes not before its boundary (not closed)")
        }
        guard reader.remaining == 0 else { throw SerializationError.trailingBytes(reader.remaining) }
        self.panes = panes
        self.outcomes = outcomes
    }

    private static func write(_ outcome: OutcomePart, to writer: inout BinaryWriter, _ shape: OutcomeShape) {
        writer.write(outcome.step)
        writer.write(outcome.part.index)
        outcome.part.summaries.writeCounts(to: &writer)
        outcome.part.summaries.writeOutcomes(to: &writer, shape: shape)
    }

    /// The hand-over `whole` (numbered from `whole.origin.sequence`) as the bytes of records
    /// of at most `maximumBytes` each, numbered one after another; only the last is
    /// ``isLast``. Each pane and part is encoded once, in order, and a record takes as many
    /// as fit. A single pane or part larger than the limit goes alone in a record of its own
    /// (the producer then reports the broker's refusal). Returns at least one record (an
    /// empty hand-over still moves the watermark on).
    package static func encodedRecords(of whole: HandOver, maximumBytes: Int, panes coding: PaneCoding<Pane>,
                                       outcomes shape: OutcomeShape) -> [[UInt8]] {
        let panes = whole.panes.map { pane in
            var writer = BinaryWriter()
            pane.encode(to: &writer, encodePane: coding.encode)
            return writer.bytes
        }
        let items = panes + whole.outcomes.map { outcome in
            var writer = BinaryWriter()
            write(outcome, to: &writer, shape)
            return writer.bytes
        }
        // The fixed part and the two counts, at their longest.
        let fixed = 1 + 5 + 8 + 8 + 1 + 10 + 10
        var groups: [Range<Int>] = []
        var start = 0, size = fixed
        for (index, item) in items.enumerated() {
            if size + item.count > maximumBytes, index > start {
                groups.append(start..<index)
                (start, size) = (index, fixed)
            }
            size += item.count
        }
        groups.append(start..<items.count)
        return groups.enumerated().map { number, group in
            var writer = header(origin: Origin(source: whole.origin.source, sequence: whole.origin.sequence + UInt64(number)),
                                boundary: whole.boundary, isLast: number == groups.count - 1)
            for part in [group.clamped(to: 0..<panes.count), group.clamped(to: panes.count..<items.count)] {
                writer.writeCount(part.count)
                for index in part { writer.writeRaw(items[index]) }
            }
            return writer.bytes
        }
    }
}
