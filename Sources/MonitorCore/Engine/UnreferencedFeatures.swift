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

    init() {}

    mutating func note(_ name: String) {
        if names.count < Self.maximumNames, !names.contains(name) { names.append(name) }
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
