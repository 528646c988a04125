/// What was found for each feature name of the previous event, by position: events of one
/// model nearly always list their features in the same order, so comparing the name with
/// the one at that position before (a fast compare of identical strings) usually replaces
/// hashing it. Used for a feature's slot in the drift panes (``SlotCache``) and its index
/// in a profile (``DatasetProfiler``).
///
/// Correct only when the lookup's answer for a name never changes (it is cached).
/// Memory: the names and values of at most ``maximumPositions`` positions; features
/// further along are always looked up. Cost: O(1) string compare on a hit, the lookup plus
/// O(1) on a miss.
struct FeaturePositionCache<Value> {
    static var maximumPositions: Int { 4096 }

    private var names: [String] = []
    private var values: [Value] = []

    /// The value for `name` at `position`: the cached one when the previous event had the
    /// same name there, else `lookup(name)`, which is cached for the next event.
    mutating func value(of name: String, at position: Int, lookup: (String) -> Value) -> Value {
        if position < names.count, names[position] == name { return values[position] }
        let value = lookup(name)
        if position < names.count {
            names[position] = name
            values[position] = value
        } else if position == names.count, position < Self.maximumPositions {
            names.append(name)
            values.append(value)
        }
        return value
    }
}

/// Each feature's slot in a version's ``FeatureLayout``, by position (nil: not a reference feature).
typealias SlotCache = FeaturePositionCache<FeatureLayout.Slot?>

extension FeaturePositionCache: Sendable where Value: Sendable {}
