import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct ModelTypeTests {
    /// A model is of its declared type, else of its inferred one, else binary; declared wins.
    @Test func declaredTypesWinOverInferredOnes() {
        var types = ModelTypes()
        #expect(types["anything"] == .binary && types.knownType(of: "anything") == nil)
        types.declare("credit-risk", .binary)
        types.declare("house-price", .regression)
        types.infer("triage", .multiclass)
        types.infer("house-price", .multiclass)
        #expect(types["house-price"] == .regression && types["credit-risk"] == .binary && types["triage"] == .multiclass)
        #expect(types.declaredType(of: "triage") == nil && types.knownType(of: "triage") == .multiclass)
        #expect(ModelType.allCases.map(\.description) == ["binary", "regression", "multiclass"])
    }

    /// A first prediction's fields give a model's type: a class other than 0 and 1 or class
    /// probabilities a multiclass classifier, a value alone a regression model, else binary.
    @Test func typesAreInferredFromAPredictionsFields() {
        func inferred(score: Bool = false, binaryClass: Bool = false, otherClass: Bool = false, prediction: Bool = false,
                      probabilities: Bool = false) -> ModelType {
            ModelType.inferred(score: score, binaryClass: binaryClass, otherClass: otherClass, prediction: prediction, probabilities: probabilities)
        }
        #expect(inferred(score: true, binaryClass: true) == .binary && inferred() == .binary)
        #expect(inferred(otherClass: true) == .multiclass && inferred(binaryClass: true, probabilities: true) == .multiclass)
        #expect(inferred(prediction: true) == .regression && inferred(score: true, prediction: true) == .binary)
    }

    /// What each type has nothing of: a regression model no predicted class, a multiclass
    /// classifier no score.
    @Test func typesLackTheOutputsTheyDoNotLog() {
        #expect(ModelType.multiclass.lacks(.score) && !ModelType.multiclass.lacks(.prediction))
        #expect(ModelType.regression.lacks(.prediction) && !ModelType.regression.lacks(.score))
        #expect(RuleScope.allCases.allSatisfy { !ModelType.binary.lacks($0) })
        #expect(RuleScope.allCases.filter { ModelType.multiclass.lacks($0) } == [.score])
    }
}
