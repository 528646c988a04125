import Testing
@testable import DriftCore

@Suite struct CategoryValueTests {
    @Test func integralNumbersPrintWithoutAFraction() {
        for value in [16.0, 16, 1.6e1] { #expect(CategoryValue.category(of: value) == "16") }
        #expect(CategoryValue.category(of: -0.0) == "0" && CategoryValue.category(of: -7) == "-7")
        #expect(CategoryValue.category(of: 9_007_199_254_740_992) == "9007199254740992")
        #expect(CategoryValue.category(of: 1e20) == "1e+20")
        #expect(CategoryValue.category(of: 2.5) == "2.5" && CategoryValue.category(of: 0.1) == "0.1")
    }

    @Test func booleansInEverySpellingAreOneCategory() {
        for text in ["true", "True", "TRUE"] { #expect(CategoryValue.category(of: text) == CategoryValue.category(of: true)) }
        for text in ["false", "False", "FALSE"] { #expect(CategoryValue.category(of: text) == CategoryValue.category(of: false)) }
        #expect(CategoryValue.category(of: true) == "true" && CategoryValue.category(of: false) == "false")
    }

    @Test func otherTextIsUnchanged() {
        for text in ["tRUE", "yes", " true", "007", "16.0", "Oslo", "", "truee", "fals"] {
            #expect(CategoryValue.category(of: text) == text)
        }
    }

    @Test func observationsMapLikeTheirValues() {
        #expect(CategoryValue.category(of: FeatureObservation.number(3)) == "3")
        #expect(CategoryValue.category(of: FeatureObservation.text("FALSE")) == "false")
        #expect(CategoryValue.category(of: FeatureObservation.flag(true)) == "true")
        #expect(CategoryValue.category(of: FeatureObservation.number(.nan)) == nil)
        #expect(CategoryValue.category(of: FeatureObservation.missing) == nil)
    }
}
