import Foundation

/// Reads committed reference vectors from `fixtures/vectors/` at the repository root.
///
/// The vectors were generated once by the scripts in `Tests/ReferenceVectors/`
/// (scipy, scikit-learn, River, Fairlearn); tests never run Python.
enum Fixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // DriftCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// Decodes `fixtures/vectors/<name>.json`.
    static func vectors<Value: Decodable>(_ name: String, as _: Value.Type = Value.self) throws -> Value {
        let url = repositoryRoot.appendingPathComponent("fixtures/vectors/\(name).json")
        return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
    }
}
