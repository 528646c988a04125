/// What kind of model a model name serves: what its predictions and labels hold and which
/// statistics its performance windows keep. Declared per model in the configuration file
/// (`models: {house-price: {type: regression}}`); a model not declared is binary.
package enum ModelType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A binary classifier: a score (probability of the positive class) and/or a predicted
    /// class, 0 or 1; its labels are 0 or 1.
    case binary
    /// A regression model: a numeric prediction; its labels are numbers.
    case regression
    /// A multiclass classifier: a predicted class (a string, or an integer by its text) and
    /// optionally a probability per class; its labels are classes.
    case multiclass

    package var description: String { rawValue }

    /// Whether the model type has nothing for rules of `scope` to watch: a regression model
    /// has no predicted class (`prediction`), a multiclass classifier no score (`score`).
    package func lacks(_ scope: RuleScope) -> Bool {
        switch (self, scope) {
        case (.regression, .prediction), (.multiclass, .score): true
        default: false
        }
    }
}

/// The declared type of each model (the configuration's `models` section).
package struct ModelTypes: Sendable, Equatable {
    package private(set) var declared: [String: ModelType] = [:]

    package init(_ declared: [String: ModelType] = [:]) {
        self.declared = declared
    }

    /// The type of `model`: declared, or binary. Asked per decoded prediction: with no model
    /// declared (every model binary) it does not hash the name.
    package subscript(model: String) -> ModelType {
        declared.isEmpty ? .binary : declared[model] ?? .binary
    }

    package mutating func declare(_ model: String, _ type: ModelType) {
        declared[model] = type
    }

    /// Whether some model is a regression model: only then does the decoder read the
    /// `prediction` field and take labels other than 0 and 1 (a label names no model).
    package var hasRegression: Bool { declared.values.contains(.regression) }

    /// Whether some model is a multiclass classifier: only then does the decoder read the
    /// `probabilities` field and take classes other than 0 and 1 (text or integers).
    package var hasMulticlass: Bool { declared.values.contains(.multiclass) }
}
