import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct AnnotationTemplateTests {
    @Test func rendersVariablesAndLabels() throws {
        let template = try AnnotationTemplate(
            parsing: "{{ feature }} on {{model}}/{{ version }}: {{ value }} > {{ threshold }} ({{ labels.team }}) }}", labels: ["team"])
        #expect(template.render([
            "feature": "f_income", "model": "credit", "version": "v3", "value": "0.4123", "threshold": "0.2",
            "labels.team": "risk",
        ]) == "f_income on credit/v3: 0.4123 > 0.2 (risk) }}")
        #expect(template.render([:]) == " on /:  >  () }}")
        #expect(try AnnotationTemplate(parsing: "plain", labels: []).parts == [.text("plain")])
    }

    @Test(arguments: [
        ("{{ modle }}", 3, "unknown variable 'modle'; did you mean 'model'?"),
        ("ok {{ value", 3, "unclosed '{{'"),
        ("{{ value {{ model }}", 0, "unclosed '{{'"),
        ("a {{ }} b", 5, "empty placeholder"),
        ("{{ labels.tem }}", 3, "the rule has no label 'tem'; did you mean 'team'?"),
    ])
    func rejects(source: String, offset: Int, message: String) {
        do {
            _ = try AnnotationTemplate(parsing: source, labels: ["team"])
            Issue.record("'\(source)' was accepted")
        } catch {
            #expect(error.offset == offset)
            #expect(error.message == message)
        }
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
        (12000, "12000"), (-3, "-3"), (0.2, "0.2"), (0.21349, "0.2135"), (0.213449, "0.2134"), (1.23456, "1.235"),
        (12.5, "12.5"), (12345.678, "12346"), (999.99996, "1000"), (0.00012346, "0.0001235"), (0.0001, "0.0001"),
        (0.000012346, "1.235e-05"), (1e-300, "1e-300"), (2.5e15, "2.5e+15"), (1.99999e20, "2e+20"), (-0.5, "-0.5"),
        (5e-324, "4.941e-324"),
    ])
    func formatsNumbersDeterministically(value: Double, text: String) {
        #expect(AnnotationTemplate.format(value) == text)
    }
}
