import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

@Suite struct DatasetProfilerTests {
    private func temporaryFile(_ name: String, _ text: String) -> String {
        let path = NSTemporaryDirectory() + "\(UUID().uuidString)-\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    private func profile(of path: String, options: DatasetOptions = DatasetOptions()) throws -> (ReferenceProfile, DatasetReadCounters) {
        var profiler = try DatasetProfiler()
        let counters = try DatasetReader.read(path: path, options: options) { event in
            if case let .prediction(prediction) = event { profiler.add(prediction) }
        }
        return (profiler.finish(), counters)
    }

    /// The same rows written as CSV and as JSON lines profile to what the builder makes of them directly.
    @Test func fileProfilesEqualTheInMemoryProfile() throws {
        let csv = """
        id,income,channel,gender,ts,score,label_pred,label
        a,100.5,web,f,1,0.9,1,1
        b,,"mobile, app",m,2,0.2,0,
        c,87,,f,3,,1,0
        d,-3e2,web,m,4,0.5,0,0

        """
        let jsonl = """
        {"event":"prediction","model":"m","id":"a","ts":1,"features":{"income":100.5,"channel":"web"},"score":0.9,"label_pred":1,"segment":{"gender":"f"}}
        {"event":"prediction","model":"m","id":"b","ts":2,"features":{"channel":"mobile, app"},"score":0.2,"label_pred":0,"segment":{"gender":"m"}}
        {"event":"label","id":"a","ts":5,"label":1}
        {"event":"prediction","model":"m","id":"c","ts":3,"features":{"income":87,"channel":null},"label_pred":1,"segment":{"gender":"f"}}
        {"event":"prediction","model":"m","id":"d","ts":4,"features":{"income":-300,"channel":"web"},"score":0.5,"label_pred":0,"segment":{"gender":"m"}}

        """
        var builder = try ReferenceProfileBuilder()
        let rows: [[String: FeatureObservation]] = [
            ["income": .number(100.5), "channel": .text("web"), "@score": .number(0.9), "@prediction": .text("1")],
            ["income": .missing, "channel": .text("mobile, app"), "@score": .number(0.2), "@prediction": .text("0")],
            ["income": .number(87), "channel": .missing, "@score": .missing, "@prediction": .text("1")],
            ["income": .number(-300), "channel": .text("web"), "@score": .number(0.5), "@prediction": .text("0")],
        ]
        for row in rows { builder.add(row: row) }
        let expected = builder.finish()

        var options = DatasetOptions()
        options.segmentColumns = ["gender"]
        let csvPath = temporaryFile("train.csv", csv)
        let jsonPath = temporaryFile("train.jsonl", jsonl)
        defer {
            try? FileManager.default.removeItem(atPath: csvPath)
            try? FileManager.default.removeItem(atPath: jsonPath)
        }
        let (fromCSV, csvCounters) = try profile(of: csvPath, options: options)
        let (fromJSON, jsonCounters) = try profile(of: jsonPath)
        #expect(fromCSV == expected)
        #expect(fromJSON == expected)
        #expect(fromCSV.featureNames == ["@prediction", "@score", "channel", "income"])
        #expect(csvCounters.predictions == 4 && csvCounters.labels == 3)
        #expect(jsonCounters.predictions == 4 && jsonCounters.labels == 1)

        // Written and read back, with and without the model/version wrapper.
        let document = ProfileDocument(model: "m", version: "v1", profile: fromCSV)
        #expect(try ProfileDocument.decode(try document.encoded()) == document)
        let bare = try JSONEncoder().encode(fromCSV)
        #expect(try ProfileDocument.decode(bare) == ProfileDocument(profile: fromCSV))
    }

    /// `fixtures/profiles/legacy-profile.json` was written by `driftwatch profile` before
    /// exact value counts and the value model (`--kind c_zip=categorical`, so its integer
    /// zip codes were stored as "1010.0"): it still loads, its categories are rewritten to
    /// the value model, and its own data compared with it shows no drift.
    @Test func aProfileWrittenBeforeTheValueModelLoadsAndMatchesItsData() throws {
        let document = try ProfileDocument.load(path: RuleFixtures.path("fixtures/profiles/legacy-profile.json"))
        let legacy = try String(contentsOfFile: RuleFixtures.path("fixtures/profiles/legacy-profile.json"), encoding: .utf8)
        #expect(legacy.contains("\"1010.0\"") && !legacy.contains("valueModel"), "the fixture is the old format")
        guard case let .categorical(zip) = document.profile.features["c_zip"],
              case let .categorical(owner) = document.profile.features["b_owner"],
              case let .numeric(children) = document.profile.features["f_children"] else {
            Issue.record("kinds")
            return
        }
        #expect(Set(zip.summary.counts.keys) == ["1010", "2020", "3030"] && zip.summary.presentCount == 400)
        #expect(Set(owner.summary.counts.keys) == ["true", "false"])
        #expect(!children.binning.fineEdges.isEmpty)
        var options = ComparisonOptions()
        options.kinds = ["c_zip": .categorical]
        let comparison = try DatasetComparison.run(
            reference: .profile(document.profile), current: RuleFixtures.path("fixtures/profiles/legacy-reference.jsonl"),
            dataset: DatasetOptions(), options: options)
        #expect(comparison.features.count == 5)
        for feature in comparison.features + [comparison.score, comparison.prediction].compactMap({ $0 }) {
            switch feature.sides {
            case let .numeric(_, _, drift): #expect(drift.psi == 0 && drift.ks?.statistic == 0, "\(feature.name): \(drift)")
            case let .categorical(_, _, drift): #expect(drift.psi == 0 && drift.newCategoryRate == 0, "\(feature.name): \(drift)")
            }
        }
        // Written again, the profile names its value model and reads back unchanged.
        let rewritten = try document.encoded()
        #expect(String(decoding: rewritten, as: UTF8.self).contains("\"valueModel\" : 1"))
        #expect(try ProfileDocument.decode(rewritten) == document)
    }

    @Test func absentFeaturesAreMissingInEveryRow() throws {
        var profiler = try DatasetProfiler()
        profiler.add(PredictionEvent(model: "m", version: "v", id: "1", timestamp: 0, features: [Feature("a", .number(1))]))
        profiler.add(PredictionEvent(model: "m", version: "v", id: "2", timestamp: 0, features: [Feature("b", .string("x"))]))
        profiler.add(PredictionEvent(model: "m", version: "v", id: "3", timestamp: 0,
                                     features: [Feature("a", .number(2)), Feature("a", .number(9)), Feature("c", .invalid)]))
        let profile = profiler.finish()
        guard case let .numeric(a) = profile.features["a"], case let .categorical(b) = profile.features["b"] else {
            Issue.record("kinds")
            return
        }
        #expect(a.summary.totalCount == 3 && a.summary.missingCount == 1)
        #expect(a.moments.mean == 1.5)  // the repeated name's first value counts
        #expect(b.summary.totalCount == 3 && b.summary.missingCount == 2)
        #expect(profiler.invalidValueCount == 1)
        #expect(profiler.rowCount == 3)
    }

    /// Missing values are counted at the end, not filled in row by row: the profile equals
    /// the dense one where every row gives every feature a value or `.missing`, also with
    /// rows of many names seen once (which made a row-by-row fill O(rows × names)).
    @Test func missingValuesCountedAtTheEndEqualADenseFill() throws {
        var rows: [[Feature]] = []
        for index in 0..<30 {
            if index % 7 == 0 {
                rows.append((0..<20).map { Feature("w\(index)-\($0)", .number(Double($0))) })
            } else {
                let category: FeatureValue = index % 3 == 0 ? .missing : .string("k\(index % 4)")
                rows.append([Feature("a", .number(Double(index))), Feature("c", category)])
            }
        }
        var profiler = try DatasetProfiler()
        for (index, features) in rows.enumerated() {
            profiler.add(PredictionEvent(model: "m", version: "v", id: "\(index)", timestamp: 0, features: features))
        }
        let names = Set(rows.flatMap { $0.map(\.name) }).sorted()
        var dense = try ReferenceProfileBuilder()
        for features in rows {
            let values = Dictionary(features.map { ($0.name, $0.value.observation) }) { first, _ in first }
            for name in names { dense.add(values[name] ?? .missing, to: name) }
            dense.add(.missing, to: OutputSubject.score)
            dense.add(.missing, to: OutputSubject.prediction)
        }
        #expect(profiler.finish() == dense.finish())
        #expect(profiler.finish().featureNames.count == names.count + 2)
    }

    /// Features in an order that changes from row to row, repeated names and more names than
    /// the cap: the profile is the one built name by name from the first `maximumFeatures`
    /// names, whatever the positions (the profiler caches each name's index by position).
    @Test func changingFeatureOrdersAndTheCapGiveTheProfileByName() throws {
        let rows: [[Feature]] = (0..<200).map { row in
            var features = [Feature("a", .number(Double(row))), Feature("b", .string("k\(row % 3)")),
                            Feature("c", .number(Double(row % 7)))]
            if row % 5 == 0 { features.append(Feature("a", .number(-1))) }  // a repeat: the first value counts
            if row >= 50 { features.append(Feature("late\(row % 4)", .number(1))) }  // over the cap from the second one
            let shift = row % 9 < 6 ? 0 : row % 3  // mostly the same order, sometimes rotated
            return Array(features[shift...] + features[..<shift])
        }
        var profiler = try DatasetProfiler(maximumFeatures: 4)
        for (index, features) in rows.enumerated() {
            profiler.add(PredictionEvent(model: "m", version: "v", id: "\(index)", timestamp: 0, features: features))
        }
        var kept: [String] = []
        for name in rows.joined().map(\.name) where !kept.contains(name) && kept.count < 4 { kept.append(name) }
        var byName = try ReferenceProfileBuilder()
        for features in rows {
            for name in kept {
                byName.add(features.first { $0.name == name }?.value.observation ?? .missing, to: name)
            }
            byName.add(.missing, to: OutputSubject.score)
            byName.add(.missing, to: OutputSubject.prediction)
        }
        #expect(kept == ["a", "b", "c", "late2"])
        #expect(profiler.finish() == byName.finish())
        // Rows from 50 on name one of late0…late3, and only late2 is kept: 150 − 38 rows name another.
        #expect(profiler.ignoredFeatureCount == 150 - 38)
    }

    @Test func featureCapCountsTheRest() throws {
        var profiler = try DatasetProfiler(maximumFeatures: 1)
        profiler.add(PredictionEvent(model: "m", version: "v", id: "1", timestamp: 0,
                                     features: [Feature("a", .number(1)), Feature("b", .number(2))]))
        #expect(profiler.ignoredFeatureCount == 1)
        #expect(profiler.finish().featureNames == ["@prediction", "@score", "a"])
    }

    @Test func csvRowsWithBadClassesAreRejectedAndFiltersApply() throws {
        let path = temporaryFile("rows.csv", "model,x,label_pred,label,skip\nm,1,1,0,a\nm,2,yes,,b\nother,3,0,,c\nm,4,,true,d\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = DatasetOptions()
        options.ignoredColumns = ["skip"]
        options.model = "m"
        var events: [MonitorEvent] = []
        let counters = try DatasetReader.read(path: path, options: options) { events.append($0) }
        #expect(counters.rejected == ["wrong_type": 1])
        #expect(counters.filteredOut == 1)
        #expect(events == [
            .prediction(PredictionEvent(model: "m", version: "", id: "row-2", timestamp: 0, features: [Feature("x", .number(1))], predictedLabel: 1)),
            .label(LabelEvent(id: "row-2", timestamp: 0, label: 0)),
            .prediction(PredictionEvent(model: "m", version: "", id: "row-5", timestamp: 0, features: [Feature("x", .number(4))])),
            .label(LabelEvent(id: "row-5", timestamp: 0, label: 1)),
        ])
    }

    @Test func malformedCSVFailsWithItsPosition() throws {
        let path = temporaryFile("bad.csv", "a,b\n1,\"x\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DatasetError.self) { try profile(of: path) }
        do {
            _ = try profile(of: path)
        } catch let error as DatasetError {
            #expect(error.description.hasSuffix(":2:3: quoted field not closed before the end of the file"))
        }
    }
}
