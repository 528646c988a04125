import Foundation
import Testing
@testable import DriftCore

@Suite struct MulticlassOutcomeSummaryTests {
    static func close(_ actual: Double?, _ reference: Double?) -> Bool {
        guard let actual, let reference else { return actual == nil && reference == nil }
        return abs(actual - reference) <= 1e-9 * max(1, abs(reference))
    }

    static func expectAverages(_ actual: MulticlassOutcomeSummary.Averages?, _ expected: MulticlassVectors.Averages, _ name: String) {
        #expect(close(actual?.precision, expected.precision), "\(name) precision")
        #expect(close(actual?.recall, expected.recall), "\(name) recall")
        #expect(close(actual?.f1, expected.f1), "\(name) F1")
    }

    @Test(arguments: MulticlassVectors.shared.multiclass)
    func metricsMatchScikitLearn(_ testCase: MulticlassVectors.Case) throws {
        let summary = try testCase.summary()
        let expected = testCase.expected
        #expect(Self.close(summary.accuracy, expected.accuracy))
        let perClass = summary.perClass
        #expect(perClass.map(\.name) == expected.perClass.map(\.name))
        #expect(perClass.map(\.support) == expected.perClass.map(\.support))
        for (actual, reference) in zip(perClass, expected.perClass) {
            #expect(Self.close(actual.precision, reference.precision) && Self.close(actual.recall, reference.recall)
                && Self.close(actual.f1, reference.f1), "\(actual.name)")
        }
        Self.expectAverages(summary.macro, expected.macro, "macro")
        Self.expectAverages(summary.micro, expected.micro, "micro")
        Self.expectAverages(summary.weighted, expected.weighted, "weighted")
        #expect(Self.close(summary.logLoss, expected.logLoss))
        #expect(Self.close(summary.brierScore, expected.brierScore))
        let calibration = summary.perClassCalibrationError
        #expect(calibration.map(\.name) == (expected.calibrationErrors ?? [:]).keys.sorted())
        for (name, error) in calibration { #expect(Self.close(error, expected.calibrationErrors?[name]), "\(name)") }
    }

    @Test(arguments: MulticlassVectors.shared.multiclass)
    func mergedPanesEqualTheWholeAndRoundTrip(_ testCase: MulticlassVectors.Case) throws {
        let whole = try testCase.summary()
        let split = testCase.labels.count / 3
        var merged = try testCase.summary(of: 0..<split)
        try merged.merge(try testCase.summary(of: split..<testCase.labels.count))
        #expect(merged.perClass == whole.perClass)
        #expect(merged.accuracy == whole.accuracy)
        #expect(Self.close(merged.logLoss, whole.logLoss) && Self.close(merged.brierScore, whole.brierScore))
        #expect(merged.calibration.mapValues(\.counts) == whole.calibration.mapValues(\.counts))
        let blob = VersionedBlob.encode(whole, kind: "multiclass", version: 1)
        #expect(try VersionedBlob.decode(MulticlassOutcomeSummary.self, from: blob, kind: "multiclass", newestVersion: 1) == whole)
    }

    @Test func classesBeyondTheCapAndInvalidProbabilitiesAreCounted() throws {
        var summary = try MulticlassOutcomeSummary(maximumClasses: 2)
        summary.record(label: "a", predicted: "b", probabilities: ["a": 0.4, "b": 0.6])
        summary.record(label: "c", predicted: "a", probabilities: ["c": 1])
        summary.record(label: "a", predicted: "a", probabilities: ["a": .nan])
        #expect(summary.classes == ["a", "b"] && summary.overflowCount == 1)
        #expect(summary.labelledCount == 2 && summary.probabilityCount == 1 && summary.invalidProbabilityCount == 1)
        let brierOfFirstRow: Double = 0.6 * 0.6 + 0.6 * 0.6  // (0.4 − 1)² for "a", 0.6² for "b"
        #expect(Self.close(summary.brierScore, brierOfFirstRow), "only the valid vector of the two kept rows")
        #expect(Self.close(summary.logLoss, -log(0.4)))
        #expect(summary.calibration.keys.sorted() == ["a", "b"] && summary.calibrationOverflowCount == 0)
        #expect(Self.close(summary.perClassCalibrationError.first?.error, 0.6), "class a: probability 0.4 on its one true row")
        #expect(throws: OutcomeSummaryError.self) { try MulticlassOutcomeSummary(maximumClasses: 1) }
        let empty = try MulticlassOutcomeSummary()
        #expect(empty.accuracy == nil && empty.macro == nil && empty.weighted == nil && empty.logLoss == nil)
    }

    /// The Brier sum adds a row's squares in class order, whatever order its dictionary
    /// iterates in (which differs between runs, and here between dictionaries of other
    /// capacities): the same rows give the same bits. Values of very different magnitudes
    /// make the sum's rounding depend on its order.
    @Test func brierSquaresAreAddedInClassOrder() throws {
        let names = (0..<40).map { "class-\($0)" }
        let values = names.indices.map { index in index % 3 == 0 ? 0.3 + Double(index) * 1e-3 : Double(index + 1) * 1.1e-9 }
        let pairs = Array(zip(names, values))
        var squares = 0.0  // the label (class-7) is among them
        for (name, probability) in pairs.sorted(by: { $0.0 < $1.0 }) {
            let target: Double = name == "class-7" ? 1 : 0
            squares += (probability - target) * (probability - target)
        }
        var orders: Set<[String]> = []
        for capacity in [0, 64, 257, 1024] {
            var probabilities = [String: Double](minimumCapacity: capacity)
            for (name, probability) in capacity.isMultiple(of: 2) ? pairs : pairs.reversed() { probabilities[name] = probability }
            orders.insert(Array(probabilities.keys))
            var summary = try MulticlassOutcomeSummary(maximumClasses: 100)
            summary.record(label: "class-7", predicted: "class-0", probabilities: probabilities)
            #expect(summary.brierScore?.bitPattern == squares.bitPattern)
        }
        #expect(orders.count > 1, "the dictionaries iterate in different orders")
    }

    @Test func truncatedOrInconsistentStateIsRejected() throws {
        var writer = BinaryWriter()
        try MulticlassVectors.shared.multiclass[0].summary().encode(to: &writer)
        for length in 0..<writer.bytes.count {
            var reader = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: (any Error).self) { _ = try MulticlassOutcomeSummary(from: &reader) }
        }
        var inconsistent = BinaryWriter()
        inconsistent.writeCount(50)
        inconsistent.writeCount(1)
        inconsistent.write("a")
        inconsistent.writeCounts([1])
        for count: UInt64 in [0, 2, 0] { inconsistent.writeVarint(count) }  // two probability vectors for one row
        inconsistent.write(0.5)
        inconsistent.write(0.5)
        inconsistent.writeVarint(0)
        inconsistent.writeCount(0)
        var reader = BinaryReader(inconsistent.bytes)
        #expect(throws: SerializationError.invalidValue("inconsistent multiclass outcome counts")) { _ = try MulticlassOutcomeSummary(from: &reader) }
    }
}
