import DriftCore

/// Where each monitored subject of a version lives in a pane: features fixed by the
/// reference profile (sorted by name, so the layout is the same in every run), plus
/// the score and the predicted class.
///
/// A class (immutable, so `Sendable`): every prediction hands the layout to its pane,
/// and a struct of seven arrays and a dictionary was copied there — eight retains and
/// releases per event (~2 % of the sparse replay); a class reference is one.
package final class FeatureLayout: Sendable {
    package enum Slot: Sendable, Equatable {
        case numeric(Int)
        case categorical(Int)
    }

    package let numericNames: [String]
    package let categoricalNames: [String]
    package let numericReferences: [NumericReference]
    package let categoricalReferences: [CategoricalReference]
    package let score: NumericReference?
    package let prediction: CategoricalReference?
    /// Each numeric feature's reference [min, max] (out-of-range counting), kept apart
    /// so the per-event check touches two doubles rather than a reference summary.
    let numericRanges: [ClosedRange<Double>?]
    private let slots: [String: Slot]

    package init(profile: ReferenceProfile) {
        var numericNames: [String] = []
        var categoricalNames: [String] = []
        var numericReferences: [NumericReference] = []
        var categoricalReferences: [CategoricalReference] = []
        var slots: [String: Slot] = [:]
        var score: NumericReference?
        var prediction: CategoricalReference?
        for name in profile.featureNames {
            switch (name, profile.features[name]!) {
            case let (OutputSubject.score, .numeric(reference)): score = reference
            case let (OutputSubject.prediction, .categorical(reference)): prediction = reference
            case (OutputSubject.score, _), (OutputSubject.prediction, _): continue
            case let (_, .numeric(reference)):
                slots[name] = .numeric(numericNames.count)
                numericNames.append(name)
                numericReferences.append(reference)
            case let (_, .categorical(reference)):
                slots[name] = .categorical(categoricalNames.count)
                categoricalNames.append(name)
                categoricalReferences.append(reference)
            }
        }
        self.numericNames = numericNames
        self.categoricalNames = categoricalNames
        self.numericReferences = numericReferences
        self.categoricalReferences = categoricalReferences
        self.score = score
        self.prediction = prediction
        self.slots = slots
        numericRanges = numericReferences.map { reference in
            reference.moments.count > 0 ? reference.moments.minimum...reference.moments.maximum : nil
        }
    }

    var featureCount: Int { numericNames.count + categoricalNames.count }

    package func slot(of name: String) -> Slot? { slots[name] }

    /// A feature's position among all features (numeric first), for per-feature counters.
    func flatIndex(_ slot: Slot) -> Int {
        switch slot {
        case let .numeric(index): index
        case let .categorical(index): numericNames.count + index
        }
    }
}

/// Segment attribute values interned to small codes, so a pending prediction carries
/// its groups in one word and a flood of distinct values stays bounded.
///
/// A class: the engine hands it to a version on every event, and passing a struct held
/// by a class copies it (a retain and release of each of its arrays).
package final class SegmentCodes {
    static let other = "(other)"
    package static let missing = "(missing)"
    /// Up to this many values (the two reserved included), a value is found by comparing.
    private static let valuesCompared = 16
    /// Attributes tracked, in the order first seen; at most 8, 8 bits each → one UInt64.
    private(set) var attributes: [String] = []
    private var values: [[String]] = []
    private var codes: [[String: UInt8]] = []
    private let maximumAttributes: Int
    private let maximumValues: Int
    /// Values that were mapped to `(other)` because an attribute was full.
    private(set) var overflowCount = 0
    /// Attributes seen beyond the tracked ones.
    private(set) var untrackedAttributeCount = 0

    init(maximumAttributes: Int, maximumValuesPerAttribute: Int) {
        self.maximumAttributes = min(maximumAttributes, 8)
        maximumValues = min(maximumValuesPerAttribute, 254)
    }

    /// The packed codes of one event's segment (missing attributes get `(missing)`).
    func encode(_ segment: [SegmentAttribute]) -> UInt64 {
        var packed: UInt64 = 0
        for attribute in segment {
            guard let position = position(of: attribute.name) else { continue }
            packed |= UInt64(code(attribute.value, at: position)) << (8 * UInt64(position))
        }
        // Code 0 is "(missing)" for every attribute, so absent attributes need nothing.
        return packed
    }

    func value(of packed: UInt64, attribute position: Int) -> String {
        values[position][Int((packed >> (8 * UInt64(position))) & 0xFF)]
    }

    func group(of packed: UInt64, attributes positions: [Int]) -> FairnessGroupKey {
        FairnessGroupKey(positions.map { value(of: packed, attribute: $0) })
    }

    func position(ofExisting name: String) -> Int? {
        attributes.firstIndex(of: name)
    }

    private func position(of name: String) -> Int? {
        if let existing = attributes.firstIndex(of: name) { return existing }
        guard attributes.count < maximumAttributes else {
            untrackedAttributeCount += 1
            return nil
        }
        attributes.append(name)
        values.append([Self.missing, Self.other])
        codes.append([Self.missing: 0, Self.other: 1])
        return attributes.count - 1
    }

    private func code(_ value: String, at position: Int) -> UInt8 {
        // A few values: comparing them (short strings compare as two words) is cheaper
        // than hashing the value; a value's position in `values` is its code.
        if values[position].count <= Self.valuesCompared {
            if let found = values[position].firstIndex(of: value) { return UInt8(found) }
        } else if let code = codes[position][value] {
            return code
        }
        guard values[position].count < maximumValues + 2 else {
            overflowCount += 1
            return 1
        }
        let code = UInt8(values[position].count)
        values[position].append(value)
        codes[position][value] = code
        return code
    }
}

// MARK: Checkpoint

extension SegmentCodes {
    /// Layout: overflow and untracked counts, then per attribute its name and its values
    /// in code order (the codes are positions, so the lookup maps are rebuilt).
    func encode(to writer: inout BinaryWriter) {
        writer.writeCounter(overflowCount)
        writer.writeCounter(untrackedAttributeCount)
        writer.writeCount(attributes.count)
        for (attribute, attributeValues) in zip(attributes, values) {
            writer.write(attribute)
            writer.write(strings: attributeValues)
        }
    }

    /// Restores onto the configured caps; a checkpoint holding more than they allow is refused.
    func restoreState(from reader: inout BinaryReader) throws {
        overflowCount = try reader.readCounter()
        untrackedAttributeCount = try reader.readCounter()
        let count = try reader.readCount(maximum: maximumAttributes)
        attributes = []
        values = []
        codes = []
        for _ in 0..<count {
            attributes.append(try reader.readString())
            let attributeValues = try reader.readStrings()
            guard attributeValues.count >= 2, attributeValues.count <= maximumValues + 2,
                  attributeValues[0] == Self.missing, attributeValues[1] == Self.other else {
                throw SerializationError.invalidValue("segment values of \(attributes.last!) exceed the cap or lack the reserved codes")
            }
            let lookup = Dictionary(attributeValues.enumerated().map { ($1, UInt8($0)) }, uniquingKeysWith: { first, _ in first })
            guard lookup.count == attributeValues.count else { throw SerializationError.invalidValue("duplicate segment value") }
            values.append(attributeValues)
            codes.append(lookup)
        }
        guard Set(attributes).count == attributes.count else { throw SerializationError.invalidValue("duplicate segment attribute") }
    }

    /// Whether every attribute's code in `packed` names a known value (so decoding a
    /// restored prediction's groups cannot index past the values).
    func isValid(_ packed: UInt64) -> Bool {
        for position in 0..<8 {
            let code = Int((packed >> (8 * UInt64(position))) & 0xFF)
            if position < values.count ? code >= values[position].count : code != 0 { return false }
        }
        return true
    }
}
