import DriftCore
import Simulation
import Testing
@testable import MonitorCore

@Suite struct OutcomeSummariesTests {
    /// Outcomes split between two parts and merged equal one record of them all: their
    /// counts exactly, their floating-point sums to rounding.
    @Test(arguments: [ModelType.binary, .regression, .multiclass])
    func partsMergeIntoOneRecordOfTheirOutcomes(_ modelType: ModelType) {
        let shape = OutcomeShape(modelType: modelType, fairnessAttributes: [["region"], ["region", "device"]])
        var whole = OutcomeSummaries(shape)
        var parts = [OutcomeSummaries(shape), OutcomeSummaries(shape)]
        var random = RandomSource(seed: 5)
        let classes = ["a", "b", "c"]
        for event in 0..<500 {
            let part = Int.random(in: 0...1, using: &random)
            let timestamp = Int64.random(in: 1_000...9_000, using: &random)
            let groups = [FairnessGroupKey(["r\(event % 3)"]), FairnessGroupKey(["r\(event % 3)", "d\(event % 2)"])]
            whole.recordPrediction(timestamp: timestamp)
            parts[part].recordPrediction(timestamp: timestamp)
            guard event % 4 != 0 else { continue }  // a quarter never labelled
            switch modelType {
            case .binary:
                let score = Double.random(in: 0...1, using: &random)
                let label = Double.random(in: 0...1, using: &random) < score
                whole.recordLabel(label: label, predicted: score > 0.5, score: score, groups: groups)
                parts[part].recordLabel(label: label, predicted: score > 0.5, score: score, groups: groups)
            case .regression:
                let prediction = Double.random(in: 0...100, using: &random)
                let label = prediction + Double.random(in: -10...10, using: &random)
                whole.recordRegressionLabel(prediction: prediction, label: label, groups: groups)
                parts[part].recordRegressionLabel(prediction: prediction, label: label, groups: groups)
            case .multiclass:
                let output = MulticlassOutput(predicted: classes.randomElement(using: &random)!, probabilities: nil)
                let label = classes.randomElement(using: &random)!
                whole.recordMulticlassLabel(label: label, output: output, groups: groups)
                parts[part].recordMulticlassLabel(label: label, output: output, groups: groups)
            }
        }
        var merged = parts[0]
        merged.merge(parts[1])
        #expect(merged.predictions == 500 && merged.labelled == 375 && merged.labelled == whole.labelled)
        #expect(merged.start == whole.start && merged.end == whole.end && merged.end == whole.lastTimestamp + 1)
        #expect(merged.agrees(with: whole))
        #expect(merged.outcome != whole.outcome || modelType != .binary, "the sums were added in another order: not bit for bit")
        var other = merged
        other.recordLabel(label: true, predicted: false, score: 0.9, groups: [FairnessGroupKey(["r0"]), FairnessGroupKey(["r0", "d0"])])
        other.recordRegressionLabel(prediction: 1, label: 2, groups: [FairnessGroupKey(["r0"]), FairnessGroupKey(["r0", "d0"])])
        other.recordMulticlassLabel(label: "a", output: MulticlassOutput(predicted: "b", probabilities: nil),
                                    groups: [FairnessGroupKey(["r0"]), FairnessGroupKey(["r0", "d0"])])
        #expect(!other.agrees(with: whole), "one more outcome is told apart")
    }

    /// A checkpoint's outcomes read back equal; one of another shape is refused.
    @Test func outcomesRoundTripAndRefuseAnotherShape() throws {
        let shape = OutcomeShape(modelType: .binary, fairnessAttributes: [["region"]])
        var summaries = OutcomeSummaries(shape)
        summaries.recordLabel(label: true, predicted: false, score: 0.3, groups: [FairnessGroupKey(["north"])])
        var writer = BinaryWriter()
        summaries.writeOutcomes(to: &writer, shape: shape)
        var reader = BinaryReader(writer.bytes)
        var restored = OutcomeSummaries(shape)
        try restored.readOutcomes(from: &reader, shape: shape, format: 10, what: "test")
        #expect(restored.outcome == summaries.outcome && restored.fairness == summaries.fairness)
        var other = OutcomeSummaries(OutcomeShape(modelType: .binary, fairnessAttributes: [["device"]]))
        reader = BinaryReader(writer.bytes)
        #expect(throws: (any Error).self) {
            try other.readOutcomes(from: &reader, shape: OutcomeShape(modelType: .binary, fairnessAttributes: [["device"]]), format: 10, what: "test")
        }
    }
}

extension OutcomeSummaries {
    /// Whether the two hold the same outcomes: their counts equal, their floating-point sums
    /// equal to rounding (a merge adds them in another order than one record of each).
    func agrees(with other: OutcomeSummaries) -> Bool {
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
        func agree(_ a: BinaryOutcomeSummary, _ b: BinaryOutcomeSummary) -> Bool {
            a.truePositives == b.truePositives && a.falsePositives == b.falsePositives && a.trueNegatives == b.trueNegatives
                && a.falseNegatives == b.falseNegatives && a.unlabelledCount == b.unlabelledCount
                && a.positiveScoreHistogram == b.positiveScoreHistogram && a.negativeScoreHistogram == b.negativeScoreHistogram
                && a.calibrationCounts == b.calibrationCounts && a.calibrationPositives == b.calibrationPositives
                && close(a.squaredErrorSum, b.squaredErrorSum) && close(a.logLossSum, b.logLossSum)
                && zip(a.calibrationScoreSums, b.calibrationScoreSums).allSatisfy(close)
        }
        func agree(_ a: RegressionSummary, _ b: RegressionSummary) -> Bool {
            a.count == b.count && close(a.meanAbsoluteError ?? 0, b.meanAbsoluteError ?? 0)
                && close(a.rootMeanSquaredError ?? 0, b.rootMeanSquaredError ?? 0) && close(a.bias ?? 0, b.bias ?? 0)
        }
        func agree<Entry>(_ a: GroupTable<Entry>, _ b: GroupTable<Entry>, _ same: (Entry, Entry) -> Bool) -> Bool {
            let (left, right) = (a.groups, b.groups)
            return a.overflowCount == b.overflowCount && left.keys == right.keys && left.allSatisfy { same($0.value, right[$0.key]!) }
        }
        func cells(_ summary: MulticlassOutcomeSummary) -> [String: UInt64] {
            var cells: [String: UInt64] = [:]
            for (row, label) in summary.classes.enumerated() {
                for (column, predicted) in summary.classes.enumerated() where row < summary.confusion.count && column < summary.confusion[row].count {
                    cells["\(label)→\(predicted)"] = summary.confusion[row][column]
                }
            }
            return cells
        }
        return predictions == other.predictions && labelled == other.labelled
            && start == other.start && end == other.end
            && agree(outcome, other.outcome) && zip(fairness, other.fairness).allSatisfy { agree($0.table, $1.table, agree) }
            && agree(regression, other.regression) && residuals == other.residuals
            && zip(regressionFairness, other.regressionFairness).allSatisfy { agree($0.table, $1.table, agree) }
            && cells(multiclass) == cells(other.multiclass) && close(multiclass.logLossSum, other.multiclass.logLossSum)
            && close(multiclass.brierSum, other.multiclass.brierSum) && multiclassFairness == other.multiclassFairness
    }
}
