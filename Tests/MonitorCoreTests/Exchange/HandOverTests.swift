import DriftCore
import MonitorTestSupport
import Testing
@testable import MonitorCore

@Suite struct HandOverTests {
    static func bytes(_ pane: DriftPane) -> [UInt8] {
        var writer = BinaryWriter()
        pane.encode(to: &writer)
        return writer.bytes
    }

    /// Drift panes and outcome parts read back as written, split over records under a
    /// limit or not; the merge of three sources' drift panes holds the events one source's
    /// does (counts exact: bins, categories, missing values).
    @Test func driftPanesCrossAndMerge() throws {
        let stream = ExchangeStream(seed: 21)
        let (layout, template) = try stream.driftPanes()
        let coding = PaneCoding.drift(layout: layout, template: template)
        func sent(_ sources: Int, maximumBytes: Int = .max) -> [[HandOver<DriftPane>]] {
            stream.handOvers(sources: sources, spec: ExchangeStream.spec(.fixed), makePane: { template },
                             record: { $0.record(ExchangeStream.event($1), layout: layout) }, coding: coding, maximumBytes: maximumBytes)
        }
        let three = sent(3)
        let records = three.joined()
        #expect(records.contains { !$0.panes.isEmpty && !$0.outcomes.isEmpty })
        for record in records {
            let bytes = record.encoded(panes: coding, outcomes: ExchangeStream.outcomes)
            let read = try HandOver(decoding: bytes, panes: coding, outcomes: ExchangeStream.outcomes)
            #expect(read.encoded(panes: coding, outcomes: ExchangeStream.outcomes) == bytes)
            #expect(read.origin == record.origin && read.boundary == record.boundary && read.isLast == record.isLast)
            #expect(read.panes.map { Self.bytes($0.pane) } == record.panes.map { Self.bytes($0.pane) })
        }
        let limit = 3_000
        let split = sent(3, maximumBytes: limit)
        #expect(split.joined().count > records.count)
        #expect(split.joined().allSatisfy { $0.encoded(panes: coding, outcomes: ExchangeStream.outcomes).count <= limit })
        #expect(split.map { $0.filter(\.isLast).map(\.boundary) } == three.map { $0.map(\.boundary) }, "the same hand-overs, each ended once")

        let one = try ExchangeStream.merge(sent(1), spec: ExchangeStream.spec(.fixed), coding: coding, seed: 1)
        let merged = try ExchangeStream.merge(split, spec: ExchangeStream.spec(.fixed), coding: coding, seed: 2)
        #expect(one.drift.count > 40 && merged.drift.map(\.eventCount) == one.drift.map(\.eventCount))
        let income = 0
        #expect(merged.drift.map { $0.summary.numericSummary(income, layout: layout).fineCounts }
            == one.drift.map { $0.summary.numericSummary(income, layout: layout).fineCounts })
        #expect(merged.drift.map { $0.summary.categoricalSummary(0, layout: layout).counts }
            == one.drift.map { $0.summary.categoricalSummary(0, layout: layout).counts })
        #expect(merged.performance.map(\.labelled) == one.performance.map(\.labelled))
    }

    /// Outcome parts of a regression model and of a multiclass classifier (moments and
    /// residual bins; a confusion matrix, log loss and group accuracies) read back as
    /// written, and are refused under another model type's shape.
    @Test(arguments: [ModelType.regression, .multiclass])
    func outcomePartsOfEveryModelTypeCross(modelType: ModelType) throws {
        let shape = OutcomeShape(modelType: modelType, fairnessAttributes: [["group"]])
        var part = PerformanceTracker.Pane(index: 7, summaries: OutcomeSummaries(shape))
        for value in 0..<40 {
            part.summaries.recordPrediction(timestamp: 7_000 + Int64(value))
            let groups = [FairnessGroupKey(["g\(value % 3)"])]
            switch modelType {
            case .regression: part.summaries.recordRegressionLabel(prediction: Double(value) * 1.5, label: Double(value * value) / 10, groups: groups)
            default: part.summaries.recordMulticlassLabel(label: "c\(value % 4)", output: MulticlassOutput(predicted: "c\(value % 3)", probabilities: nil),
                                                          groups: groups)
            }
        }
        let coding = ValuesPane.coding
        let record = HandOver<ValuesPane>(origin: .init(source: 1, sequence: 4), boundary: 9, isLast: true, panes: [],
                                          outcomes: [.init(step: 8, part: part)])
        let bytes = record.encoded(panes: coding, outcomes: shape)
        let read = try HandOver(decoding: bytes, panes: coding, outcomes: shape)
        #expect(read.encoded(panes: coding, outcomes: shape) == bytes)
        let summaries = try #require(read.outcomes.first?.part.summaries)
        #expect(summaries.predictions == 40 && summaries.labelled == 40 && summaries.agrees(with: part.summaries))
        #expect(modelType == .regression ? summaries.regression.count == 40 : summaries.multiclass.classes.count == 4)
        let other = OutcomeShape(modelType: modelType == .regression ? .multiclass : .regression, fairnessAttributes: [["group"]])
        #expect(throws: SerializationError.self) { try HandOver(decoding: bytes, panes: coding, outcomes: other) }
    }

    /// A damaged or foreign record is refused with an error, never a trap: every
    /// truncation, another format version, another outcome shape, bytes left over, and
    /// drift panes out of order.
    @Test func aDamagedRecordIsRefused() throws {
        let stream = ExchangeStream(seed: 23)
        let (layout, template) = try stream.driftPanes()
        let coding = PaneCoding.drift(layout: layout, template: template)
        let sent = stream.handOvers(sources: 2, spec: ExchangeStream.spec(.fixed), makePane: { template },
                                    record: { $0.record(ExchangeStream.event($1), layout: layout) }, coding: coding)
        // Two hand-overs with a drift pane each and outcome parts, as one record (as after an idle stretch).
        let busy = sent[0].filter { !$0.panes.isEmpty && !$0.outcomes.isEmpty }
        try #require(busy.count >= 2)
        var record = busy[0]
        record.panes += busy[1].panes
        record.outcomes += busy[1].outcomes
        record.boundary = busy[1].boundary
        let bytes = record.encoded(panes: coding, outcomes: ExchangeStream.outcomes)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: SerializationError.self) {
                try HandOver(decoding: Array(bytes.prefix(length)), panes: coding, outcomes: ExchangeStream.outcomes)
            }
        }
        #expect(throws: SerializationError.unsupportedVersion(kind: "hand-over", version: 2, newestSupported: 1)) {
            try HandOver(decoding: [2] + bytes.dropFirst(), panes: coding, outcomes: ExchangeStream.outcomes)
        }
        #expect(throws: SerializationError.trailingBytes(1)) {
            try HandOver(decoding: bytes + [0], panes: coding, outcomes: ExchangeStream.outcomes)
        }
        #expect(throws: SerializationError.self) {
            try HandOver(decoding: bytes, panes: coding, outcomes: OutcomeShape(modelType: .binary, fairnessAttributes: [["region"]]))
        }
        var open = record
        open.boundary = record.panes[0].index
        #expect(throws: SerializationError.invalidValue("hand-over drift panes not before its boundary (not closed)")) {
            try HandOver(decoding: open.encoded(panes: coding, outcomes: ExchangeStream.outcomes), panes: coding, outcomes: ExchangeStream.outcomes)
        }
        var reversed = record
        reversed.panes.reverse()
        #expect(throws: SerializationError.invalidValue("hand-over drift panes out of order")) {
            try HandOver(decoding: reversed.encoded(panes: coding, outcomes: ExchangeStream.outcomes), panes: coding,
                         outcomes: ExchangeStream.outcomes)
        }
    }
}
