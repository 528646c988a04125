import DriftCore
import Testing
@testable import Monitor
@testable import MonitorCore

/// The engine checkpoint's coding of events, labels and subjects (format 7): every output
/// type and label kind round-trips; inconsistent bytes are errors.
@Suite struct CheckpointCodingTests {
    @Test func predictionOutputsLabelsAndSubjectsRoundTrip() throws {
        let events = [
            PredictionEvent(model: "m", version: "v1", id: "b", timestamp: 1, score: 0.25, predictedLabel: 1),
            PredictionEvent(model: "m", version: "v1", id: "r", timestamp: 2, output: .regression(-3.5)),
            PredictionEvent(model: "t", version: "v1", id: "c", timestamp: 3, features: [Feature("f", .number(1))],
                            output: .multiclass(class: "urgent", probabilities: ["urgent": 0.5, "routine": 0.25, "refer": 0.25]),
                            segment: [SegmentAttribute("channel", "web")]),
            PredictionEvent(model: "t", version: "v1", id: "d", timestamp: 4, output: .multiclass(class: "2", probabilities: nil)),
        ]
        let labels: [LabelValue] = [.class(0), .value(2.5), .named("routine")]
        let subjects: [MetricSubject] = [.model, .classLabel("urgent"), .fairness(["channel"])]
        var writer = BinaryWriter()
        for event in events { writer.write(event) }
        for label in labels { writer.write(label) }
        for subject in subjects { writer.write(subject) }
        var reader = BinaryReader(writer.bytes)
        #expect(try events.map { _ in try reader.readPredictionEvent(format: MonitorEngine.checkpointFormatVersion) } == events)
        #expect(try labels.map { _ in try reader.readLabelValue() } == labels)
        #expect(try subjects.map { _ in try reader.readMetricSubject() } == subjects)
        #expect(reader.isAtEnd)
    }

    /// Class probabilities are written in class order (the same bytes whatever the table's
    /// order), and a class named twice is refused.
    @Test func classProbabilitiesAreDeterministicAndChecked() throws {
        var first = BinaryWriter(), second = BinaryWriter()
        first.write(classProbabilities: ["a": 0.5, "b": 0.25, "c": 0.25])
        second.write(classProbabilities: Dictionary(uniqueKeysWithValues: [("c", 0.25), ("b", 0.25), ("a", 0.5)]))
        #expect(first.bytes == second.bytes)
        var twice = BinaryWriter()
        twice.writeCount(2)
        for _ in 0..<2 {
            twice.write("a")
            twice.write(0.5)
        }
        var reader = BinaryReader(twice.bytes)
        #expect(throws: SerializationError.self) { try reader.readClassProbabilities() }
        var unknown = BinaryReader([7])
        #expect(throws: SerializationError.self) { try unknown.readPredictionOutput() }
    }
}
