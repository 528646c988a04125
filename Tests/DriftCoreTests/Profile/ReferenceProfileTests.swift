import Foundation
import Testing
@testable import DriftCore

@Suite struct ReferenceProfileTests {
    /// A profile with every feature shape: exact numeric, compacted numeric with a heavy
    /// tail, constant, all-missing, categorical with overflow.
    static let profile: ReferenceProfile = {
        var builder = try! ReferenceProfileBuilder(configuration: ProfileConfiguration(categoryCapacity: 20, sketchK: 512))
        for index in 0..<6000 {
            let x = Double((index * 7919) % 6007) / 6007
            builder.add(.number(x * 3 - 1), to: "small")
            builder.add(.number((x - 0.5) / (1.0001 - x)), to: "tail")
            builder.add(.number(4.25), to: "constant")
            builder.add(.missing, to: "empty")
            builder.add(index % 11 == 0 ? .missing : .text("c\(index % 29)"), to: "colour")
        }
        return builder.finish()
    }()

    @Test func binaryBlobRoundTripsExactly() throws {
        let bytes = Self.profile.serialized()
        let decoded = try ReferenceProfile(serialized: bytes)
        #expect(decoded == Self.profile)
        #expect(decoded.serialized() == bytes)
    }

    @Test func jsonRoundTripsExactly() throws {
        let json = try JSONEncoder().encode(Self.profile)
        let decoded = try JSONDecoder().decode(ReferenceProfile.self, from: json)
        #expect(decoded == Self.profile)
        #expect(decoded.serialized() == Self.profile.serialized())
    }

    @Test func truncatedOrCorruptedBlobsAreErrors() throws {
        let bytes = Self.profile.serialized()
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: SerializationError.self) { try ReferenceProfile(serialized: Array(bytes[..<length])) }
        }
        for index in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 100)) {
            var corrupted = bytes
            corrupted[index] ^= 0x20
            #expect(throws: SerializationError.self) { try ReferenceProfile(serialized: corrupted) }
        }
    }

    @Test func inconsistentJSONIsAnError() throws {
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.profile)) as? [String: Any])
        var features = try #require(object["features"] as? [String: Any])
        var small = try #require(features["small"] as? [String: Any])
        var numeric = try #require(small["numeric"] as? [String: Any])
        numeric["edges"] = [2.0, 1.0]
        small["numeric"] = numeric
        features["small"] = small
        object["features"] = features
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ReferenceProfile.self, from: data) }

        var badConfiguration = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.profile)) as? [String: Any])
        badConfiguration["configuration"] = ["fineBinCount": 1001, "coarseBinCount": 10, "categoryCapacity": 5, "sketchK": 64, "tailCapacity": 8]
        let configurationData = try JSONSerialization.data(withJSONObject: badConfiguration)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ReferenceProfile.self, from: configurationData) }
    }

    @Test func describesEachFeature() throws {
        guard case let .numeric(small) = Self.profile.features["small"], case let .numeric(tail) = Self.profile.features["tail"],
              case let .numeric(constant) = Self.profile.features["constant"] else {
            Issue.record("kinds")
            return
        }
        #expect(!small.isExact && !tail.isExact)
        // k = 512 retains ~1,500 items, so some of the 999 estimated quantiles coincide and merge.
        #expect(small.binning.fineBinCount > 400)
        #expect(abs(small.fineProportions.reduce(0, +) - 1) < 1e-12)
        #expect(small.coarseProportions.count == 10)
        // Exact value counts: a bin (4.25⁻, 4.25] of its own; the coarse edge 4.25 splits the line in two.
        #expect(constant.binning.fineEdges == [(4.25).nextDown, 4.25] && constant.coarseProportions == [1, 0])
        // Outer tails come from the exact extremes even after compaction.
        let upperEdge = try #require(tail.binning.fineEdges.last)
        #expect(tail.summary.count(inFineBin: tail.binning.fineBinCount - 1) == Double(tailValues.filter { $0 > upperEdge }.count))
        if case let .categorical(colour) = Self.profile.features["colour"] {
            #expect(colour.summary.counts.count == 20 && colour.summary.overflowCount > 0)
        } else {
            Issue.record("colour kind")
        }
    }

    var tailValues: [Double] {
        (0..<6000).map { index in
            let x = Double((index * 7919) % 6007) / 6007
            return (x - 0.5) / (1.0001 - x)
        }
    }
}
