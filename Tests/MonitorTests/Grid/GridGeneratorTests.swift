import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

/// The grid's generator and scorer do what they claim (small streams, fast).
@Suite struct GridGeneratorTests {
    static let hour = DetectionGrid.hour
    static let start = GridStreamSpec(rate: 1, span: 0, seed: 0).start

    static func predictions(_ spec: GridStreamSpec) -> [PredictionEvent] {
        GridGenerator(spec).compactMap { if case let .prediction(event) = $0 { event } else { nil } }
    }

    static func numbers(_ events: [PredictionEvent], _ name: String) -> [Double] {
        events.compactMap { event in
            if case let .number(value)? = event.features.first(where: { $0.name == name })?.value { value } else { nil }
        }
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    static func sd(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    @Test func sameSeedSameEventsInEventTimeOrder() {
        let spec = GridStreamSpec(rate: 2000, span: 6 * Self.hour, seed: 9, referenceSpan: Self.hour)
        let first = GridGenerator(spec).map(\.jsonLine)
        let second = GridGenerator(spec).map(\.jsonLine)
        #expect(first == second)
        let other = GridGenerator(GridStreamSpec(rate: 2000, span: 6 * Self.hour, seed: 10)).map(\.jsonLine)
        #expect(first != other)
        let times = GridGenerator(spec).map(\.timestamp)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        // Poisson arrivals: ~2000/h over 7 h (reference hour included).
        let count = Self.predictions(spec).count
        #expect(abs(Double(count) - 14_000) < 4 * 14_000.0.squareRoot())
    }

    @Test func jsonLinesDecodeToTheSameEvents() {
        let spec = GridStreamSpec(rate: 500, span: 4 * Self.hour, seed: 3,
                                  changes: [GridChange(.missingRateJump, "n_latency", start: Self.start, size: 0.3)])
        let decoder = EventDecoder()
        var checked = 0
        for event in GridGenerator(spec).prefix(3000) {
            let decoded = try? decoder.decode(Array(event.jsonLine.utf8)).get()
            #expect(decoded == event.monitorEvent, "\(event.jsonLine)")
            checked += 1
        }
        #expect(checked == 3000)
    }

    @Test func populationIsRealistic() throws {
        let spec = GridStreamSpec(rate: 20_000, span: 2 * Self.hour, seed: 11)
        var labels: [String: (Int, Int64)] = [:]
        var predictions: [String: PredictionEvent] = [:]
        for event in GridGenerator(spec) {
            switch event {
            case let .prediction(p): predictions[p.id] = p
            case let .label(l): labels[l.id] = (l.value.binaryClass!, l.timestamp)
            }
        }
        // Accuracy and AUC in the realistic range; a share never labelled; delays from minutes to days.
        var outcome = try BinaryOutcomeSummary()
        var delays: [Int64] = []
        for (id, (label, time)) in labels {
            let prediction = try #require(predictions[id])
            outcome.record(label: label == 1, predicted: prediction.predictedLabel! == 1, score: prediction.score!)
            delays.append(time - prediction.timestamp)
        }
        #expect((0.8...0.9).contains(outcome.accuracy!), "accuracy \(outcome.accuracy!)")
        #expect((0.85...0.95).contains(outcome.rocAUC!), "AUC \(outcome.rocAUC!)")
        let unlabelled = 1 - Double(labels.count) / Double(predictions.count)
        #expect((0.06...0.10).contains(unlabelled))
        #expect(delays.min()! >= 60_000 && delays.max()! > 86_400_000)
        let generator = GridGenerator(spec)
        #expect(abs(generator.baseAccuracy - outcome.accuracy!) < 0.01)
        // Feature shapes.
        let events = Array(predictions.values)
        let counts = Self.numbers(events, "n_txn_count")
        #expect(counts.allSatisfy { $0 == $0.rounded() && (0...20).contains($0) })
        #expect(Self.numbers(events, "n_utilization").allSatisfy { (0...1).contains($0) })
        #expect(Set(Self.numbers(events, "ctl_constant")) == [1])
        let merchants = Set(events.compactMap { e -> String? in if case let .string(s)? = e.features.first(where: { $0.name == "c_merchant" })?.value { s } else { nil } })
        #expect(merchants.count > 150)
        #expect(Set(events.flatMap { $0.segment.map(\.name) }) == ["region", "device", "sex"])
    }

    @Test func changesDoWhatTheySay() throws {
        let changeStart = Self.start + 3 * Self.hour
        let spec = GridStreamSpec(rate: 20_000, span: 6 * Self.hour, seed: 5, changes: [
            GridChange(.locationShift, "n_income", start: changeStart, size: 0.5),
            GridChange(.varianceChange, "n_session", start: changeStart, size: 1.4),
            GridChange(.missingRateJump, "n_latency", start: changeStart, size: 0.10),
            GridChange(.newCategory, "c_merchant", start: changeStart, size: 0.03),
            GridChange(.categoryMix, "c_channel", start: changeStart, size: 0.40),
            GridChange(.fairnessRegression, "sex", start: changeStart, size: 0.7, group: "female"),
            GridChange(.accuracyDrop, "model", start: changeStart, size: 0.15),
        ])
        let generator = GridGenerator(spec)
        var before: [PredictionEvent] = [], after: [PredictionEvent] = []
        var labels: [String: Int] = [:]
        for event in generator {
            switch event {
            case let .prediction(p): if p.timestamp < changeStart { before.append(p) } else { after.append(p) }
            case let .label(l): labels[l.id] = l.value.binaryClass!
            }
        }
        let incomeSD = Self.sd(Self.numbers(before, "n_income"))
        #expect(abs((Self.mean(Self.numbers(after, "n_income")) - Self.mean(Self.numbers(before, "n_income"))) / incomeSD - 0.5) < 0.05)
        let sessionRatio = Self.sd(Self.numbers(after, "n_session")) / Self.sd(Self.numbers(before, "n_session"))
        #expect(abs(sessionRatio - 1.4) < 0.03)
        #expect(abs(Self.mean(Self.numbers(after, "n_session")) - Self.mean(Self.numbers(before, "n_session"))) < 0.1)
        func missing(_ events: [PredictionEvent]) -> Double {
            Double(events.filter { $0.features.first { $0.name == "n_latency" }?.value == .missing }.count) / Double(events.count)
        }
        #expect(abs(missing(before) - 0.01) < 0.005 && abs(missing(after) - 0.11) < 0.01)
        let newShare = Double(after.filter { event in
            event.features.contains { if $0.name == "c_merchant", case let .string(text) = $0.value { text.hasPrefix("new_") } else { false } }
        }.count) / Double(after.count)
        #expect(abs(newShare - 0.03) < 0.006)
        // 40 % of c_channel drawn from the reversed weights: population PSI 0.163 (the grid's
        // size, clearly over the rule's 0.1 line).
        func channelShares(_ events: [PredictionEvent]) -> [Double] {
            var counts: [String: Int] = [:]
            for event in events {
                if case let .string(text)? = event.features.first(where: { $0.name == "c_channel" })?.value { counts[text, default: 0] += 1 }
            }
            let total = Double(counts.values.reduce(0, +))
            return counts.keys.sorted().map { Double(counts[$0]!) / total }
        }
        let mixPSI = PopulationStabilityIndex.compute(reference: channelShares(before), current: channelShares(after))
        #expect(abs(mixPSI - 0.163) < 0.02, "psi \(mixPSI)")
        func parity(_ events: [PredictionEvent]) -> Double {
            let rates = ["female", "male"].map { group -> Double in
                let members = events.filter { $0.segment.contains(SegmentAttribute("sex", group)) }
                return Double(members.filter { $0.predictedLabel == 1 }.count) / Double(members.count)
            }
            return rates.min()! / rates.max()!
        }
        #expect(parity(before) > 0.93)
        #expect(abs(parity(after) - 0.7) < 0.03, "parity \(parity(after))")
        func accuracy(_ events: [PredictionEvent]) -> Double {
            let labelled = events.filter { labels[$0.id] != nil }
            return Double(labelled.filter { labels[$0.id] == $0.predictedLabel }.count) / Double(labelled.count)
        }
        // The fairness regression costs a little accuracy on its own; the flip takes 0.15 more.
        let drop = accuracy(before) - accuracy(after)
        #expect(drop > 0.14 && drop < 0.22, "drop \(drop)")
    }

    @Test func scorerCountsDetectionsDelaysFlapsAndFalseAlerts() {
        let changeStart = Self.start + 10 * Self.hour
        let spec = GridStreamSpec(rate: 1, span: 20 * Self.hour, seed: 1, changes: [
            GridChange(.locationShift, "n_income", start: changeStart, size: 0.5),
            GridChange(.accuracyDrop, "model", start: changeStart, size: 0.15),
        ])
        func firing(_ rule: String, _ subject: String, _ hours: Int64, resolved: Bool = false) -> DetectionGrid.Firing {
            DetectionGrid.Firing(rule: rule, subject: subject, fingerprint: rule + subject, at: Self.start + hours * Self.hour, resolved: resolved)
        }
        let replayed = DetectionGrid.Replayed(firings: [
            firing("NumericFeatureDrift", "n_income", 2),       // before the change: false
            firing("NumericFeatureDrift", "n_income", 3, resolved: true),
            firing("NumericFeatureDrift", "n_income", 12),      // detection, 2 h
            firing("NumericFeatureDrift", "n_income", 13, resolved: true),
            firing("NumericFeatureDrift", "n_income", 14),      // flap
            firing("NewCategory", "ctl_sku", 15),               // control: false
            firing("RetrainOnAccuracyDrop", "model", 16),       // tolerated
        ], predictions: 0, labels: 0, seconds: 0, counters: MonitorEngine.Counters())
        let score = DetectionGrid.score(replayed, spec: spec, tolerated: DetectionGridTests.tolerated)
        #expect(score.changes[0].delay == 2 * Self.hour)
        #expect(score.changes[0].flaps == 1)
        #expect(score.changes[1].detectedAt == nil)
        #expect(score.falseAlerts.map(\.description.count).count == 2)
        #expect(score.falseAlerts.filter(\.onControl).map(\.firing.subject) == ["ctl_sku"])
        #expect(score.flapsInTotal == 2)
    }
}
