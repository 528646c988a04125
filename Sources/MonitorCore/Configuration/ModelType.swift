/// What kind of model a model name serves: what its predictions and labels hold and which
/// statistics its performance windows keep. Declared per model in the configuration file
/// (`models: {house-price: {type: regression}}`); a model not declared gets the type of its
/// first prediction (``ModelType/inferred(score:predictedClass:prediction:probabilities:)``).
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

    /// The type a prediction of a model not declared shows: a class other than 0 and 1 (a
    /// string or another integer) or class probabilities make a multiclass classifier; a
    /// `prediction` value without a score or class a regression model; anything else a
    /// binary classifier.
    static func inferred(score: Bool, binaryClass: Bool, otherClass: Bool, prediction: Bool, probabilities: Bool) -> ModelType {
        if otherClass || probabilities { return .multiclass }
        if prediction, !score, !binaryClass { return .regression }
        return .binary
    }

    /// Whether the model type has nothing for rules of `scope` to watch: a regression model
    /// has no predicted class (`prediction`), a multiclass classifier no score (`score`).
    package func lacks(_ scope: RuleScope) -> Bool {
        switch (self, scope) {
        case (.regression, .prediction), (.multiclass, .score): true
        default: false
        }
    }
}

/// Each model's type: declared (the configuration's `models` section), or inferred from its
/// first prediction (by the engine, for a model not declared; bounded by the model cap).
package struct ModelTypes: Sendable, Equatable {
    package private(set) var declared: [String: ModelType] = [:]
    package private(set) var inferred: [String: ModelType] = [:]

    package init(_ declared: [String: ModelType] = [:]) {
        self.declared = declared
    }

    /// The type of `model`: declared, inferred, or binary. With no model declared or
    /// inferred it does not hash the name.
    package subscript(model: String) -> ModelType {
        knownType(of: model) ?? .binary
    }

    /// The declared type of `model`, nil for a model not declared.
    package func declaredType(of model: String) -> ModelType? {
        declared.isEmpty ? nil : declared[model]
    }

    /// The declared or inferred type of `model`, nil for a model seen by neither.
    package func knownType(of model: String) -> ModelType? {
        declaredType(of: model) ?? (inferred.isEmpty ? nil : inferred[model])
    }

    /// Whether some model is declared or was inferred to be of `type`.
    package func contains(_ type: ModelType) -> Bool {
        declared.values.contains(type) || inferred.values.contains(type)
    }

    package mutating func declare(_ model: String, _ type: ModelType) {
        declared[model] = type
    }

    /// Records the type a model not declared showed in its first prediction.
    package mutating func infer(_ model: String, _ type: ModelType) {
        inferred[model] = type
    }
}
