import DriftCore

/// Features a model version's predictions name that its reference does not have — a
/// feature added to the model after its stream reference was built, or missing from the
/// profile it is compared with. Nothing can be said of their drift (there is no reference
/// distribution), so their values are counted and their names kept rather than skipped in
/// silence: `replay`'s run summary lists them, `serve` counts them
/// (`driftwatch_feature_values_not_in_reference_total`, `counters.featureValuesNotInReference`)
/// and names them by version on `/v1/status` (`featuresNotInReference`).
///
/// Memory: at most ``maximumNames`` names (the first ones seen; further names' values are
/// still counted). Cost: O(1) per value; a name is noted only when the version's slot
/// cache misses (``FeaturePositionCache``), O(``maximumNames``) then.
package struct UnreferencedFeatures: Equatable, Sendable {
    package static let maximumNames = 32

    /// Names, in the order first seen.
    private(set) var names: [String] = []
    /// Values of features not in the reference.
    private(set) var values = 0
    /// Names added since the last ``takeNewlyNamed()``, with the event time of the
    /// prediction that named them first: what the engine says once each
    /// (`feature_not_in_reference`). The engine takes them whenever the version records
    /// predictions (its own, another version's time moving on, the end of input), so they
    /// are empty whenever a checkpoint is taken (not encoded).
    private var newlyNamed: [NewName] = []

    package struct NewName: Equatable, Sendable {
        package var name: String
        package var firstTimestamp: Int64
    }

    init() {}

    /// Notes `name`, named by a prediction at `timestamp` (epoch milliseconds).
    mutating func note(_ name: String, at timestamp: Int64) {
        guard names.count < Self.maximumNames, !names.contains(name) else { return }
        names.append(name)
        newlyNamed.append(NewName(name: name, firstTimestamp: timestamp))
    }

    /// The names noted since the last call.
    mutating func takeNewlyNamed() -> [NewName] {
        guard !newlyNamed.isEmpty else { return [] }
        defer { newlyNamed = [] }
        return newlyNamed
    }

    mutating func countValue() { values += 1 }

    func encode(to writer: inout BinaryWriter) {
        writer.writeCounter(values)
        writer.write(strings: names)
    }

    init(from reader: inout BinaryReader) throws {
        values = try reader.readCounter()
        names = try reader.readStrings()
        guard names.count <= Self.maximumNames, Set(names).count == names.count else {
            throw SerializationError.invalidValue("\(names.count) features not in the reference, more than \(Self.maximumNames) or repeated")
        }
    }
}

/// One version's features not in its reference, as the engine reports them (`replay`'s run
/// summary, `serve`'s `/v1/status`).
package struct FeaturesNotInReference: Codable, Sendable, Equatable {
    package var model: String
    package var version: String
    /// The features' names, in the order first seen (at most ``UnreferencedFeatures/maximumNames``;
    /// the values of further names are counted).
    package var features: [String]
    package var values: Int

    package init(model: String, version: String, features: [String], values: Int) {
        self.model = model
        self.version = version
        self.features = features
        self.values = values
    }
}
