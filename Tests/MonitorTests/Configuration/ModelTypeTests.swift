import Testing
@testable import Monitor

@Suite struct ModelTypeTests {
    /// Undeclared models are binary; only a declared regression model makes labels numbers.
    @Test func undeclaredModelsAreBinary() {
        var types = ModelTypes()
        #expect(types["anything"] == .binary && !types.hasRegression)
        types.declare("credit-risk", .binary)
        #expect(!types.hasRegression)
        types.declare("house-price", .regression)
        #expect(types["house-price"] == .regression && types["credit-risk"] == .binary && types.hasRegression)
        #expect(!types.hasMulticlass)
        types.declare("triage", .multiclass)
        #expect(types["triage"] == .multiclass && types.hasMulticlass && types.hasRegression)
        #expect(ModelType.allCases.map(\.description) == ["binary", "regression", "multiclass"])
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
