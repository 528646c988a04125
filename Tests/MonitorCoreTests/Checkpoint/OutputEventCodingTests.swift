import DriftCore
import Testing
@testable import Monitor
@testable import MonitorCore

/// The engine checkpoint's coding of typed outputs: every case and shape round-trips,
/// unknown tags are errors.
@Suite struct OutputEventCodingTests {
    static let resolvedAlert = AlertEvent(
        id: "a1", fingerprint: "f1", status: .resolved, rule: "Parity", severity: .critical, model: "m\"1", version: "v1",
        subject: .fairness(["gender", "age_band"]), metric: .fairness(.demographicParityRatio), value: nil,
        threshold: .band(lower: 0.1, upper: 0.9), window: AlertEvent.Window(start: 1, end: 2, count: 3),
        reference: AlertEvent.Reference(profileID: "stream", count: 4),
        evidence: [Evidence("labelled", .count(7)), Evidence("psi", .number(0.25)),
                   Evidence("gender=f", .group(selectionRate: 0.5, predictions: 120))],
        labels: ["team": "risk", "kind": "fairness"], annotations: ["summary": "s"], startsAt: 10, endsAt: 20, rulesDigest: "d")

    static let retiredAlert = AlertEvent(
        id: "a4", fingerprint: "f4", status: .resolved, rule: "Psi", severity: .warning, model: "m", version: "v0",
        subject: .feature("f_age"), metric: .feature(.psi), value: nil, threshold: .bound(.greater, 0.1),
        window: AlertEvent.Window(start: 100, end: 3_700_100, count: 0), reference: AlertEvent.Reference(profileID: "p", count: 4),
        evidence: [], labels: [:], annotations: [:], startsAt: 10, endsAt: 3_700_100, rulesDigest: "d", resolution: .versionRetired)

    static let events: [OutputEvent] = [
        .alert(resolvedAlert),
        .alert(retiredAlert),
        .alert(AlertEvent(
            id: "a2", fingerprint: "f2", status: .firing, rule: "Psi", severity: .warning, model: "m", version: "v2",
            subject: .score, metric: .feature(.psi), value: 0.4, threshold: .bound(.greaterOrEqual, 0.2),
            window: AlertEvent.Window(start: 1, end: 2, count: 3), reference: AlertEvent.Reference(profileID: "p", count: 4),
            evidence: [], labels: [:], annotations: [:], startsAt: 10, endsAt: nil, rulesDigest: "d")),
        .alert(AlertEvent(
            id: "a3", fingerprint: "f3", status: .firing, rule: "Acc", severity: .info, model: "m", version: "v2",
            subject: .model, metric: .performance(.accuracy), value: 0.4, threshold: .unavailable("no reference"),
            window: AlertEvent.Window(start: 1, end: 2, count: 3), reference: AlertEvent.Reference(profileID: "p", count: 4),
            evidence: [], labels: [:], annotations: [:], startsAt: 10, endsAt: nil, rulesDigest: "d")),
        .retrain(RetrainTrigger(
            id: "r1", model: "m", version: "v1", rule: "Retrain", alertIDs: ["a1", "a2"], rules: ["Retrain", "Psi"], windowStart: 5,
            windowEnd: 6, requiresApproval: true, triggeredAt: 6, labels: ["x": "y"], annotations: [:], rulesDigest: "d")),
        .metric(MetricEvent(evaluation: .performance, model: "m", version: "v1", windowStart: 1, windowEnd: 2, subject: .prediction,
                            metric: .health(.labelCoverage), value: nil, samples: 0)),
        .notice(.versionSeen(Notice.VersionSeen(model: "m", version: "v3", firstTimestamp: -5, previousVersions: 2))),
        .notice(.ruleBlindness(Notice.RuleBlindness(
            change: .notEvaluated(.tooFewSamples(3)), rule: "Psi", model: "m", version: "v1", subject: .feature("f_age"),
            skippedEvaluations: 12, skippedSince: 100, windowEnd: 200, minSamples: 50))),
        .notice(.ruleBlindness(Notice.RuleBlindness(
            change: .notEvaluated(.missingAttributes(["district", "region"])), rule: "Gap", model: "m", version: "v1",
            subject: .fairness(["district", "region"]), skippedEvaluations: 12, skippedSince: 100, windowEnd: 200, minSamples: 50))),
        .notice(.ruleBlindness(Notice.RuleBlindness(
            change: .evaluatedAgain, rule: "Psi", model: "m", version: "v1", subject: .feature("f_age"),
            skippedEvaluations: 0, skippedSince: 100, windowEnd: 300, minSamples: 50))),
        .notice(.modelTypeInferred(Notice.ModelTypeInferred(model: "triage", version: "v1", type: .multiclass, firstTimestamp: 7, skippedRules: ["ScoreDrift"]))),
        .notice(.featureNotInReference(Notice.FeatureNotInReference(model: "m", version: "v2", feature: "f_new", firstTimestamp: 9))),
        .metric(MetricEvent(evaluation: .performance, model: "triage", version: "v1", windowStart: 1, windowEnd: 2, subject: .classLabel("urgent"),
                            metric: .perClass(.recall), value: 0.25, samples: 40)),
    ]

    @Test func everyCaseRoundTrips() throws {
        var writer = BinaryWriter()
        for event in Self.events { writer.write(event) }
        var reader = BinaryReader(writer.bytes)
        let back = try Self.events.map { _ in try reader.readOutputEvent(format: MonitorEngine.checkpointFormatVersion) }
        #expect(back == Self.events)
        #expect(reader.remaining == 0)
        #expect(Self.resolvedAlert.resolution == .cleared)
        #expect(Self.retiredAlert.resolution == .versionRetired)
    }

    /// Format 4 alerts carry no resolution: a resolved one reads back as cleared.
    @Test func formatFourAlertsReadBackAsCleared() throws {
        var writer = BinaryWriter()
        writer.write(OutputEvent.alert(Self.retiredAlert))
        // The format-4 layout: the same bytes without the trailing resolution.
        var reader = BinaryReader(Array(writer.bytes.dropLast(2 + AlertEvent.Resolution.versionRetired.rawValue.utf8.count)))
        guard case let .alert(back) = try reader.readOutputEvent(format: 4) else {
            Issue.record("not an alert")
            return
        }
        #expect(reader.remaining == 0)
        #expect(back.resolution == .cleared && back.id == Self.retiredAlert.id)
    }

    @Test func unknownTagsAreErrors() {
        var reader = BinaryReader([9])
        #expect(throws: SerializationError.self) { try reader.readOutputEvent(format: MonitorEngine.checkpointFormatVersion) }
    }
}
