import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// Fairness rules over every segment attribute (`attributes: ["*"]`): on a stream where the
/// predictions depend on `region` and not on `gender`, only `region` breaches parity.
@Suite struct FairnessRuleTests {
    static func rules(attributes: String) -> String {
        """
        rules:
          - name: Parity
            attributes: \(attributes)
            metric: demographic_parity_ratio
            params: {min_group_size: 1}
            condition: "< 0.8"
            min_samples: 0
            significance: off
        """
    }

    /// Subjects of the firing alerts over four one-second panes (the first is the reference)
    /// of eight predictions each: half in region n (all selected), half in region s (none),
    /// and genders alternating, so both genders have a selection rate of 0.5.
    static func firingSubjects(attributes: String) throws -> [String] {
        var configuration = MonitorConfiguration()
        configuration.window = try WindowSpec.eventTime(window: 1000, slide: 1000, allowedLateness: 0, minimumEvents: 0)
        let engine = MonitorEngine(configuration: configuration, rules: try RuleFixtures.load(rules(attributes: attributes)).get())
        var outputs: [MonitorOutput] = []
        for pane in 0..<4 {
            for index in 0..<8 {
                let timestamp = Int64(pane * 1000 + index * 100)
                let region = index < 4 ? "n" : "s"
                engine.process(.prediction(PredictionEvent(
                    model: "m", version: "v1", id: "\(timestamp)", timestamp: timestamp, score: 0.5,
                    predictedLabel: region == "n" ? 1 : 0,
                    segment: [SegmentAttribute("gender", index % 2 == 0 ? "f" : "m"), SegmentAttribute("region", region)])))
            }
            outputs += engine.drainOutputs()
        }
        engine.finish()
        outputs += engine.drainOutputs()
        return outputs.filter { $0.kind == .alert && $0.firing != nil }.map { output in
            let json = try! JSONSerialization.jsonObject(with: Data(output.json.utf8)) as! [String: Any]
            return (json["subject"] as! [String: Any])["name"] as! String
        }
    }

    @Test func everyAttributeIsJudgedAlone() throws {
        #expect(try Self.firingSubjects(attributes: "[\"*\"]") == ["region"])
        #expect(try Self.firingSubjects(attributes: "[gender]") == [])
        // Named besides "*", an attribute is judged once.
        #expect(try Self.firingSubjects(attributes: "[region, \"*\"]") == ["region"])
    }
}
