import Foundation
import MonitorCore
import Testing
@testable import Simulation

@Suite struct StreamSimulatorTests {
    func configuration(_ scenario: Scenario, events: Int = 20_000, seed: UInt64 = 7) -> StreamSimulator.Configuration {
        var configuration = StreamSimulator.Configuration()
        configuration.events = events
        configuration.seed = seed
        configuration.scenario = scenario
        return configuration
    }

    func decodeAll(_ simulator: StreamSimulator) -> [MonitorEvent] {
        let decoder = EventDecoder()
        return simulator.map { line in
            switch decoder.decode(Array(line.json.utf8)) {
            case let .success(event): return event
            case let .failure(rejection): fatalError("simulated line rejected: \(rejection): \(line.json)")
            }
        }
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        let first = Array(StreamSimulator(configuration(.mixed, events: 2000)))
        let second = Array(StreamSimulator(configuration(.mixed, events: 2000)))
        let other = Array(StreamSimulator(configuration(.mixed, events: 2000, seed: 8)))
        #expect(first == second)
        #expect(first != other)
    }

    @Test func linesAreValidEventsInEventTimeOrderWithLabelsAfterTheirPredictions() {
        let events = decodeAll(StreamSimulator(configuration(.mixed)))
        var predictionTimes: [String: Int64] = [:]
        var previous = Int64.min
        var labels = 0
        for event in events {
            switch event {
            case let .prediction(prediction):
                #expect(prediction.features.count == 13)
                #expect(prediction.segment.map(\.name) == ["gender", "age_band", "region"])
                #expect(prediction.timestamp >= previous)
                previous = prediction.timestamp
                predictionTimes[prediction.id] = prediction.timestamp
            case let .label(label):
                #expect(label.timestamp >= previous)
                previous = label.timestamp
                let predicted = predictionTimes[label.id]
                #expect(predicted != nil && predicted! + 60_000 <= label.timestamp)
                labels += 1
            }
        }
        #expect(predictionTimes.count == 20_000)
        // 95 % are labelled; a few labels still pending at the end are also written.
        #expect(abs(Double(labels) / 20_000 - 0.95) < 0.01)
    }

    @Test func injectedChangesShowFromTheirStartAndNotBefore() throws {
        let scenario = try Scenario(parsing: "income_shift@0.5,age_missing@0.5,channel_new_category@0.5")
        let predictions = decodeAll(StreamSimulator(configuration(scenario))).compactMap { event -> PredictionEvent? in
            if case let .prediction(prediction) = event { return prediction }
            return nil
        }
        func summary(_ slice: ArraySlice<PredictionEvent>) -> (meanLogIncome: Double, ageMissing: Double, kiosk: Double) {
            var logIncome = 0.0, missing = 0.0, kiosk = 0.0
            for event in slice {
                for feature in event.features {
                    switch (feature.name, feature.value) {
                    case let ("f_income", .number(value)): logIncome += log(value)
                    case ("f_age", .missing): missing += 1
                    case ("c_channel", .string("kiosk")): kiosk += 1
                    default: break
                    }
                }
            }
            let count = Double(slice.count)
            return (logIncome / count, missing / count, kiosk / count)
        }
        let before = summary(predictions[..<10_000])
        let after = summary(predictions[10_000...])
        #expect(abs(before.meanLogIncome - 10.8) < 0.02)
        #expect(abs(after.meanLogIncome - 11.2) < 0.02)
        #expect(before.ageMissing < 0.02 && abs(after.ageMissing - 0.30) < 0.02)
        #expect(before.kiosk == 0 && abs(after.kiosk - 0.15) < 0.02)
    }

    @Test func manifestLocatesEachChangeExactly() throws {
        let simulator = StreamSimulator(configuration(try Scenario(parsing: "rate_variance@0.25,gender_bias@0.9"), events: 1000))
        let manifest = simulator.manifest
        #expect(manifest.changes.map(\.startIndex) == [250, 900])
        #expect(manifest.changes[0].startTimestamp == 1_700_000_000_000 + 250 * 100)
        #expect(!manifest.controlFeatures.contains("f_interest_rate"))
        #expect(manifest.controlFeatures.contains("f_txn_noise") && manifest.controlFeatures.contains("f_loan_amount"))
        #expect(SimulationManifest.firstIndex(atFraction: 1.0 / 3, events: 3) == 1)
    }

    @Test func rejectsUnknownScenarios() {
        #expect(throws: ScenarioError.unknownKind("meteor")) { try Scenario(parsing: "meteor@0.5") }
        #expect(throws: ScenarioError.badFraction("income_shift@1.5")) { try Scenario(parsing: "income_shift@1.5") }
    }

    @Test func numbersAreCompactAndExact() {
        #expect(StreamSimulator.number(3) == "3")
        #expect(StreamSimulator.number(0.123456) == "0.1235")
        #expect(StreamSimulator.number(-2.5) == "-2.5")
        #expect(Double(StreamSimulator.number(1e20))! == 1e20)
    }
}
