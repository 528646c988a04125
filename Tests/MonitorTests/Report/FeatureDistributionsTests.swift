import DriftCore
import Testing
@testable import Monitor
@testable import MonitorCore

/// `report --reference`: reference against window distributions at the windows where
/// feature drift alerts fired (the Chromium rendering is in `ReferenceValuesTests`).
@Suite(.serialized) struct FeatureDistributionsTests {
    /// Feature distributions at the alerting windows, as `report --reference` reads them in its second pass.
    static func distributions() -> FeatureDistributions {
        var distributions = FeatureDistributions(ReferenceValuesTests.fixture.document)
        for record in ReferenceValuesTests.fixture.run.records { distributions.consider(record) }
        let decoder = EventDecoder()
        for line in ReferenceValuesTests.fixture.lines {
            if case let .prediction(prediction)? = try? decoder.decode(line).get() { distributions.add(prediction) }
        }
        return distributions
    }

    @Test func distributionsAtAlertingWindowsCountThatWindowsValues() throws {
        let distributions = Self.distributions()
        let targets = distributions.targets
        #expect(targets.contains { $0.feature == "f_income" && $0.rule == "NumericFeatureDrift" }, "\(targets)")
        #expect(targets.contains { $0.feature.hasPrefix("c_") }, "a categorical feature too")
        #expect(targets.count <= FeatureDistributions.maximumShown && distributions.mismatched == 0)
        // Each window holds exactly the predictions whose event time lies in it, counted here independently.
        let decoder = EventDecoder()
        let predictions = ReferenceValuesTests.fixture.lines.compactMap { line -> PredictionEvent? in
            if case let .prediction(prediction)? = try? decoder.decode(line).get() { return prediction }
            return nil
        }
        for (index, target) in targets.enumerated() {
            let expected = predictions.filter { prediction in
                guard prediction.timestamp >= target.windowStart, prediction.timestamp < target.windowEnd,
                      let value = prediction.features.last(where: { $0.name == target.feature })?.value else { return false }
                if case .missing = value { return false }
                return true
            }.count
            #expect(distributions.windowCount(index) == expected && expected > 100, "\(target.feature): \(distributions.windowCount(index)) of \(expected)")
        }
    }

}
