import DriftCore
import Foundation
import MonitorCore

/// `profile.json`: a reference profile and, optionally, the model and version it describes,
/// the outcomes of its labelled predictions and the spread of its statistics over chunks.
///
/// Written as `{"model": …, "version": …, "profile": {…}, "outcomes": {…}, "chunks": {…}}`;
/// older files without outcomes or chunks load (what rules then cannot use is reported by
/// ``MonitorEngine/referenceGaps``); a bare profile object (the ``ReferenceProfile`` JSON
/// alone) is read too.
package struct ProfileDocument: Sendable, Equatable, Codable {
    package var model: String?
    package var version: String?
    package var profile: ReferenceProfile
    package var outcomes: ReferenceOutcomes?
    package var chunks: ReferenceChunks?

    package init(model: String? = nil, version: String? = nil, profile: ReferenceProfile, outcomes: ReferenceOutcomes? = nil, chunks: ReferenceChunks? = nil) {
        self.model = model
        self.version = version
        self.profile = profile
        self.outcomes = outcomes
        self.chunks = chunks
    }

    package static func decode(_ data: Data) throws -> ProfileDocument {
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        if object?["profile"] != nil { return try JSONDecoder().decode(ProfileDocument.self, from: data) }
        return ProfileDocument(profile: try JSONDecoder().decode(ReferenceProfile.self, from: data))
    }

    package static func load(path: String) throws -> ProfileDocument {
        do {
            return try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError("cannot read reference profile \(path): \(error)")
        }
    }

    /// Pretty-printed with sorted keys, so the same data always gives the same file.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension ReferenceProfiles {
    /// Registers a profile file's profile, outcomes and chunk spread under the model and
    /// version it names (all when it names none).
    package mutating func set(_ document: ProfileDocument, identifier: String) {
        set(ProvidedReference(profile: document.profile, identifier: identifier, outcomes: document.outcomes,
                              chunkStatistics: document.chunks?.statistics ?? [:]),
            model: document.model ?? "*", version: document.version ?? "*")
    }
}

extension KnownNames {
    /// A profile file's features and, when it names them, its model and version.
    package init(profile: ProfileDocument, source: String = "the profile") {
        self.init(profile: profile.profile, model: profile.model, version: profile.version, source: source)
    }
}
