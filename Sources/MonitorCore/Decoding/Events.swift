/// One model prediction, as logged by the serving system.
package struct PredictionEvent: Sendable, Equatable {
    package var model: String
    package var version: String
    /// Unique per prediction; ground-truth labels join on it.
    package var id: String
    /// Event time in epoch milliseconds.
    package var timestamp: Int64
    /// Feature values in the order they appeared; names are unique (the last value wins).
    package var features: [Feature]
    /// What the model predicted, of its model's type.
    package var output: PredictionOutput
    /// Segment attributes (e.g. gender, region) used for fairness and per-segment drift.
    package var segment: [SegmentAttribute]

    package init(
        model: String, version: String, id: String, timestamp: Int64, features: [Feature] = [],
        output: PredictionOutput, segment: [SegmentAttribute] = []
    ) {
        self.model = model
        self.version = version
        self.id = id
        self.timestamp = timestamp
        self.features = features
        self.output = output
        self.segment = segment
    }

    /// A binary classifier's prediction.
    package init(
        model: String, version: String, id: String, timestamp: Int64, features: [Feature] = [],
        score: Double? = nil, predictedLabel: Int? = nil, segment: [SegmentAttribute] = []
    ) {
        self.init(model: model, version: version, id: id, timestamp: timestamp, features: features,
                  output: .binary(class: predictedLabel, score: score), segment: segment)
    }

    /// The numeric output, which output drift watches as the `score` subject: a binary
    /// classifier's score (probability of the positive class) when it logs one, or a
    /// regression model's predicted value.
    package var score: Double? {
        switch output {
        case let .binary(_, score): score
        case let .regression(value): value
        case .multiclass: nil
        }
    }

    /// A binary classifier's predicted class (0 or 1), when logged.
    package var predictedLabel: Int? {
        if case let .binary(predicted, _) = output { predicted } else { nil }
    }

    /// The predicted class as the `@prediction` subject counts it: a binary classifier's
    /// class by its text ("0", "1"), a multiclass classifier's class; nil for a regression
    /// model or a binary prediction without a class.
    package var predictedCategory: String? {
        switch output {
        case let .binary(predicted, _): predicted.map(OutputSubject.category(ofPredictedClass:))
        case .regression: nil
        case let .multiclass(predicted, _): predicted
        }
    }
}

/// What a prediction holds, by its model's type (``ModelType``).
package enum PredictionOutput: Sendable, Equatable {
    /// A binary classifier's predicted class (0 or 1) and score (probability of the
    /// positive class), each when logged.
    case binary(class: Int?, score: Double?)
    /// A regression model's predicted value.
    case regression(Double)
    /// A multiclass classifier's predicted class (integers by their text, "2") and, when
    /// logged, the probability it gave each class (a class it does not name got 0).
    case multiclass(class: String, probabilities: [String: Double]?)

    package var type: ModelType {
        switch self {
        case .binary: .binary
        case .regression: .regression
        case .multiclass: .multiclass
        }
    }
}

/// A ground-truth outcome for an earlier prediction.
package struct LabelEvent: Sendable, Equatable {
    /// The id of the prediction this label belongs to.
    package var id: String
    /// Event time in epoch milliseconds (when the outcome became known).
    package var timestamp: Int64
    /// The true class or value.
    package var value: LabelValue

    package init(id: String, timestamp: Int64, value: LabelValue) {
        self.id = id
        self.timestamp = timestamp
        self.value = value
    }

    /// A binary classifier's label: the true class, 0 or 1.
    package init(id: String, timestamp: Int64, label: Int) {
        self.init(id: id, timestamp: timestamp, value: .class(label))
    }
}

/// A label as decoded. A label names no model, so its meaning comes from the prediction
/// it joins: a boolean (or, while no model is a regression model, a 0 or 1) is a class;
/// while some model is a regression model, a number is a value, which a binary
/// classifier's prediction takes as its class when it is 0 or 1; while some model is a
/// multiclass classifier, a string (or an integer other than 0 and 1) is a named class,
/// which a multiclass classifier's prediction takes by its text.
package enum LabelValue: Sendable, Equatable, Hashable {
    case `class`(Int)
    case value(Double)
    /// A multiclass classifier's class, by name (integers by their text).
    case named(String)

    /// The label as a binary class: 0 or 1, or nil for another value.
    package var binaryClass: Int? {
        switch self {
        case let .class(label): label
        case let .value(value): value == 0 || value == 1 ? Int(value) : nil
        case .named: nil
        }
    }

    /// The label as a regression target (nil for a named class).
    package var number: Double? {
        switch self {
        case let .class(label): Double(label)
        case let .value(value): value
        case .named: nil
        }
    }

    /// The label as a multiclass classifier's class: a name, or an integer by its text
    /// (nil for a number that is not an integer).
    package var className: String? {
        switch self {
        case let .class(label): String(label)
        case let .value(value): LabelValue.integerText(value)
        case let .named(name): name
        }
    }

    /// An integral number as a class name ("2"), nil for another number.
    static func integerText(_ value: Double) -> String? {
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else { return nil }
        return String(Int64(value))
    }
}

package enum MonitorEvent: Sendable, Equatable {
    case prediction(PredictionEvent)
    case label(LabelEvent)
}

package struct Feature: Sendable, Equatable {
    package var name: String
    package var value: FeatureValue

    package init(_ name: String, _ value: FeatureValue) {
        self.name = name
        self.value = value
    }
}

/// A feature's value as logged. The event decoder rejects object and array values
/// (``EventRejection/wrongType(field:expected:)``); `.invalid` marks a value of the
/// wrong kind from other sources, a data-quality finding for that feature.
package enum FeatureValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// null, or the key was absent from a feature-path list.
    case missing
    /// An object or array where a scalar was expected.
    case invalid
}

package struct SegmentAttribute: Sendable, Equatable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
