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
        #expect(ModelType.allCases.map(\.description) == ["binary", "regression"])
    }
}
