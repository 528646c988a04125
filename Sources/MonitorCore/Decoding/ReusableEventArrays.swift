/// The feature and segment arrays of the previous event a decoder built, so that the next
/// event takes over their storage instead of allocating two arrays per message.
///
/// An event shares its arrays with this store. Once its caller is done with it (an engine
/// that processed it and kept nothing of it), the storage is referenced from here alone,
/// and the next event gets it back emptied, without an allocation. An event still held (one
/// waiting for a stream reference, a batch decoded ahead of its engine) keeps its arrays
/// untouched: the next event's are then new ones (copy-on-write), as they always were.
///
/// Cost: two array references; `take()` is O(elements released) and allocates only when
/// the previous event's arrays are still held elsewhere (then arrays of the default
/// capacities, whatever the previous event's were).
struct ReusableEventArrays {
    /// Capacities a new event's arrays start with: one allocation per event rather than one
    /// per doubling when they cannot be reused.
    static let featureCapacity = 16
    static let segmentCapacity = 4

    private var features: [Feature] = []
    private var segment: [SegmentAttribute] = []

    /// Empty arrays for the next event: the previous event's storage when nothing else holds it.
    mutating func take() -> (features: [Feature], segment: [SegmentAttribute]) {
        var taken = (features: features, segment: segment)
        features = []
        segment = []
        Self.empty(&taken.features, capacity: Self.featureCapacity)
        Self.empty(&taken.segment, capacity: Self.segmentCapacity)
        return taken
    }

    /// Empties `array` in place when it is unique. One still held by an earlier event gets
    /// a new buffer: of the default `capacity`, not of the earlier event's (an event with a
    /// thousand features must not make every later event held alongside it as large).
    private static func empty<Element>(_ array: inout [Element], capacity: Int) {
        let storage = array.withUnsafeBufferPointer { $0.baseAddress }
        array.removeAll(keepingCapacity: true)
        if array.capacity > capacity, array.withUnsafeBufferPointer({ $0.baseAddress }) != storage { array = [] }
        array.reserveCapacity(capacity)
    }

    /// Keeps the arrays an event was built with, for the next event.
    mutating func keep(_ arrays: (features: [Feature], segment: [SegmentAttribute])) {
        (features, segment) = arrays
    }
}
