import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct GlobTests {
    @Test(arguments: [
        ("*", "anything", true), ("*", "", true), ("f_*", "f_income", true), ("f_*", "c_channel", false),
        ("v?", "v3", true), ("v?", "v10", false), ("*_rate", "f_interest_rate", true), ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false), ("credit-risk", "credit-risk", true), ("credit-risk", "Credit-risk", false),
        ("**x", "x", true), ("é?", "éa", true),
    ])
    func matching(pattern: String, name: String, matches: Bool) throws {
        #expect(try GlobPattern(validating: pattern).matches(name) == matches)
    }

    @Test func exclusionsAndAllExcept() throws {
        let list = try GlobList(validating: ["*", "!id_*"])
        #expect(list.matches("f_income"))
        #expect(!list.matches("id_customer"))
        let allExcept = try GlobList(validating: ["!test_*", "!shadow"])
        #expect(allExcept.matches("prod"))
        #expect(!allExcept.matches("test_1"))
        #expect(!allExcept.matches("shadow"))
        let only = try GlobList(validating: ["a", "b"])
        #expect(only.matches("b") && !only.matches("c"))
    }

    @Test func invalidPatterns() {
        #expect(throws: GlobListError.self) { try GlobList(validating: ["ok", "!"]) }
        do {
            _ = try GlobList(validating: ["ok", "x[ab]"])
        } catch {
            #expect(error.entry == 1)
            #expect(error.offset == 1)
        }
        do {
            _ = try GlobList(validating: [""])
        } catch {
            #expect(error.message == "empty pattern")
        }
    }
}
