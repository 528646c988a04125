import DriftCore

/// A change detector chosen by name with rule-style parameters: the `adwin`, `ddm`,
/// `eddm` and `page_hinkley` metrics of the rule catalogue, and `driftwatch detect`.
///
/// An enum over the concrete detectors rather than an existential, so that updating it
/// on the per-label path is a direct call and its state serialises with a tag.
package struct ErrorStreamDetector: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case adwin, ddm, eddm
        case pageHinkley = "page_hinkley"

        /// Accepts the catalogue names and `page-hinkley`.
        package init?(name: String) {
            self.init(rawValue: name.underscored)
        }

        /// The rule catalogue entry: parameter names, types and defaults.
        package var definition: MetricDefinition { MetricCatalog.definition(.changeDetector(self)) }
    }

    private enum State: Sendable, Equatable {
        case adwin(ADWIN)
        case ddm(DDM)
        case eddm(EDDM)
        case pageHinkley(PageHinkley)
    }

    private var state: State

    package var kind: Kind {
        switch state {
        case .adwin: .adwin
        case .ddm: .ddm
        case .eddm: .eddm
        case .pageHinkley: .pageHinkley
        }
    }

    /// `parameters` are the catalogue's (defaults filled in by the rule parser or by
    /// ``MetricDefinition/parameters(parsing:)``); missing ones take River's defaults.
    package init(kind: Kind, parameters: RuleParameters = RuleParameters()) throws(DetectorConfigurationError) {
        func integer(_ name: String, _ fallback: Int) -> Int { parameters.integer(name) ?? fallback }
        func number(_ name: String, _ fallback: Double) -> Double { parameters.number(name) ?? fallback }
        switch kind {
        case .adwin:
            state = .adwin(try ADWIN(
                delta: number("delta", 0.002), clock: integer("clock", 32), maxBuckets: integer("max_buckets", 5),
                minWindowLength: integer("min_window_length", 5), gracePeriod: integer("grace_period", 10)
            ))
        case .ddm:
            state = .ddm(try DDM(
                warmStart: integer("warm_start", 30), warningThreshold: number("warning_threshold", 2.0),
                driftThreshold: number("drift_threshold", 3.0)
            ))
        case .eddm:
            state = .eddm(try EDDM(warmStart: integer("warm_start", 30), alpha: number("alpha", 0.95), beta: number("beta", 0.9)))
        case .pageHinkley:
            state = .pageHinkley(try PageHinkley(
                minInstances: integer("min_instances", 30), delta: number("delta", 0.005),
                threshold: number("threshold", 50), alpha: number("alpha", 1 - 0.0001)
            ))
        }
    }

    /// Feeds one value (for error streams: 1 for a wrong prediction, 0 for a right one);
    /// returns whether the detector signalled drift at this value.
    package mutating func update(_ value: Double) -> Bool {
        switch state {
        case var .adwin(detector):
            defer { state = .adwin(detector) }
            return Self.step(&detector, value)
        case var .ddm(detector):
            defer { state = .ddm(detector) }
            return Self.step(&detector, value)
        case var .eddm(detector):
            defer { state = .eddm(detector) }
            return Self.step(&detector, value)
        case var .pageHinkley(detector):
            defer { state = .pageHinkley(detector) }
            return Self.step(&detector, value)
        }
    }

    private static func step(_ detector: inout some ChangeDetector, _ value: Double) -> Bool {
        detector.update(value)
        return detector.driftDetected
    }
}

// MARK: Checkpoint

extension ErrorStreamDetector {
    /// Layout: the kind's index in ``Kind/allCases``, then the detector's own layout.
    func encode(to writer: inout BinaryWriter) {
        writer.writeCount(Kind.allCases.firstIndex(of: kind)!)
        switch state {
        case let .adwin(detector): writer.write(detector)
        case let .ddm(detector): writer.write(detector)
        case let .eddm(detector): writer.write(detector)
        case let .pageHinkley(detector): writer.write(detector)
        }
    }

    init(from reader: inout BinaryReader) throws {
        let tag = try reader.readCount(maximum: Kind.allCases.count - 1)
        state = switch Kind.allCases[tag] {
        case .adwin: .adwin(try reader.read())
        case .ddm: .ddm(try reader.read())
        case .eddm: .eddm(try reader.read())
        case .pageHinkley: .pageHinkley(try reader.read())
        }
    }
}

extension MetricDefinition {
    /// Parameters given as `name=value` text (as on the command line), checked against
    /// this metric's definitions, with defaults filled in.
    package func parameters(parsing assignments: [String]) throws(ParameterParseError) -> RuleParameters {
        var values: [String: ParameterValue] = [:]
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ParameterParseError("'\(assignment)' is not name=value") }
            let name = parts[0].underscored
            guard let definition = parameter(named: name) else {
                throw ParameterParseError("\(self.name) has no parameter '\(parts[0])'"
                    + Suggestions.didYouMean(name, in: parameters.map(\.name))
                    + " (parameters: \(parameters.map(\.name).joined(separator: ", ")))")
            }
            values[name] = try definition.value(parsing: parts[1])
        }
        for definition in parameters where values[definition.name] == nil {
            values[definition.name] = definition.defaultValue
        }
        return RuleParameters(values)
    }
}

extension ParameterDefinition {
    func value(parsing text: String) throws(ParameterParseError) -> ParameterValue {
        switch type {
        case let .integer(range):
            guard let value = Int(text), range.contains(value) else { throw ParameterParseError("\(name) must be \(type), got '\(text)'") }
            return .integer(value)
        case let .number(range):
            guard let value = Double(text), range.contains(value) else { throw ParameterParseError("\(name) must be \(type), got '\(text)'") }
            return .number(value)
        case let .choice(choices):
            guard choices.contains(text) else { throw ParameterParseError("\(name) must be \(type), got '\(text)'") }
            return .text(text)
        }
    }
}

package struct ParameterParseError: Error, Equatable, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    /// The name with every `-` written `_` (`page-hinkley`, `min-instances` as the catalogue spells them).
    fileprivate var underscored: String { String(map { $0 == "-" ? "_" : $0 }) }
}
