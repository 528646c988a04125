/// Resolution and bounds of a reference profile, fixed when it is built.
public struct ProfileConfiguration: Sendable, Equatable, Codable {
    /// Fine histogram bins per numeric feature (B); a multiple of `coarseBinCount`.
    public var fineBinCount: Int
    /// PSI/JS/Hellinger bins (b): the reference quantiles at i/b.
    public var coarseBinCount: Int
    /// Distinct categories counted exactly per categorical feature.
    public var categoryCapacity: Int
    /// KLL accuracy parameter of the one-pass builder.
    public var sketchK: Int
    /// Extreme values kept exactly at each end, for exact outer-bin tails.
    public var tailCapacity: Int

    public init(fineBinCount: Int = 1000, coarseBinCount: Int = 10, categoryCapacity: Int = CategoricalSummary.defaultCapacity,
                sketchK: Int = KLLSketch.defaultK, tailCapacity: Int = 4096) {
        self.fineBinCount = fineBinCount
        self.coarseBinCount = coarseBinCount
        self.categoryCapacity = categoryCapacity
        self.sketchK = sketchK
        self.tailCapacity = tailCapacity
    }

    /// Throws when the settings cannot describe a profile.
    public func validate() throws(ProfileError) {
        guard coarseBinCount >= 1, fineBinCount >= coarseBinCount, fineBinCount % coarseBinCount == 0 else {
            throw .invalidConfiguration("fine bins (\(fineBinCount)) must be a positive multiple of coarse bins (\(coarseBinCount))")
        }
        guard fineBinCount <= 1 << 20 else { throw .invalidConfiguration("at most 2^20 fine bins") }
        guard categoryCapacity >= 0, sketchK >= 8, tailCapacity >= 1 else {
            throw .invalidConfiguration("category capacity ≥ 0, sketch k ≥ 8 and tail capacity ≥ 1 required")
        }
    }
}

extension ProfileConfiguration: BinaryCodable {
    public func encode(to writer: inout BinaryWriter) {
        for value in [fineBinCount, coarseBinCount, categoryCapacity, sketchK, tailCapacity] { writer.writeCount(value) }
    }

    public init(from reader: inout BinaryReader) throws {
        self.init(fineBinCount: try reader.readCount(), coarseBinCount: try reader.readCount(),
                  categoryCapacity: try reader.readCount(), sketchK: try reader.readCount(), tailCapacity: try reader.readCount())
        do { try validate() } catch { throw SerializationError.invalidValue(error.description) }
    }
}

extension ProfileConfiguration {
    private enum CodingKeys: String, CodingKey { case fineBinCount, coarseBinCount, categoryCapacity, sketchK, tailCapacity }

    /// Decodes and validates, so a hand-edited `profile.json` cannot describe an impossible profile.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(fineBinCount: try container.decode(Int.self, forKey: .fineBinCount),
                  coarseBinCount: try container.decode(Int.self, forKey: .coarseBinCount),
                  categoryCapacity: try container.decode(Int.self, forKey: .categoryCapacity),
                  sketchK: try container.decode(Int.self, forKey: .sketchK),
                  tailCapacity: try container.decode(Int.self, forKey: .tailCapacity))
        do { try validate() } catch {
            throw DecodingError.dataCorruptedError(forKey: .fineBinCount, in: container, debugDescription: error.description)
        }
    }
}

/// Why a profile could not be built or used.
public enum ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(reason): "invalid profile configuration: \(reason)"
        }
    }
}

/// Whether a feature's values are compared as numbers or as categories.
public enum FeatureKind: String, Sendable, Equatable, Codable {
    case numeric
    case categorical
}

/// One raw value of a feature, as the profile builder receives it.
public enum FeatureObservation: Sendable, Equatable {
    case number(Double)
    case text(String)
    case flag(Bool)
    case missing

    /// The kind this value suggests when a feature's kind is inferred:
    /// numbers → numeric, strings and booleans → categorical, missing → none.
    public var inferredKind: FeatureKind? {
        switch self {
        case .number: .numeric
        case .text, .flag: .categorical
        case .missing: nil
        }
    }
}
