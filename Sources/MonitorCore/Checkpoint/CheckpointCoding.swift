import DriftCore

// Shared pieces of the engine checkpoint's layout (see `MonitorEngine.checkpoint()`):
// optionals, signed integers, events and the small value types several parts use.

extension BinaryWriter {
    /// A presence byte, then the value when present.
    mutating func writeOptional<Value>(_ value: Value?, _ body: (inout BinaryWriter, Value) -> Void) {
        write(value != nil)
        if let value { body(&self, value) }
    }

    mutating func writeOptional(_ value: Int64?) {
        writeOptional(value) { $0.write($1) }
    }

    /// A signed value as a zigzag varint: small magnitudes (deltas, pane numbers) take few bytes.
    mutating func writeZigzag(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A non-negative engine count (counts are never negative; a negative one would be a bug).
    mutating func writeCounter(_ value: Int) {
        writeCount(max(value, 0))
    }

    mutating func write(_ event: PredictionEvent) {
        write(event.model)
        write(event.version)
        write(event.id)
        write(event.timestamp)
        writeCount(event.features.count)
        for feature in event.features {
            write(feature.name)
            switch feature.value {
            case let .number(value):
                write(UInt8(0))
                write(value)
            case let .string(text):
                write(UInt8(1))
                write(text)
            case let .bool(flag):
                write(UInt8(2))
                write(flag)
            case .missing: write(UInt8(3))
            case .invalid: write(UInt8(4))
            }
        }
        write(event.output)
        writeCount(event.segment.count)
        for attribute in event.segment {
            write(attribute.name)
            write(attribute.value)
        }
    }

    /// A tag (0 binary, 1 regression, 2 multiclass), then the binary classifier's optional
    /// score and class, the regression value, or the multiclass class and optional class
    /// probabilities. (Formats up to 5 had no tag: binary only; format 7 added multiclass.)
    mutating func write(_ output: PredictionOutput) {
        switch output {
        case let .binary(predicted, score):
            write(UInt8(0))
            writeOptional(score) { $0.write($1) }
            writeOptional(predicted.map(Int64.init))
        case let .regression(value):
            write(UInt8(1))
            write(value)
        case let .multiclass(predicted, probabilities):
            write(UInt8(2))
            write(predicted)
            writeOptional(probabilities) { $0.write(classProbabilities: $1) }
        }
    }

    /// Class probabilities in class-name order (deterministic bytes).
    mutating func write(classProbabilities: [String: Double]) {
        writeCount(classProbabilities.count)
        for (name, probability) in classProbabilities.sorted(by: { $0.key < $1.key }) {
            write(name)
            write(probability)
        }
    }

    /// A tag (0 class, 1 value, 2 named class), then the class as a 64-bit integer, the value or the name.
    mutating func write(_ label: LabelValue) {
        switch label {
        case let .class(label):
            write(UInt8(0))
            write(Int64(label))
        case let .value(value):
            write(UInt8(1))
            write(value)
        case let .named(name):
            write(UInt8(2))
            write(name)
        }
    }

    mutating func write(_ subject: MetricSubject) {
        switch subject {
        case .model: write(UInt8(0))
        case .score: write(UInt8(1))
        case .prediction: write(UInt8(2))
        case let .feature(name):
            write(UInt8(3))
            write(name)
        case let .fairness(attributes):
            write(UInt8(4))
            write(strings: attributes)
        case let .classLabel(name):
            write(UInt8(5))
            write(name)
        }
    }

    mutating func write(strings: [String]) {
        writeCount(strings.count)
        for string in strings { write(string) }
    }

    mutating func write(_ spec: WindowSpec) {
        switch spec.kind {
        case let .eventTime(paneMilliseconds, lateness):
            write(UInt8(0))
            write(paneMilliseconds)
            write(lateness)
        case let .count(eventsPerPane):
            write(UInt8(1))
            writeCount(eventsPerPane)
        }
        writeCount(spec.panesPerWindow)
        switch spec.sizing {
        case .fixed:
            writeCount(0)
        case let .growing(minimumEvents, maximumPanes):
            writeCount(minimumEvents)
            writeCount(maximumPanes)
        }
    }
}

extension BinaryReader {
    mutating func readOptional<Value>(_ body: (inout BinaryReader) throws -> Value) throws -> Value? {
        try readBool() ? try body(&self) : nil
    }

    mutating func readOptionalInt64() throws -> Int64? {
        try readOptional { try $0.readInt64() }
    }

    mutating func readZigzag() throws -> Int64 {
        let encoded = try readVarint()
        return Int64(bitPattern: encoded >> 1) ^ -Int64(bitPattern: encoded & 1)
    }

    /// An engine counter (a count that fits in an `Int`).
    mutating func readCounter() throws -> Int {
        try readCount()
    }

    /// An event written by `write(_: PredictionEvent)` in engine checkpoint `format`.
    mutating func readPredictionEvent(format: UInt32) throws -> PredictionEvent {
        let model = try readString()
        let version = try readString()
        let id = try readString()
        let timestamp = try readInt64()
        let featureCount = try readCount(maximum: remaining / 2)
        var features: [Feature] = []
        features.reserveCapacity(featureCount)
        for _ in 0..<featureCount {
            let name = try readString()
            let value: FeatureValue = switch try readByte() {
            case 0: .number(try readDouble())
            case 1: .string(try readString())
            case 2: .bool(try readBool())
            case 3: .missing
            case 4: .invalid
            case let tag: throw SerializationError.invalidValue("unknown feature value tag \(tag)")
            }
            features.append(Feature(name, value))
        }
        let output = format < 6 ? try readBinaryOutput() : try readPredictionOutput()
        let segmentCount = try readCount(maximum: remaining / 2)
        var segment: [SegmentAttribute] = []
        for _ in 0..<segmentCount { segment.append(SegmentAttribute(try readString(), try readString())) }
        return PredictionEvent(model: model, version: version, id: id, timestamp: timestamp, features: features,
                               output: output, segment: segment)
    }

    mutating func readPredictionOutput() throws -> PredictionOutput {
        switch try readByte() {
        case 0: try readBinaryOutput()
        case 1: .regression(try readDouble())
        case 2: .multiclass(class: try readString(), probabilities: try readOptional { try $0.readClassProbabilities() })
        case let tag: throw SerializationError.invalidValue("unknown prediction output tag \(tag)")
        }
    }

    mutating func readClassProbabilities() throws -> [String: Double] {
        let count = try readCount(maximum: MulticlassOutcomeSummary.defaultMaximumClasses)
        var probabilities: [String: Double] = [:]
        for _ in 0..<count {
            let name = try readString()
            guard probabilities.updateValue(try readDouble(), forKey: name) == nil else {
                throw SerializationError.invalidValue("class \(name) twice in class probabilities")
            }
        }
        return probabilities
    }

    /// A binary classifier's output without its tag (how formats up to 5 wrote every output).
    private mutating func readBinaryOutput() throws -> PredictionOutput {
        let score = try readOptional { try $0.readDouble() }
        let predicted = try readOptionalInt64().map { value in
            guard let label = Int(exactly: value) else { throw SerializationError.invalidValue("predicted label \(value)") }
            return label
        }
        return .binary(class: predicted, score: score)
    }

    mutating func readLabelValue() throws -> LabelValue {
        switch try readByte() {
        case 0:
            let label = try readInt64()
            guard let value = Int(exactly: label) else { throw SerializationError.invalidValue("label \(label)") }
            return .class(value)
        case 1: return .value(try readDouble())
        case 2: return .named(try readString())
        case let tag: throw SerializationError.invalidValue("unknown label tag \(tag)")
        }
    }

    mutating func readMetricSubject() throws -> MetricSubject {
        switch try readByte() {
        case 0: .model
        case 1: .score
        case 2: .prediction
        case 3: .feature(try readString())
        case 4: .fairness(try readStrings())
        case 5: .classLabel(try readString())
        case let tag: throw SerializationError.invalidValue("unknown metric subject tag \(tag)")
        }
    }

    mutating func readStrings() throws -> [String] {
        let count = try readCount(maximum: remaining)
        var strings: [String] = []
        for _ in 0..<count { strings.append(try readString()) }
        return strings
    }

    mutating func readWindowSpec() throws -> WindowSpec {
        let kind: WindowSpec.Kind = switch try readByte() {
        case 0: .eventTime(paneMilliseconds: try readInt64(), allowedLatenessMilliseconds: try readInt64())
        case 1: .count(eventsPerPane: try readCount())
        case let tag: throw SerializationError.invalidValue("unknown window kind \(tag)")
        }
        let panes = try readCount()
        guard panes > 0 else { throw SerializationError.invalidValue("window of no panes") }
        let minimumEvents = try readCount()
        guard minimumEvents > 0 else { return WindowSpec(kind: kind, panesPerWindow: panes) }
        return WindowSpec(kind: kind, panesPerWindow: panes, sizing: .growing(minimumEvents: minimumEvents, maximumPanes: try readCount()))
    }

    /// Fails unless `actual` equals what the current configuration expects.
    func expect<Value: Equatable>(_ actual: Value, _ expected: Value, _ what: String) throws {
        guard actual == expected else {
            throw SerializationError.invalidValue("\(what): checkpoint has \(actual), expected \(expected)")
        }
    }
}
