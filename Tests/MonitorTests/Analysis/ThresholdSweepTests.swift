import Foundation
import TestConcurrency
import Testing
@testable import Monitor
@testable import MonitorCore

/// `driftwatch tune`: every candidate of a one-pass sweep gives the episodes (and flaps) of
/// a separate replay of the whole rule set with that threshold and `for`.
@Suite(.serialized) struct ThresholdSweepTests {
    /// The episodes of one rule in a separate replay of every default rule, `rule` changed as the candidate says.
    static func separateReplay(_ lines: [[UInt8]], rule name: String, candidate: ThresholdSweep.Candidate,
                               rules: RuleSet = AnalysisReplay.defaultRules, configuration: MonitorConfiguration = AnalysisReplay.configuration())
        -> (episodes: [AlertEpisode], flaps: Int) {
        let base = rules.rule(named: name)!
        let changed = ThresholdSweep.rule(base, threshold: candidate.threshold, forEvaluations: candidate.forEvaluations)
        let run = AnalysisReplay.run(lines, rules: AnalysisReplay.replacing(name, in: rules, with: changed), configuration: configuration)
        let episodes = AnalysisReplay.episodes(run.records).filter { $0.rule == name }
        return (episodes, run.activity.first { $0.rule == name }!.flaps)
    }

    /// ``separateReplay(_:rule:candidate:rules:configuration:)`` of each result's candidate, two at a time.
    static func separateReplays(_ lines: [[UInt8]], rule name: String, of results: [ThresholdSweep.Result],
                                configuration: MonitorConfiguration = AnalysisReplay.configuration())
        -> [(episodes: [AlertEpisode], flaps: Int)] {
        let candidates = results.map(\.candidate)
        return concurrentMap(count: candidates.count) { separateReplay(lines, rule: name, candidate: candidates[$0], configuration: configuration) }
    }

    static func sweep(_ lines: [[UInt8]], rule: String, thresholds: [Double], fors: [Int]?, incidents: [Incident] = [],
                      rules: RuleSet = AnalysisReplay.defaultRules, configuration: MonitorConfiguration = AnalysisReplay.configuration()) throws
        -> [ThresholdSweep.Result] {
        var sweep = try ThresholdSweep(rules: rules, rule: rule, thresholds: thresholds, forEvaluations: fors)
        let run = AnalysisReplay.run(lines, rules: sweep.ruleSet, configuration: configuration)
        for record in run.records { sweep.add(record) }
        return sweep.results(activity: run.activity, incidents: incidents)
    }

    static func withoutRule(_ episodes: [AlertEpisode]) -> [AlertEpisode] {
        episodes.map { var copy = $0; copy.rule = ""; return copy }
    }

    @Test func everyCandidateEqualsASeparateReplay() throws {
        let (lines, _) = AnalysisReplay.simulatedLines("mixed")
        let results = try Self.sweep(lines, rule: "NumericFeatureDrift", thresholds: [0.02, 0.1, 0.3], fors: [1, 3])
        #expect(results.count == 6)
        #expect(results.contains { !$0.episodes.isEmpty }, "the sweep fired nothing on a stream with injected changes")
        for (result, separate) in zip(results, Self.separateReplays(lines, rule: "NumericFeatureDrift", of: results)) {
            #expect(Self.withoutRule(result.episodes) == Self.withoutRule(separate.episodes), "\(result.candidate.name)")
            #expect(result.flaps == separate.flaps, "\(result.candidate.name)")
            #expect((0...1).contains(result.firingShare))
            #expect(result.episodes.isEmpty == (result.firingShare == 0))
        }
        // A lower threshold fires at least as much as a higher one with the same `for`.
        let forOne = results.filter { $0.candidate.forEvaluations == 1 }
        #expect(forOne[0].firingShare >= forOne[1].firingShare && forOne[1].firingShare >= forOne[2].firingShare)
    }

    @Test func incidentsGiveDetectionDelaysAndAlertsOutside() throws {
        let (lines, manifest) = AnalysisReplay.simulatedLines("score_drift@0.5")
        let change = manifest.changes[0].startTimestamp
        let incident = Incident(name: "score drift", start: change, end: change + 86_400_000, subjects: ["score"])
        let results = try Self.sweep(lines, rule: "ScoreDrift", thresholds: [0.02, 0.05, 0.5], fors: nil, incidents: [incident])
        for (result, separate) in zip(results, Self.separateReplays(lines, rule: "ScoreDrift", of: results)) {
            #expect(Self.withoutRule(result.episodes) == Self.withoutRule(separate.episodes))
            let first = separate.episodes.filter { $0.start >= change }.map(\.start).min()
            #expect(result.incidents[0].detectedAt == first)
            #expect(result.outsideIncidents == separate.episodes.filter { $0.start < change || $0.start > incident.end }.count)
        }
        let delays = results.map { $0.incidents[0].delay }
        #expect(delays[0] != nil && delays[1] != nil, "the shift was not detected at 0.02 and 0.05: \(delays)")
        #expect(delays[0]! <= delays[1]!)
        #expect(delays[2] == nil, "a PSI threshold of 0.5 should miss a logit shift of this size")
        let table = SweepFormat.table.render(results)
        #expect(table.contains("detect: score drift") && table.contains("missed"))
        let csv = SweepFormat.csv.render(results).split(separator: "\n")
        #expect(csv.count == 4 && csv[0].hasPrefix("candidate,threshold,for,episodes,firing_share,flaps,detection_delay_ms:score drift,outside_incidents"))
    }

    /// The held-out car-loan dataset (the analysis part, default reference): two candidates of `CategoricalMixDrift`.
    @Test func carLoanCandidatesEqualSeparateReplays() throws {
        let (_, lines) = try PublicDatasetTests.load()
        let referenceID = Array(#""id":"r-"#.utf8)
        let analysis = lines.filter { $0.firstRange(of: referenceID) == nil }
        #expect(analysis.count == 40_000)
        let configuration = MonitorConfiguration()
        let results = try Self.sweep(analysis, rule: "CategoricalMixDrift", thresholds: [0.05, 0.1], fors: nil, configuration: configuration)
        #expect(results.contains { !$0.episodes.isEmpty })
        for (result, separate) in zip(results, Self.separateReplays(analysis, rule: "CategoricalMixDrift", of: results, configuration: configuration)) {
            #expect(Self.withoutRule(result.episodes) == Self.withoutRule(separate.episodes), "\(result.candidate.name)")
        }
    }

    @Test func candidatesCloneTheRuleUnderDerivedNames() throws {
        let sweep = try ThresholdSweep(rules: AnalysisReplay.defaultRules, rule: "AccuracyDrop", thresholds: [0.05, 0.1], forEvaluations: [1, 2])
        #expect(sweep.ruleSet.rules.map(\.name) == ["AccuracyDrop@0.05/for=1", "AccuracyDrop@0.05/for=2", "AccuracyDrop@0.1/for=1", "AccuracyDrop@0.1/for=2"])
        // A relative offset keeps its sign: `< reference - 0.05` with 0.1 is `< reference - 0.1`.
        if case let .relativeOffset(comparator, offset) = sweep.ruleSet.rules[2].condition {
            #expect(comparator == .less && offset == -0.1)
        } else { Issue.record("AccuracyDrop is no longer a relative offset: \(sweep.ruleSet.rules[2].condition)") }
        #expect(throws: ThresholdSweep.SweepError.self) { try ThresholdSweep(rules: AnalysisReplay.defaultRules, rule: "Nope", thresholds: [0.1]) }
        #expect(throws: ThresholdSweep.SweepError.self) { try ThresholdSweep(rules: AnalysisReplay.defaultRules, rule: "ScoreDrift", thresholds: [0.1], forEvaluations: [0]) }
        #expect(ThresholdSweep.unionLength([(0, 10), (5, 20), (30, 40)]) == 30)
    }

    @Test func incidentFilesParse() throws {
        let incidents = try IncidentFile.parse("""
        incidents:
          - name: income shift
            start: 2023-11-15T10:00:00Z
            end: 1700100000000
            subjects: [f_income]
          - start: 1700000000000
            end: 1700000000001
        """)
        #expect(incidents == [Incident(name: "income shift", start: 1_700_042_400_000, end: 1_700_100_000_000, subjects: ["f_income"]),
                              Incident(name: "incident 2", start: 1_700_000_000_000, end: 1_700_000_000_001)])
        #expect(throws: IncidentFileError.self) { try IncidentFile.parse("incidents:\n  - name: x\n    start: 5\n") }
        #expect(throws: IncidentFileError.self) { try IncidentFile.parse("incidents:\n  - {start: 9, end: 1}\n") }
    }
}
