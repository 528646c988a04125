import DriftCore

/// The event time as scanned: a number in the mapping's unit, checked when the event is
/// built, or text, already parsed and checked, in epoch milliseconds.
private enum ScannedTime {
    case number(Double)
    case text(Int64)
}

/// The mapped values found while scanning one message, turned into an event at the end.
struct ScannedFields {
    /// The mapping's fields are read as `schema.mapping.x`, in place: a computed `mapping`
    /// property would copy the whole mapping (each of its strings) on every use.
    private let schema: CompiledSchema

    private var eventType: String?
    private var model: String?
    private var version: String?
    private var id: String?
    private var timestamp: ScannedTime?
    private var score: Double?
    private var predictedLabel: Int?
    /// The predicted class as a multiclass classifier's class name (read only while some
    /// model is multiclass): a string, or an integer by its text.
    private var predictedClassName: String?
    private var prediction: Double?
    private var probabilities: [String: Double]?
    private var label: LabelValue?
    private var features: [Feature] = []
    /// Feature name → index in `features`, built only for events with more than
    /// ``FeatureNameFilter/scanLimit`` features.
    private var featureIndex: [String: Int] = [:]
    /// The feature names seen, so the duplicate-key check scans `features` only when a name may really repeat.
    private var featureNames = FeatureNameFilter()
    private var segment: [SegmentAttribute] = []

    /// The event's feature and segment arrays come from `arrays` (see ``ReusableEventArrays``).
    init(schema: CompiledSchema, reusing arrays: inout ReusableEventArrays) {
        self.schema = schema
        (features, segment) = arrays.take()
        features.append(contentsOf: schema.mapping.featurePaths.lazy.map { Feature($0, .missing) })
    }

    /// The event's feature and segment arrays, for the next event to reuse once this one is gone.
    var arrays: (features: [Feature], segment: [SegmentAttribute]) { (features, segment) }

    /// Reads the value for `slot`; throws ``EventRejection`` when its type is wrong.
    /// Strings come through `recent` (reused from the previous message when unchanged).
    mutating func store(_ slot: Slot, from reader: inout JSONReader, recent: inout RecentStrings) throws {
        switch slot {
        case .eventType: eventType = try readString(&reader, &recent, field: schema.mapping.eventType)
        case .model: model = try readString(&reader, &recent, field: schema.mapping.model)
        case .version: version = try readScalarAsString(&reader, &recent, field: schema.mapping.version)
        // The id joins a label to its prediction as text: only a JSON string (a numeric id
        // would be matched by its printed form, which differs between producers).
        case .id: id = try readString(&reader, &recent, field: schema.mapping.id)
        case .timestamp: timestamp = try Self.readTimestamp(&reader, schema: schema)
        case .score: score = try Self.readNumber(&reader, field: schema.mapping.score)
        case .predictedLabel: try readPredictedClass(&reader, &recent)
        case .prediction: prediction = try Self.readNumber(&reader, field: schema.mapping.prediction)
        case .probabilities: probabilities = try readProbabilities(&reader, &recent)
        case .label: label = try readLabel(&reader, &recent)
        case .featuresObject:
            guard try !reader.readNullIfPresent() else { return }
            guard try reader.peekKind() == .object else {
                throw EventRejection.wrongType(field: schema.mapping.features, expected: "an object")
            }
            try reader.readObject { reader, key in
                let (name, hash) = recent.nextName(key)
                try addFeature(name, hash: hash, try readFeatureValue(&reader, &recent, field: "\(schema.mapping.features).\(name)"))
            }
        case let .featurePath(index):
            features[index].value = try readFeatureValue(&reader, &recent, field: schema.mapping.featurePaths[index])
        case .segmentObject:
            guard try !reader.readNullIfPresent() else { return }
            guard try reader.peekKind() == .object else {
                throw EventRejection.wrongType(field: schema.mapping.segment, expected: "an object")
            }
            try reader.readObject { reader, key in
                let name = recent.next(key)
                let value = try readScalarAsString(&reader, &recent, field: "\(schema.mapping.segment).\(name)")
                segment.removeAll { $0.name == name }
                if let value { segment.append(SegmentAttribute(name, value)) }
            }
        case let .segmentPath(index):
            let attribute = schema.segmentPaths[index]
            if let value = try readScalarAsString(&reader, &recent, field: attribute.path) {
                segment.removeAll { $0.name == attribute.name }
                segment.append(SegmentAttribute(attribute.name, value))
            }
        }
    }

    /// Builds the event, checking required fields; `messageTimestamp` is the Kafka message's
    /// (epoch milliseconds), the event time under `timestamp: kafka`.
    func event(messageTimestamp: Int64?) -> Result<MonitorEvent, EventRejection> {
        let isLabel: Bool
        switch eventType {
        case "prediction": isLabel = false
        case "label": isLabel = true
        case nil: isLabel = label != nil && model == nil
        case let other?: return .failure(.unknownEventType(other))
        }
        guard let id else { return .failure(.missingField(schema.mapping.id)) }
        let epochMilliseconds: Int64
        switch eventTime(messageTimestamp: messageTimestamp) {
        case let .success(milliseconds): epochMilliseconds = milliseconds
        case let .failure(rejection): return .failure(rejection)
        }
        if isLabel {
            guard let label else { return .failure(.missingField(schema.mapping.label)) }
            return .success(.label(LabelEvent(id: id, timestamp: epochMilliseconds, value: label)))
        }
        guard let model else { return .failure(.missingField(schema.mapping.model)) }
        let output: PredictionOutput
        switch predictionOutput(of: model) {
        case let .success(found): output = found
        case let .failure(rejection): return .failure(rejection)
        }
        return .success(.prediction(PredictionEvent(
            model: model, version: version ?? schema.mapping.defaultVersion, id: id, timestamp: epochMilliseconds,
            features: features, output: output, segment: segment
        )))
    }

    /// The prediction's output, which must be of its model's declared type (a model not
    /// declared: of the type its fields show, ``ModelType/inferred(score:binaryClass:otherClass:prediction:probabilities:)``):
    /// a regression model's has a value and neither score nor class; a binary classifier's no
    /// value, no class probabilities and no class other than 0 or 1; a multiclass
    /// classifier's a class (when not logged, its most probable class) and neither score nor value.
    private func predictionOutput(of model: String) -> Result<PredictionOutput, EventRejection> {
        let mapping = schema.mapping
        let type = schema.modelTypes.declaredType(of: model) ?? ModelType.inferred(
            score: score != nil, binaryClass: predictedLabel != nil, otherClass: predictedClassName != nil && predictedLabel == nil,
            prediction: prediction != nil, probabilities: probabilities != nil)
        func mismatch(_ field: String) -> Result<PredictionOutput, EventRejection> {
            .failure(.modelTypeMismatch(model: model, type: type, field: field))
        }
        switch type {
        case .binary:
            if prediction != nil { return mismatch(mapping.prediction) }
            if probabilities != nil { return mismatch(mapping.probabilities) }
            if predictedClassName != nil, predictedLabel == nil { return mismatch(mapping.predictedLabel) }
            return .success(.binary(class: predictedLabel, score: score))
        case .regression:
            if score != nil { return mismatch(mapping.score) }
            if predictedLabel != nil || predictedClassName != nil { return mismatch(mapping.predictedLabel) }
            if probabilities != nil { return mismatch(mapping.probabilities) }
            guard let prediction else { return .failure(.missingField(mapping.prediction)) }
            return .success(.regression(prediction))
        case .multiclass:
            if score != nil { return mismatch(mapping.score) }
            if prediction != nil { return mismatch(mapping.prediction) }
            guard let predicted = predictedClassName ?? probabilities.flatMap(Self.mostProbableClass) else {
                return .failure(.missingField(mapping.predictedLabel))
            }
            return .success(.multiclass(class: predicted, probabilities: probabilities))
        }
    }

    /// The class of the largest probability (of equal ones, the first by name): the predicted
    /// class of a multiclass prediction that logs only its probabilities. Nil for no class.
    private static func mostProbableClass(_ probabilities: [String: Double]) -> String? {
        probabilities.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    /// The event time in epoch milliseconds, from the mapped field or the Kafka message.
    private func eventTime(messageTimestamp: Int64?) -> Result<Int64, EventRejection> {
        // The path is named only in rejections (not bound here: that would retain it per event),
        // from a local schema (a closure over `self` would copy these fields).
        let schema = schema
        switch schema.mapping.timestamp {
        case .field:
            switch timestamp {
            case nil: return .failure(.missingField(schema.mapping.timestamp.description))
            case let .text(milliseconds)?: return .success(milliseconds)
            case let .number(value)?:
                let milliseconds = schema.mapping.timestampUnit.milliseconds(value)
                guard milliseconds.isFinite, abs(milliseconds) < 9.2e18 else { return .failure(.invalidTimestamp(value)) }
                if let implausible = schema.mapping.timestampUnit.implausibility(of: value, field: schema.mapping.timestamp.description) {
                    return .failure(implausible)
                }
                return .success(Int64(milliseconds.rounded(.down)))
            }
        case .kafkaMessage:
            guard let messageTimestamp else { return .failure(.missingMessageTimestamp) }
            if let year = FieldMapping.TimestampUnit.implausibleYear(milliseconds: messageTimestamp) {
                return .failure(.implausibleTime(String(messageTimestamp), source: .kafkaMessage, year: year))
            }
            return .success(messageTimestamp)
        }
    }

    /// An epoch number (checked against the unit in ``eventTime(messageTimestamp:)``) or
    /// RFC 3339 text, parsed and checked here. Static, so that the error-path closures
    /// capture the schema alone rather than a copy of these fields (a retain of each per event).
    private static func readTimestamp(_ reader: inout JSONReader, schema: CompiledSchema) throws -> ScannedTime? {
        switch try reader.peekKind() {
        case .number, .null: return try readNumber(&reader, field: schema.mapping.timestamp.description).map(ScannedTime.number)
        case .string: return .text(try reader.readStringBytes().withUTF8 { try milliseconds(ofText: $0, schema: schema) })
        case .object, .array, .bool:
            throw EventRejection.wrongType(field: schema.mapping.timestamp.description, expected: "an epoch number or RFC 3339 text")
        }
    }

    private static func milliseconds(ofText text: UnsafeBufferPointer<UInt8>, schema: CompiledSchema) throws(EventRejection) -> Int64 {
        let field = schema.mapping.timestamp.description
        /// The text as a rejection shows it: its first 64 bytes.
        func shown() -> String {
            String(decoding: text.prefix(64), as: UTF8.self) + (text.count > 64 ? "…" : "")
        }
        switch TimestampText.parse(text) {
        case let .failure(problem):
            throw .invalidTimestampText(shown(), field: field, problem: problem)
        case let .success(parsed):
            if parsed.offsetSeconds == nil, schema.mapping.naiveTimestamps == .reject { throw .naiveTimestamp(shown(), field: field) }
            let milliseconds = parsed.epochMilliseconds
            if let year = FieldMapping.TimestampUnit.implausibleYear(milliseconds: milliseconds) {
                throw .implausibleTime("'\(shown())'", source: schema.mapping.timestamp, year: year)
            }
            return milliseconds
        }
    }

    /// Adds a feature, or sets the value of an earlier one of the same name; `hash` is the
    /// name's ``FeatureNameFilter/hash(of:)``.
    private mutating func addFeature(_ name: String, hash: UInt64, _ value: FeatureValue) throws {
        if features.count < FeatureNameFilter.scanLimit {
            if featureNames.insert(hash: hash), let existing = features.firstIndex(where: { $0.name == name }) {
                features[existing].value = value
                return
            }
        } else {
            if featureIndex.isEmpty {
                for (index, feature) in features.enumerated() { featureIndex[feature.name] = index }
            }
            if let existing = featureIndex[name] {
                features[existing].value = value
                return
            }
            featureIndex[name] = features.count
        }
        guard features.count < schema.limits.maximumFeatures else {
            throw EventRejection.tooManyFeatures(limit: schema.limits.maximumFeatures)
        }
        features.append(Feature(name, value))
    }

    /// A feature value is a scalar: an object or array rejects the event (dead-lettered
    /// as `wrong_type`, naming the feature) instead of passing as a feature type error.
    private func readFeatureValue(_ reader: inout JSONReader, _ recent: inout RecentStrings,
                                  field: @autoclosure () -> String) throws -> FeatureValue {
        switch try reader.peekKind() {
        case .number: return .number(try reader.readDouble())
        case .string: return .string(recent.next(try reader.readStringBytes()))
        case .bool: return .bool(try reader.readBool())
        case .null:
            try reader.readNull()
            return .missing
        case .object, .array: throw EventRejection.wrongType(field: field(), expected: "a number, string, boolean or null")
        }
    }

    private func readString(_ reader: inout JSONReader, _ recent: inout RecentStrings, field: @autoclosure () -> String) throws -> String? {
        switch try reader.peekKind() {
        case .string: return recent.next(try reader.readStringBytes())
        case .null:
            try reader.readNull()
            return nil
        default: throw EventRejection.wrongType(field: field(), expected: "a string")
        }
    }

    /// Versions and segment values may be logged as strings, numbers or booleans.
    private func readScalarAsString(_ reader: inout JSONReader, _ recent: inout RecentStrings, field: @autoclosure () -> String) throws -> String? {
        switch try reader.peekKind() {
        case .string: return recent.next(try reader.readStringBytes())
        case .number: return CategoryValue.category(of: try reader.readDouble())
        case .bool: return CategoryValue.category(of: try reader.readBool())
        case .null:
            try reader.readNull()
            return nil
        case .object, .array: throw EventRejection.wrongType(field: field(), expected: "a string or number")
        }
    }

    private static func readNumber(_ reader: inout JSONReader, field: @autoclosure () -> String) throws -> Double? {
        switch try reader.peekKind() {
        case .number:
            let value = try reader.readDouble()
            guard value.isFinite else { throw EventRejection.wrongType(field: field(), expected: "a finite number") }
            return value
        case .null:
            try reader.readNull()
            return nil
        default: throw EventRejection.wrongType(field: field(), expected: "a number")
        }
    }

    /// The predicted class: a binary classifier's 0 or 1 (false or true; also its name "0"
    /// or "1", as a multiclass classifier's class), or a multiclass classifier's class: a
    /// string, or another integer by its text ("2").
    private mutating func readPredictedClass(_ reader: inout JSONReader, _ recent: inout RecentStrings) throws {
        let field = schema.mapping.predictedLabel
        switch try reader.peekKind() {
        case .bool:
            predictedLabel = try reader.readBool() ? 1 : 0
            predictedClassName = predictedLabel == 1 ? "1" : "0"
        case .number:
            let value = try reader.readDouble()
            // A binary classifier's 0 and 1 take constant names: no integer is formatted per event.
            if value == 0 || value == 1 {
                predictedLabel = Int(value)
                predictedClassName = value == 1 ? "1" : "0"
                return
            }
            guard let name = LabelValue.integerText(value) else {
                throw EventRejection.wrongType(field: field, expected: "a class: 0 or 1, a string or an integer")
            }
            predictedClassName = name
        case .string: predictedClassName = recent.next(try reader.readStringBytes())
        case .null: try reader.readNull()
        case .object, .array: throw EventRejection.wrongType(field: field, expected: "a class: 0 or 1, a string or an integer")
        }
    }

    /// A label names no model (its prediction's type gives it a meaning when they join):
    /// false, true, 0 and 1 are binary classes, another finite number a value (a regression
    /// target, or a multiclass class when integral), a string a named class.
    private func readLabel(_ reader: inout JSONReader, _ recent: inout RecentStrings) throws -> LabelValue? {
        let field = schema.mapping.label
        switch try reader.peekKind() {
        case .string: return .named(recent.next(try reader.readStringBytes()))
        case .bool: return .class(try reader.readBool() ? 1 : 0)
        case .number:
            let value = try reader.readDouble()
            if value == 0 || value == 1 { return .class(Int(value)) }
            guard value.isFinite else { throw EventRejection.wrongType(field: field, expected: "a finite number") }
            return .value(value)
        case .null:
            try reader.readNull()
            return nil
        case .object, .array: throw EventRejection.wrongType(field: field, expected: "a class or a number")
        }
    }

    /// A multiclass classifier's class probabilities: an object of class → finite
    /// probability in [0, 1], or an array of the probabilities of classes 0, 1, 2, … in order
    /// (scikit-learn's `predict_proba` row for integer classes `0..<k`), with at most
    /// ``MulticlassOutcomeSummary/defaultMaximumClasses`` classes.
    private func readProbabilities(_ reader: inout JSONReader, _ recent: inout RecentStrings) throws -> [String: Double]? {
        let field = schema.mapping.probabilities
        guard try !reader.readNullIfPresent() else { return nil }
        var probabilities: [String: Double] = [:]
        func add(_ reader: inout JSONReader, _ name: String, at path: String) throws {
            guard try reader.peekKind() == .number else { throw EventRejection.wrongType(field: path, expected: "a probability in [0, 1]") }
            let probability = try reader.readDouble()
            guard probability >= 0, probability <= 1 else { throw EventRejection.wrongType(field: path, expected: "a probability in [0, 1]") }
            probabilities[name] = probability
            guard probabilities.count <= MulticlassOutcomeSummary.defaultMaximumClasses else {
                throw EventRejection.wrongType(field: field, expected: "at most \(MulticlassOutcomeSummary.defaultMaximumClasses) classes")
            }
        }
        switch try reader.peekKind() {
        case .object:
            try reader.readObject { reader, key in
                let name = recent.next(key)
                try add(&reader, name, at: "\(field).\(name)")
            }
        case .array:
            var index = 0
            try reader.readArray { reader in
                try add(&reader, String(index), at: "\(field)[\(index)]")
                index += 1
            }
        default:
            throw EventRejection.wrongType(field: field, expected: "an object of class → probability, or an array of the probabilities of classes 0, 1, …")
        }
        return probabilities
    }
}
