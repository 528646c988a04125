/// "Did you mean" suggestions for misspelt keys, metrics and names.
package enum Suggestions {
    /// The candidates closest to `word` by edit distance, best first; only those within
    /// a third of the word's length (at least 1, at most 3 edits), so unrelated words are not offered.
    package static func closest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let lowered = Array(word.lowercased().unicodeScalars)
        let allowed = min(3, max(1, lowered.count / 3))
        return candidates
            .map { (candidate: $0, distance: editDistance(lowered, Array($0.lowercased().unicodeScalars))) }
            .filter { $0.distance <= allowed }
            .sorted { ($0.distance, $0.candidate) < ($1.distance, $1.candidate) }
            .prefix(limit)
            .map(\.candidate)
    }

    /// ` (did you mean 'x'?)` or ` (did you mean 'x', 'y'?)`, or an empty string.
    package static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String {
        let matches = closest(to: word, in: candidates)
        guard !matches.isEmpty else { return "" }
        return "; did you mean " + matches.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and
    /// adjacent transpositions each cost 1 (so `treshold`/`thresold` are one edit away).
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previousPrevious[j - 2] + 1)
                }
                current[j] = best
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
