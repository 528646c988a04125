/// Builds a ``ReferenceProfile`` in one pass over reference data of any size.
///
/// Per numeric feature it keeps exact counts of its distinct values while there are at
/// most 1,000 of them (``ExactValueCounts``), a ``KLLSketch`` (the quantile edges and
/// bin masses otherwise), exact ``Moments``, the most extreme values
/// (``ExtremeValues``, for exact tail bins) and missing/non-finite counts; per
/// categorical feature a capped ``CategoricalSummary``. Memory is O(k + tail capacity +
/// 1,000) per numeric feature and O(category capacity) per categorical feature,
/// independent of the row count. The profile is exact:
/// - for a feature with at most 1,000 distinct values, each seen twice on average, at
///   any number of rows (the sketch compacts only beyond 4,096 values): one fine
///   bin per value and equal-width bins in the gaps between values
///   (``ReferenceBinning/init(distinctValues:coarseQuantiles:gapEdgeBudget:)``),
///   true counts and sums, numpy's decile edges — so KS, PSI, JS, Hellinger and
///   Wasserstein are those of the raw data;
/// - otherwise while the sketch has not compacted (fewer than k values): edges are
///   `numpy.quantile` of the data at j/B and bin contents are true counts and sums.
///
/// Kinds are given up front or inferred from the first non-missing value (numbers →
/// numeric, strings and booleans → categorical). Categories are the ``CategoryValue``
/// texts (`16` and `16.0` → "16", `True` → "true"). A value of the other kind is counted
/// as missing for a numeric feature and recorded as its category for a categorical one
/// (`3.5` → "3.5"); `typeMismatchCount` reports how many of these there were, except
/// numbers in a feature declared categorical (integer codes), which are expected.
/// A feature whose values are all missing becomes numeric with no edges.
///
/// Cost: one hash of the feature's name per value (``add(_:to:)``), or none when the
/// caller keeps the feature's index (``featureIndex(of:)``, ``add(_:toFeatureAt:)``);
/// each feature's state is updated in place.
public struct ReferenceProfileBuilder: Sendable {
    public let configuration: ProfileConfiguration
    /// Each feature's index in `names`, `builders` and `isDeclaredCategorical`.
    private var indices: [String: Int] = [:]
    private var names: [String] = []
    private var builders: [FeatureBuilder] = []
    /// Per feature, whether it was given as categorical up front: numbers there are codes, not mismatches.
    private var isDeclaredCategorical: [Bool] = []
    /// Values whose kind disagreed with their feature's kind.
    public private(set) var typeMismatchCount = 0

    private enum FeatureBuilder: Sendable {
        case undetermined(missingCount: Int)
        case numeric(NumericFeatureBuilder)
        case categorical(CategoricalSummary)
    }

    /// - Parameter kinds: known feature kinds; other features are inferred.
    public init(configuration: ProfileConfiguration = ProfileConfiguration(), kinds: [String: FeatureKind] = [:]) throws(ProfileError) {
        try configuration.validate()
        self.configuration = configuration
        for (name, kind) in kinds.sorted(by: { $0.key < $1.key }) {
            let index = featureIndex(of: name)
            builders[index] = makeBuilder(kind, missingCount: 0)
            isDeclaredCategorical[index] = kind == .categorical
        }
    }

    private func makeBuilder(_ kind: FeatureKind, missingCount: Int) -> FeatureBuilder {
        switch kind {
        case .numeric:
            var builder = NumericFeatureBuilder(configuration: configuration)
            builder.missingCount = missingCount
            return .numeric(builder)
        case .categorical:
            var summary = CategoricalSummary(capacity: configuration.categoryCapacity)
            summary.recordMissing(count: missingCount)
            return .categorical(summary)
        }
    }

    /// The index of `feature`'s state, added (its kind undetermined) if it is new; valid
    /// for ``add(_:toFeatureAt:)`` and ``addMissing(count:toFeatureAt:)`` on this builder.
    package mutating func featureIndex(of feature: String) -> Int {
        if let index = indices[feature] { return index }
        let index = names.count
        indices[feature] = index
        names.append(feature)
        builders.append(.undetermined(missingCount: 0))
        isDeclaredCategorical.append(false)
        return index
    }

    /// Adds one value of `feature`.
    public mutating func add(_ value: FeatureObservation, to feature: String) {
        add(value, toFeatureAt: featureIndex(of: feature))
    }

    /// Adds one value of the feature at `index` (from ``featureIndex(of:)``).
    package mutating func add(_ value: FeatureObservation, toFeatureAt index: Int) {
        // Taken out of the array, so the summary bound below is the only reference to its
        // storage and is updated in place (a copy shared with the array would copy the
        // sketch on each add).
        var builder = FeatureBuilder.undetermined(missingCount: 0)
        swap(&builder, &builders[index])
        if case let .undetermined(missing) = builder, let kind = value.inferredKind {
            builder = makeBuilder(kind, missingCount: missing)
        }
        switch (consume builder, value) {
        case (.undetermined(let missing), _):
            builder = .undetermined(missingCount: missing + 1)
        case (.numeric(var numeric), _):
            switch value {
            case let .number(number): numeric.add(number)
            case .missing: numeric.missingCount += 1
            case .text, .flag:
                numeric.missingCount += 1
                typeMismatchCount += 1
            }
            builder = .numeric(numeric)
        case (.categorical(var summary), _):
            summary.update(CategoryValue.category(of: value))
            if case let .number(number) = value, !number.isNaN, !isDeclaredCategorical[index] { typeMismatchCount += 1 }
            builder = .categorical(summary)
        }
        swap(&builder, &builders[index])
    }

    /// Adds `count` missing values of `feature` at once: the same as `count` calls of
    /// ``add(_:to:)`` with `.missing` (missing values are only counted), in O(1).
    public mutating func addMissing(count: Int, to feature: String) {
        guard count > 0 else { return }  // no feature made for nothing
        addMissing(count: count, toFeatureAt: featureIndex(of: feature))
    }

    /// ``addMissing(count:to:)`` for the feature at `index` (from ``featureIndex(of:)``).
    package mutating func addMissing(count: Int, toFeatureAt index: Int) {
        guard count > 0 else { return }
        var builder = FeatureBuilder.undetermined(missingCount: 0)
        swap(&builder, &builders[index])  // taken out, as in `add(_:toFeatureAt:)`
        switch consume builder {
        case let .undetermined(missing):
            builder = .undetermined(missingCount: missing + count)
        case var .numeric(numeric):
            numeric.missingCount += count
            builder = .numeric(numeric)
        case var .categorical(summary):
            summary.recordMissing(count: count)
            builder = .categorical(summary)
        }
        swap(&builder, &builders[index])
    }

    /// Adds a row: one value per feature named in it.
    public mutating func add(row: [String: FeatureObservation]) {
        for (feature, value) in row { add(value, to: feature) }
    }

    /// The immutable profile of everything added.
    public func finish() -> ReferenceProfile {
        var profiles: [String: FeatureProfile] = [:]
        for (name, builder) in zip(names, builders) {
            switch builder {
            case let .undetermined(missing):
                var empty = NumericFeatureBuilder(configuration: configuration)
                empty.missingCount = missing
                profiles[name] = .numeric(empty.finish())
            case let .numeric(numeric):
                profiles[name] = .numeric(numeric.finish())
            case let .categorical(summary):
                profiles[name] = .categorical(CategoricalReference(summary: summary))
            }
        }
        return ReferenceProfile(configuration: configuration, features: profiles)
    }
}

/// One-pass state of a numeric reference feature.
struct NumericFeatureBuilder: Sendable {
    let configuration: ProfileConfiguration
    var sketch: KLLSketch
    var exactCounts = ExactValueCounts()
    var extremes: ExtremeValues
    var moments = Moments()
    var missingCount = 0
    var nonFiniteCount = 0

    init(configuration: ProfileConfiguration) {
        self.configuration = configuration
        sketch = KLLSketch(k: configuration.sketchK)
        extremes = ExtremeValues(capacity: configuration.tailCapacity)
    }

    mutating func add(_ value: Double) {
        guard value.isFinite else {
            if value.isNaN { missingCount += 1 } else { nonFiniteCount += 1 }
            return
        }
        sketch.update(value)
        exactCounts.update(value)
        extremes.update(value)
        moments.update(value)
    }

    /// Exact value bins need values that repeat: a small sample of mostly distinct values
    /// (a continuous feature) would leave wide gaps whose current mass is only known by
    /// count and sum, where numpy's quantile edges (exact below k rows) resolve it better.
    static let minimumRowsPerDistinctValue = 2

    /// The exact profile while the distinct values were counted and repeat, else the sketch's.
    func finish() -> NumericReference {
        if let distinct = exactCounts.sortedCounts, distinct.totalCount > 0,
           distinct.totalCount >= Self.minimumRowsPerDistinctValue * distinct.values.count {
            return finish(distinct)
        }
        return finishFromSketch()
    }

    /// Edges at and just below every distinct value, equal-width edges inside the gaps up
    /// to the configured fine bins, and numpy's decile edges; true counts and sums
    /// (nothing lies in the outer bins or the gaps).
    private func finish(_ distinct: SortedValueCounts) -> NumericReference {
        let coarseBins = configuration.coarseBinCount
        let quantiles = (1..<coarseBins).map { distinct.quantile(Double($0) / Double(coarseBins))! }
        // Finite, strictly increasing values and quantiles within their range: always valid.
        let binning = try! ReferenceBinning(distinctValues: distinct.values, coarseQuantiles: quantiles,
                                            gapEdgeBudget: configuration.fineBinCount)
        var counts = [Double](repeating: 0, count: binning.fineBinCount)
        var sums = counts
        for (value, count) in zip(distinct.values, distinct.counts) {
            let bin = binning.fineBin(of: value)
            counts[bin] += Double(count)
            sums[bin] += Double(count) * value
        }
        let summary = NumericSummary(binning: binning, counts: counts, sums: sums, lowerTail: [], upperTail: [],
                                     moments: moments, missingCount: missingCount, nonFiniteCount: nonFiniteCount)
        return NumericReference(summary: summary, isExact: true)
    }

    /// Edges from the sketch's quantiles at j/B, bin counts and sums from its weighted
    /// items, outer bins from the exact extremes when they cover them.
    private func finishFromSketch() -> NumericReference {
        let view = sketch.sortedView()
        let fineBins = configuration.fineBinCount
        let quantiles = (1..<fineBins).compactMap { view.quantile(Double($0) / Double(fineBins)) }
        // The configuration was validated and sketch quantiles are finite and sorted, so
        // the binning is always valid; with no finite values there are no edges at all.
        let binning = quantiles.isEmpty
            ? try! ReferenceBinning(fineEdges: [], coarseEdgeIndices: [])
            : try! ReferenceBinning(quantiles: quantiles, coarseBinCount: configuration.coarseBinCount)
        let edges = binning.fineEdges
        var counts = [Double](repeating: 0, count: binning.fineBinCount)
        var sums = counts
        var bin = 0
        for (item, weight) in zip(view.items, view.weights) {
            while bin < edges.count, item > edges[bin] { bin += 1 }
            counts[bin] += weight
            sums[bin] += weight * item
        }
        // Outer bins: exact values when the kept extremes cover them.
        var lowerTail: [Double] = []
        var upperTail: [Double] = []
        if let first = edges.first, let values = extremes.values(atOrBelow: first) {
            lowerTail = values
            (counts[0], sums[0]) = (Double(values.count), values.reduce(0, +))
        }
        if let last = edges.last, let values = extremes.values(above: last) {
            upperTail = values
            (counts[edges.count], sums[edges.count]) = (Double(values.count), values.reduce(0, +))
        }
        let summary = NumericSummary(binning: binning, counts: counts, sums: sums, lowerTail: lowerTail, upperTail: upperTail,
                                     moments: moments, missingCount: missingCount, nonFiniteCount: nonFiniteCount)
        return NumericReference(summary: summary, isExact: sketch.isExact)
    }
}
