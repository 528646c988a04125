/// One model prediction, as logged by the serving system.
public struct PredictionEvent: Sendable, Equatable {
    public var model: String
    public var version: String
    /// Unique per prediction; ground-truth labels join on it.
    public var id: String
    /// Event time in epoch milliseconds.
    public var timestamp: Int64
    /// Feature values in the order they appeared; names are unique (the last value wins).
    public var features: [Feature]
    /// The model's score (probability of the positive class), when it logs one.
    public var score: Double?
    /// The predicted class (0 or 1), when logged.
    public var predictedLabel: Int?
    /// Segment attributes (e.g. gender, region) used for fairness and per-segment drift.
    public var segment: [SegmentAttribute]

    public init(
        model: String, version: String, id: String, timestamp: Int64, features: [Feature] = [],
        score: Double? = nil, predictedLabel: Int? = nil, segment: [SegmentAttribute] = []
    ) {
        self.model = model
        self.version = version
        self.id = id
        self.timestamp = timestamp
        self.features = features
        self.score = score
        self.predictedLabel = predictedLabel
        self.segment = segment
    }
}

/// A ground-truth outcome for an earlier prediction.
public struct LabelEvent: Sendable, Equatable {
    /// The id of the prediction this label belongs to.
    public var id: String
    /// Event time in epoch milliseconds (when the outcome became known).
    public var timestamp: Int64
    /// The true class, 0 or 1.
    public var label: Int

    public init(id: String, timestamp: Int64, label: Int) {
        self.id = id
        self.timestamp = timestamp
        self.label = label
    }
}

public enum MonitorEvent: Sendable, Equatable {
    case prediction(PredictionEvent)
    case label(LabelEvent)
}

public struct Feature: Sendable, Equatable {
    public var name: String
    public var value: FeatureValue

    public init(_ name: String, _ value: FeatureValue) {
        self.name = name
        self.value = value
    }
}

/// A feature's value as logged. The event decoder rejects object and array values
/// (``EventRejection/wrongType(field:expected:)``); `.invalid` marks a value of the
/// wrong kind from other sources, a data-quality finding for that feature.
public enum FeatureValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// null, or the key was absent from a feature-path list.
    case missing
    /// An object or array where a scalar was expected.
    case invalid
}

public struct SegmentAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
