import DriftCore
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct ErrorStreamDetectorTests {
    /// A Bernoulli error stream whose error rate jumps from 10 % to 50 % at index 1000.
    func errorStream() -> [Double] {
        var generator = RandomSource(seed: 11)
        return (0..<2000).map { index in
            let rate = index < 1000 ? 0.1 : 0.5
            return Double(generator.next() % 1000) < rate * 1000 ? 1 : 0
        }
    }

    func detections(_ detector: inout ErrorStreamDetector, _ values: [Double]) -> [Int] {
        values.indices.filter { detector.update(values[$0]) }
    }

    @Test(arguments: ErrorStreamDetector.Kind.allCases)
    func sameDetectionsAsTheCoreDetectorWithDefaults(kind: ErrorStreamDetector.Kind) throws {
        let values = errorStream()
        var wrapped = try ErrorStreamDetector(kind: kind, parameters: kind.definition.parameters(parsing: []))
        let found = detections(&wrapped, values)
        var expected: [Int] = []
        switch kind {
        case .adwin:
            var core = try ADWIN()
            for (index, value) in values.enumerated() { core.update(value); if core.driftDetected { expected.append(index) } }
        case .ddm:
            var core = try DDM()
            for (index, value) in values.enumerated() { core.update(value); if core.driftDetected { expected.append(index) } }
        case .eddm:
            var core = try EDDM()
            for (index, value) in values.enumerated() { core.update(value); if core.driftDetected { expected.append(index) } }
        case .pageHinkley:
            var core = try PageHinkley()
            for (index, value) in values.enumerated() { core.update(value); if core.driftDetected { expected.append(index) } }
        }
        #expect(found == expected)
        if kind != .pageHinkley { #expect(found.contains { $0 >= 1000 }) }  // the jump is found
    }

    @Test func parametersAreParsedValidatedAndApplied() throws {
        let definition = ErrorStreamDetector.Kind.pageHinkley.definition
        let parameters = try definition.parameters(parsing: ["threshold=5", "min-instances=10"])
        #expect(parameters.number("threshold") == 5 && parameters.integer("min_instances") == 10 && parameters.number("delta") == 0.005)
        var sensitive = try ErrorStreamDetector(kind: .pageHinkley, parameters: parameters)
        var standard = try ErrorStreamDetector(kind: .pageHinkley)
        let values = errorStream()
        #expect(detections(&sensitive, values).count > detections(&standard, values).count)

        #expect(throws: ParameterParseError.self) { try definition.parameters(parsing: ["treshold=5"]) }
        #expect(throws: ParameterParseError.self) { try definition.parameters(parsing: ["threshold=-1"]) }
        #expect(throws: ParameterParseError.self) { try definition.parameters(parsing: ["threshold"]) }
        #expect(ErrorStreamDetector.Kind(name: "page-hinkley") == .pageHinkley)
        #expect(ErrorStreamDetector.Kind(name: "cusum") == nil)
    }
}
