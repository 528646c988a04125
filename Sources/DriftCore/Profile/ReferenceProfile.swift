/// What drift is measured against: per feature, the reference data's summary.
///
/// Immutable once built (``ReferenceProfileBuilder/finish()``). Serialises two ways that
/// both round-trip exactly: a ``VersionedBlob`` of kind `"profile"` for checkpoints
/// (``serialized()`` / ``init(serialized:)``), and `Codable` JSON for `profile.json`.
public struct ReferenceProfile: Sendable, Equatable {
    public static let blobKind = "profile"
    public static let formatVersion: UInt32 = 1

    public let configuration: ProfileConfiguration
    public let features: [String: FeatureProfile]

    public init(configuration: ProfileConfiguration, features: [String: FeatureProfile]) {
        self.configuration = configuration
        self.features = features
    }

    /// Feature names in a stable order.
    public var featureNames: [String] { features.keys.sorted() }

    public func serialized() -> [UInt8] {
        VersionedBlob.encode(self, kind: Self.blobKind, version: Self.formatVersion)
    }

    public init(serialized bytes: [UInt8]) throws {
        self = try VersionedBlob.decode(Self.self, from: bytes, kind: Self.blobKind, newestVersion: Self.formatVersion)
    }
}

/// The reference summary of one feature.
public enum FeatureProfile: Sendable, Equatable {
    case numeric(NumericReference)
    case categorical(CategoricalReference)

    public var kind: FeatureKind {
        switch self {
        case .numeric: .numeric
        case .categorical: .categorical
        }
    }
}

/// Reference side of a numeric feature: the fine histogram over its own quantile edges,
/// exact moments and missing counts.
public struct NumericReference: Sendable, Equatable {
    /// Bin counts and sums of the reference data; exact when `isExact`, otherwise
    /// estimated from the KLL sketch's weighted items — except the outer bins, whose
    /// values are kept exactly while they fit the builder's ``ExtremeValues``.
    public let summary: NumericSummary
    /// True when the edges and bin contents were computed from every value.
    public let isExact: Bool

    /// Reference proportion of each fine bin (sums to 1; empty with no finite values).
    public let fineProportions: [Double]
    /// Reference count of each coarse (PSI) bin.
    public let coarseCounts: [Double]
    /// Reference proportion of each coarse (PSI) bin.
    public let coarseProportions: [Double]

    /// Computes the proportions once: every evaluation of every window compares with them.
    public init(summary: NumericSummary, isExact: Bool) {
        self.summary = summary
        self.isExact = isExact
        fineProportions = summary.fineCounts.proportionsOfTotal()
        coarseCounts = summary.coarseCounts
        coarseProportions = coarseCounts.proportionsOfTotal()
    }

    public var binning: ReferenceBinning { summary.binning }
    public var moments: Moments { summary.moments }
    /// Share of reference rows that were missing (NaN or null); nil with no rows.
    public var missingRate: Double? {
        summary.totalCount > 0 ? Double(summary.missingCount) / Double(summary.totalCount) : nil
    }

    /// An empty current-window summary on this feature's edges.
    public func makeSummary() -> NumericSummary { NumericSummary(binning: binning) }
}

/// Reference side of a categorical feature: capped exact category counts.
public struct CategoricalReference: Sendable, Equatable {
    public let summary: CategoricalSummary

    public init(summary: CategoricalSummary) { self.summary = summary }

    public var missingRate: Double? {
        summary.totalCount > 0 ? Double(summary.missingCount) / Double(summary.totalCount) : nil
    }

    /// An empty current-window summary with the reference's category cap.
    public func makeSummary() -> CategoricalSummary { CategoricalSummary(capacity: summary.capacity) }
}

extension [Double] {
    /// Each count divided by their total; empty when the total is not positive.
    func proportionsOfTotal() -> [Double] {
        let total = reduce(0, +)
        return total > 0 ? map { $0 / total } : []
    }
}

// MARK: - Binary layout

extension ReferenceProfile: BinaryCodable {
    /// Layout: configuration, feature count, then per feature (sorted by name): name,
    /// kind byte (0 numeric, 1 categorical) and its reference.
    public func encode(to writer: inout BinaryWriter) {
        writer.write(configuration)
        writer.writeCount(features.count)
        for name in featureNames {
            writer.write(name)
            switch features[name]! {
            case let .numeric(reference):
                writer.write(UInt8(0))
                writer.write(reference.binning)
                writer.write(reference.summary)
                writer.write(reference.isExact)
            case let .categorical(reference):
                writer.write(UInt8(1))
                writer.write(reference.summary)
            }
        }
    }

    public init(from reader: inout BinaryReader) throws {
        let configuration = try reader.read(ProfileConfiguration.self)
        let count = try reader.readCount(maximum: reader.remaining)
        var features: [String: FeatureProfile] = [:]
        for _ in 0..<count {
            let name = try reader.readString()
            let feature: FeatureProfile
            switch try reader.readByte() {
            case 0:
                let binning = try ReferenceBinning.decode(from: &reader)
                let summary = try NumericSummary(from: &reader, binning: binning)
                feature = .numeric(NumericReference(summary: summary, isExact: try reader.readBool()))
            case 1:
                feature = .categorical(CategoricalReference(summary: try reader.read(CategoricalSummary.self)))
            case let other:
                throw SerializationError.invalidValue("unknown feature kind \(other)")
            }
            guard features.updateValue(feature, forKey: name) == nil else {
                throw SerializationError.invalidValue("duplicate feature \(name)")
            }
        }
        self.init(configuration: configuration, features: features)
    }
}

// MARK: - JSON layout

extension ReferenceProfile: Codable {
    /// The value model (``CategoryValue``) the categories were written with: 1 since it
    /// exists; profiles written before have no `valueModel` field (0), and their
    /// categories are rewritten on load (``LegacyCategories``).
    public static let valueModelVersion = 1

    private enum CodingKeys: String, CodingKey { case configuration, features, valueModel }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let valueModel = try container.decodeIfPresent(Int.self, forKey: .valueModel) ?? 0
        guard (0...Self.valueModelVersion).contains(valueModel) else {
            throw DecodingError.dataCorruptedError(forKey: .valueModel, in: container,
                                                   debugDescription: "value model \(valueModel) is newer than this driftwatch (\(Self.valueModelVersion))")
        }
        var features = try container.decode([String: FeatureProfile].self, forKey: .features)
        if valueModel == 0 { features = features.mapValues(LegacyCategories.migrated) }
        self.init(configuration: try container.decode(ProfileConfiguration.self, forKey: .configuration), features: features)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(configuration, forKey: .configuration)
        try container.encode(features, forKey: .features)
        try container.encode(Self.valueModelVersion, forKey: .valueModel)
    }
}

extension FeatureProfile: Codable {
    private enum CodingKeys: String, CodingKey { case kind, numeric, categorical }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(FeatureKind.self, forKey: .kind) {
        case .numeric: self = .numeric(try container.decode(NumericReference.self, forKey: .numeric))
        case .categorical: self = .categorical(try container.decode(CategoricalReference.self, forKey: .categorical))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case let .numeric(reference): try container.encode(reference, forKey: .numeric)
        case let .categorical(reference): try container.encode(reference, forKey: .categorical)
        }
    }
}

extension CategoricalReference: Codable {
    public init(from decoder: any Decoder) throws {
        summary = try CategoricalSummary(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
    }
}

extension NumericReference: Codable {
    private enum CodingKeys: String, CodingKey {
        case edges, coarseEdgeIndices, counts, sums, lowerTail, upperTail, moments, missingCount, nonFiniteCount, isExact
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let binning: ReferenceBinning
        do {
            binning = try ReferenceBinning(
                fineEdges: try container.decode([Double].self, forKey: .edges),
                coarseEdgeIndices: try container.decode([Int].self, forKey: .coarseEdgeIndices))
        } catch let error as SerializationError {
            throw DecodingError.dataCorruptedError(forKey: .edges, in: container, debugDescription: error.description)
        }
        let counts = try container.decode([Double].self, forKey: .counts)
        let sums = try container.decode([LosslessDouble].self, forKey: .sums).map(\.value)
        let missingCount = try container.decode(Int.self, forKey: .missingCount)
        let nonFiniteCount = try container.decode(Int.self, forKey: .nonFiniteCount)
        guard counts.count == binning.fineBinCount, sums.count == binning.fineBinCount,
              counts.allSatisfy({ $0 >= 0 && $0.isFinite }), missingCount >= 0, nonFiniteCount >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container, debugDescription: "bin contents do not match the edges")
        }
        let summary = NumericSummary(
            binning: binning, counts: counts, sums: sums,
            lowerTail: try container.decode([Double].self, forKey: .lowerTail),
            upperTail: try container.decode([Double].self, forKey: .upperTail),
            moments: try container.decode(Moments.self, forKey: .moments),
            missingCount: missingCount, nonFiniteCount: nonFiniteCount)
        do { try summary.validateTails() } catch {
            throw DecodingError.dataCorruptedError(forKey: .lowerTail, in: container, debugDescription: "\(error)")
        }
        self.init(summary: summary, isExact: try container.decode(Bool.self, forKey: .isExact))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(binning.fineEdges, forKey: .edges)
        try container.encode(binning.coarseEdgeIndices, forKey: .coarseEdgeIndices)
        try container.encode(summary.fineCounts, forKey: .counts)
        try container.encode(summary.fineSums.map(LosslessDouble.init), forKey: .sums)
        try container.encode(summary.lowerTail, forKey: .lowerTail)
        try container.encode(summary.upperTail, forKey: .upperTail)
        try container.encode(summary.moments, forKey: .moments)
        try container.encode(summary.missingCount, forKey: .missingCount)
        try container.encode(summary.nonFiniteCount, forKey: .nonFiniteCount)
        try container.encode(isExact, forKey: .isExact)
    }
}
