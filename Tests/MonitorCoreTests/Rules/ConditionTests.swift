import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct ConditionTests {
    @Test(arguments: [
        ("> 0.2", Condition.absolute(.greater, 0.2)),
        (">=1e-3", .absolute(.greaterOrEqual, 0.001)),
        ("< -0.5", .absolute(.less, -0.5)),
        ("<= 3", .absolute(.lessOrEqual, 3)),
        ("< reference", .relativeOffset(.less, offset: 0)),
        ("< reference - 0.1", .relativeOffset(.less, offset: -0.1)),
        (">= reference + 2", .relativeOffset(.greaterOrEqual, offset: 2)),
        ("> reference * 1.5", .relativeFactor(.greater, factor: 1.5)),
        ("outside reference ± 3 sigma", .statistical(k: 3, side: .both)),
        ("outside reference +- 2.5 sigma", .statistical(k: 2.5, side: .both)),
        ("above reference + 4 sigma", .statistical(k: 4, side: .above)),
        ("  below   reference -   1 sigma ", .statistical(k: 1, side: .below)),
    ])
    func parsesEveryForm(text: String, expected: Condition) throws {
        #expect(try ConditionParser.parse(text) == expected)
    }

    @Test func canonicalSpellingParsesBack() throws {
        for text in ["> 0.2", "< reference - 0.1", "> reference + 0.5", "<= reference", "> reference * 0.9",
                     "outside reference ± 3 sigma", "above reference + 2 sigma", "below reference - 2 sigma"] {
            let condition = try ConditionParser.parse(text)
            #expect(try ConditionParser.parse(condition.description) == condition)
        }
    }

    /// Offsets count Unicode scalars from the start of the condition string.
    @Test(arguments: [
        ("", 0, "empty condition"),
        ("0.2", 0, "a condition starts with a comparator, 'outside', 'above' or 'below', not '0.2'"),
        ("> ", 2, "unexpected end of the condition"),
        ("> refrence", 2, "unexpected 'refrence'"),
        ("> 0.2 extra", 6, "unexpected 'extra' after the condition"),
        ("> reference / 2", 12, "unexpected character '/'"),
        ("> reference + 3 sigma", 16, "statistical conditions are written 'above reference + k sigma' (or 'outside reference ± k sigma')"),
        ("outside reference + 3 sigma", 18, "unexpected '+'"),
        ("above reference - 3 sigma", 16, "unexpected '-'"),
        ("outside reference ± 0 sigma", 20, "the number of standard deviations must be positive"),
        ("outside reference ± 3", 21, "unexpected end of the condition"),
        ("> 1e999", 2, "'1e999' is not a number"),
    ])
    func reportsErrorsWithOffsets(text: String, offset: Int, message: String) {
        #expect(throws: ConditionParser.Failure.self) { try ConditionParser.parse(text) }
        do {
            _ = try ConditionParser.parse(text)
        } catch {
            #expect(error.offset == offset)
            #expect(error.message == message)
        }
    }

    @Test func comparatorsAndNaN() {
        let greater = Condition.absolute(.greater, 0.2)
        #expect(greater.isBreached(value: 0.3, threshold: 0.2))
        #expect(!greater.isBreached(value: 0.2, threshold: 0.2))
        #expect(Condition.absolute(.greaterOrEqual, 0.2).isBreached(value: 0.2, threshold: 0.2))
        #expect(Condition.absolute(.less, 0.2).isBreached(value: 0.1, threshold: 0.2))
        #expect(!Condition.absolute(.lessOrEqual, 0.2).isBreached(value: 0.21, threshold: 0.2))
        for comparator in Comparator.allCases {
            let condition = Condition.absolute(comparator, 0)
            #expect(!condition.isBreached(value: .nan, threshold: 0))
            #expect(!condition.isBreached(value: 0, threshold: .nan))
            #expect(condition.isBreached(value: .nan, reference: nil) == false)
        }
        #expect(!Condition.statistical(k: 3, side: .both).isBreached(value: 100, threshold: 0))
    }

    @Test func thresholdsFromTheReference() {
        let reference = ReferenceStatistic(value: 0.8, chunkMean: 0.5, chunkStandardDeviation: 0.1)
        #expect(Condition.absolute(.greater, 0.2).threshold(reference: nil) == .bound(.greater, 0.2))
        #expect(Condition.relativeOffset(.less, offset: -0.1).threshold(reference: reference) == .bound(.less, 0.8 - 0.1))
        #expect(Condition.relativeFactor(.greater, factor: 1.5).threshold(reference: reference) == .bound(.greater, 0.8 * 1.5))
        #expect(Condition.statistical(k: 3, side: .above).threshold(reference: reference) == .bound(.greater, 0.5 + 3 * 0.1))
        #expect(Condition.statistical(k: 3, side: .below).threshold(reference: reference) == .bound(.less, 0.5 - 3 * 0.1))
        #expect(Condition.statistical(k: 2, side: .both).threshold(reference: reference) == .band(lower: 0.5 - 0.2, upper: 0.5 + 0.2))

        let band = Condition.statistical(k: 2, side: .both)
        #expect(band.isBreached(value: 0.71, reference: reference) == true)
        #expect(band.isBreached(value: 0.29, reference: reference) == true)
        #expect(band.isBreached(value: 0.6, reference: reference) == false)
        #expect(band.isBreached(value: .nan, reference: reference) == false)
        #expect(Condition.relativeOffset(.less, offset: -0.1).isBreached(value: 0.69, reference: reference) == true)
        #expect(Condition.relativeOffset(.less, offset: -0.1).isBreached(value: 0.71, reference: reference) == false)
    }

    @Test func missingOrNaNReferenceMakesTheThresholdUnavailable() {
        let relative = Condition.relativeOffset(.less, offset: -0.1)
        let statistical = Condition.statistical(k: 3, side: .both)
        #expect(relative.threshold(reference: nil) == .unavailable("no reference value"))
        #expect(relative.threshold(reference: ReferenceStatistic(value: .nan)) == .unavailable("no reference value"))
        #expect(statistical.threshold(reference: ReferenceStatistic(value: 1)) == .unavailable("no reference chunk statistics"))
        #expect(statistical.threshold(reference: ReferenceStatistic(chunkMean: 1, chunkStandardDeviation: .infinity))
            == .unavailable("no reference chunk statistics"))
        #expect(relative.isBreached(value: 0, reference: nil) == nil)
        #expect(!ThresholdResult.unavailable("x").isBreached(by: 0))
    }

    @Test func displayTexts() {
        #expect(ThresholdResult.bound(.less, 0.7).displayText == "0.7")
        #expect(ThresholdResult.bound(.less, 0.7).comparatorText == "<")
        #expect(ThresholdResult.band(lower: 0.3, upper: 0.71234).displayText == "[0.3, 0.7123]")
        #expect(ThresholdResult.band(lower: 0.3, upper: 0.7).comparatorText == "outside")
    }
}
