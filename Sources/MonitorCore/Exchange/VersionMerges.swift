import DriftCore

/// What a merge task holds (issue 11, plan step 3): a ``PaneMerge`` for each model version
/// whose hand-overs reach it, and every source partition's latest watermark. A join task
/// sends its partition's watermark to every merge task, as it cannot know the versions it
/// never saw; here it moves on each version's merge (see
/// ``PaneMerge/receiveIdle(source:before:)``), and a version whose first hand-over comes
/// later starts from those watermarks, so that no source that never had the version holds
/// it back.
///
/// The order a join task sends in makes this safe: it hands over a version up to its
/// partition's boundary (a new version's first hand-over included) before it sends that
/// boundary as its partition's watermark, and both reach the version's merge task in that
/// order (one producer, one partition of the exchange topic).
///
/// Complexity: a record O(1) to find its version's merge; a watermark O(versions);
/// ``judge()`` visits every version in key order. Memory: one ``PaneMerge`` per version
/// (the engine's version cap bounds them).
package struct VersionMerges<Pane: WindowPane> {
    package struct Key: Hashable, Comparable, Sendable {
        package var model: String
        package var version: String

        package static func < (left: Key, right: Key) -> Bool { (left.model, left.version) < (right.model, right.version) }
    }

    /// A version's merge and its change detectors.
    private struct Version {
        var merge: PaneMerge<Pane>
        var detectors: VersionDetectors
    }

    private var versions: [Key: Version] = [:]
    /// Each source partition's latest watermark (`.min` before any).
    private var partitionWatermarks: [Int64]
    private let makeVersion: (Key) -> (merge: PaneMerge<Pane>, detectors: VersionDetectors)

    /// Merges of `sources` source partitions; `makeVersion` makes a version's merge (its
    /// windows, sources and tracker) and change detectors when its first record comes.
    package init(sources: Int, makeVersion: @escaping (Key) -> (merge: PaneMerge<Pane>, detectors: VersionDetectors)) {
        partitionWatermarks = Array(repeating: .min, count: sources)
        self.makeVersion = makeVersion
    }

    package var keys: [Key] { versions.keys.sorted() }

    /// The version's merge (nil before its first record).
    package func merge(of key: Key) -> PaneMerge<Pane>? { versions[key]?.merge }

    /// Takes a hand-over of `key`'s version, starting its merge from the sources'
    /// partition watermarks when it is the first.
    package mutating func receive(_ record: HandOver<Pane>, of key: Key) -> PaneMerge<Pane>.Reception {
        if versions[key] == nil {
            var made = makeVersion(key)
            for (source, boundary) in partitionWatermarks.enumerated() where boundary != .min {
                made.merge.receiveIdle(source: source, before: boundary)
            }
            versions[key] = Version(merge: made.merge, detectors: made.detectors)
        }
        return versions[key]!.merge.receive(record)
    }

    /// Takes a source partition's watermark: panes before `boundary` are closed there.
    package mutating func receiveWatermark(source: Int, before boundary: Int64) {
        guard partitionWatermarks.indices.contains(source), boundary > partitionWatermarks[source] else { return }
        partitionWatermarks[source] = boundary
        for key in versions.keys { versions[key]!.merge.receiveIdle(source: source, before: boundary) }
    }

    /// Judges every version (see ``PaneMerge/judge(detectors:)``), in key order; versions
    /// with nothing new are left out.
    package mutating func judge() -> [(key: Key, judged: PaneMerge<Pane>.Judged)] {
        keys.compactMap { key in
            var version = versions.removeValue(forKey: key)!
            let judged = version.merge.judge(detectors: &version.detectors)
            versions[key] = version
            return judged.drift.isEmpty && judged.performance.isEmpty ? nil : (key, judged)
        }
    }
}
