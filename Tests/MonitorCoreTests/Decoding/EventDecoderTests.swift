import DriftCore
import Simulation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct EventDecoderTests {
    let decoder = EventDecoder()

    func decode(_ text: String, with decoder: EventDecoder? = nil) -> Result<MonitorEvent, EventRejection> {
        (decoder ?? self.decoder).decode(Array(text.utf8))
    }

    @Test func decodesThePredictionFormat() throws {
        let event = try decode(#"""
        {"event":"prediction","model":"credit-risk","version":"v3","id":"p-1","ts":1700000000000,
         "features":{"f_income":80015.2,"c_channel":"mobile","b_flag":true,"f_gap":null},
         "score":0.79,"label_pred":1,"segment":{"gender":"female","age_band":"36-50","cohort":2021},
         "extra":{"ignored":[1,2,{"deep":true}]}}
        """#).get()
        #expect(event == .prediction(PredictionEvent(
            model: "credit-risk", version: "v3", id: "p-1", timestamp: 1_700_000_000_000,
            features: [
                Feature("f_income", .number(80015.2)), Feature("c_channel", .string("mobile")),
                Feature("b_flag", .bool(true)), Feature("f_gap", .missing),
            ],
            score: 0.79, predictedLabel: 1,
            segment: [SegmentAttribute("gender", "female"), SegmentAttribute("age_band", "36-50"), SegmentAttribute("cohort", "2021")]
        )))
    }

    @Test func decodesLabelsWithOrWithoutTheEventField() throws {
        let expected = MonitorEvent.label(LabelEvent(id: "p-1", timestamp: 1_700_000_360_000, label: 0))
        #expect(try decode(#"{"event":"label","id":"p-1","ts":1700000360000,"label":0}"#).get() == expected)
        #expect(try decode(#"{"id":"p-1","ts":1700000360000,"label":false}"#).get() == expected)
    }

    /// A regression model's prediction carries its value in `prediction`, its label a number;
    /// an event that does not fit its model's declared type is rejected, naming the field.
    @Test func regressionModelsLogNumericPredictionsAndLabels() throws {
        let decoder = EventDecoder(modelTypes: ModelTypes(["house-price": .regression, "credit-risk": .binary]))
        #expect(try decode(#"{"model":"house-price","id":"h-1","ts":1700000000000,"features":{"rooms":4},"prediction":312500.5}"#,
                           with: decoder).get()
            == .prediction(PredictionEvent(model: "house-price", version: "unversioned", id: "h-1", timestamp: 1_700_000_000_000,
                                           features: [Feature("rooms", .number(4))], output: .regression(312_500.5))))
        #expect(try decode(#"{"id":"h-1","ts":1700000360000,"label":298000}"#, with: decoder).get()
            == .label(LabelEvent(id: "h-1", timestamp: 1_700_000_360_000, value: .value(298_000))))
        #expect(try decode(#"{"id":"h-1","ts":1700000360000,"label":true}"#, with: decoder).get()
            == .label(LabelEvent(id: "h-1", timestamp: 1_700_000_360_000, value: .class(1))))
        // A binary classifier beside it keeps its outputs; its 0/1 labels read as numbers are its classes.
        #expect(try decode(#"{"model":"credit-risk","id":"c-1","ts":1700000000000,"score":0.7,"label_pred":1}"#, with: decoder).get()
            == .prediction(PredictionEvent(model: "credit-risk", version: "unversioned", id: "c-1", timestamp: 1_700_000_000_000,
                                           score: 0.7, predictedLabel: 1)))
        #expect(LabelValue.value(1).binaryClass == 1 && LabelValue.value(2.5).binaryClass == nil && LabelValue.class(1).number == 1)

        let mismatches: [(String, EventRejection)] = [
            (#"{"model":"house-price","id":"h","ts":1700000000000,"prediction":1.5,"score":0.3}"#,
             .modelTypeMismatch(model: "house-price", type: .regression, field: "score")),
            (#"{"model":"house-price","id":"h","ts":1700000000000,"label_pred":1}"#,
             .modelTypeMismatch(model: "house-price", type: .regression, field: "label_pred")),
            (#"{"model":"house-price","id":"h","ts":1700000000000}"#, .missingField("prediction")),
            (#"{"model":"house-price","id":"h","ts":1700000000000,"prediction":"high"}"#, .wrongType(field: "prediction", expected: "a number")),
            (#"{"model":"credit-risk","id":"c","ts":1700000000000,"prediction":3.5}"#,
             .modelTypeMismatch(model: "credit-risk", type: .binary, field: "prediction")),
        ]
        for (text, rejection) in mismatches {
            #expect(decode(text, with: decoder) == .failure(rejection), "\(text)")
        }
        let mismatch = EventRejection.modelTypeMismatch(model: "credit-risk", type: .binary, field: "prediction")
        #expect(mismatch.code == "model_type_mismatch")
        #expect(mismatch.description.contains("declare it with models: credit-risk: type: regression"))
        #expect(decode(#"{"id":"h","ts":1700000000000,"label":{"high":1}}"#, with: decoder) == .failure(.wrongType(field: "label", expected: "a class or a number")))
    }

    /// A multiclass classifier's prediction carries its class in `label_pred` (a string, or an
    /// integer by its text) and optionally its class probabilities; labels are classes by
    /// name; an event that does not fit is rejected, naming the field.
    @Test func multiclassModelsLogClassesAndProbabilities() throws {
        let decoder = EventDecoder(modelTypes: ModelTypes(["triage": .multiclass, "credit-risk": .binary]))
        #expect(try decode(#"{"model":"triage","id":"t-1","ts":1700000000000,"label_pred":"urgent","probabilities":{"urgent":0.7,"routine":0.3}}"#,
                           with: decoder).get()
            == .prediction(PredictionEvent(model: "triage", version: "unversioned", id: "t-1", timestamp: 1_700_000_000_000,
                                           output: .multiclass(class: "urgent", probabilities: ["urgent": 0.7, "routine": 0.3]))))
        #expect(try decode(#"{"model":"triage","id":"t-2","ts":1700000000000,"label_pred":2}"#, with: decoder).get()
            == .prediction(PredictionEvent(model: "triage", version: "unversioned", id: "t-2", timestamp: 1_700_000_000_000,
                                           output: .multiclass(class: "2", probabilities: nil))))
        #expect(try decode(#"{"id":"t-1","ts":1700000360000,"label":"routine"}"#, with: decoder).get()
            == .label(LabelEvent(id: "t-1", timestamp: 1_700_000_360_000, value: .named("routine"))))
        #expect(try decode(#"{"id":"t-2","ts":1700000360000,"label":2}"#, with: decoder).get()
            == .label(LabelEvent(id: "t-2", timestamp: 1_700_000_360_000, value: .value(2))))
        #expect(try decode(#"{"id":"t-3","ts":1700000360000,"label":1}"#, with: decoder).get()
            == .label(LabelEvent(id: "t-3", timestamp: 1_700_000_360_000, value: .class(1))))
        #expect(LabelValue.class(1).className == "1" && LabelValue.value(3).className == "3" && LabelValue.value(2.5).className == nil)
        #expect(LabelValue.named("routine").binaryClass == nil && LabelValue.named("routine").number == nil)
        // A binary classifier beside it keeps its outputs.
        #expect(try decode(#"{"model":"credit-risk","id":"c-1","ts":1700000000000,"score":0.7,"label_pred":1}"#, with: decoder).get()
            == .prediction(PredictionEvent(model: "credit-risk", version: "unversioned", id: "c-1", timestamp: 1_700_000_000_000,
                                           score: 0.7, predictedLabel: 1)))

        let rejections: [(String, EventRejection)] = [
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":"a","score":0.3}"#,
             .modelTypeMismatch(model: "triage", type: .multiclass, field: "score")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"probabilities":{}}"#, .missingField("label_pred")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":2.5}"#,
             .wrongType(field: "label_pred", expected: "a class: 0 or 1, a string or an integer")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":"a","probabilities":{"a":1.5}}"#,
             .wrongType(field: "probabilities.a", expected: "a probability in [0, 1]")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":"a","probabilities":{"a":"high"}}"#,
             .wrongType(field: "probabilities.a", expected: "a probability in [0, 1]")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":"a","probabilities":"high"}"#,
             .wrongType(field: "probabilities", expected: "an object of class → probability, or an array of the probabilities of classes 0, 1, …")),
            (#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":1,"probabilities":[0.5,1.5]}"#,
             .wrongType(field: "probabilities[1]", expected: "a probability in [0, 1]")),
            (#"{"model":"credit-risk","id":"c","ts":1700000000000,"label_pred":"urgent"}"#,
             .modelTypeMismatch(model: "credit-risk", type: .binary, field: "label_pred")),
            (#"{"model":"credit-risk","id":"c","ts":1700000000000,"label_pred":1,"probabilities":{"0":0.2,"1":0.8}}"#,
             .modelTypeMismatch(model: "credit-risk", type: .binary, field: "probabilities")),
            (#"{"id":"t","ts":1700000000000,"label":{"class":"a"}}"#, .wrongType(field: "label", expected: "a class or a number")),
        ]
        for (text, rejection) in rejections {
            #expect(decode(text, with: decoder) == .failure(rejection), "\(text)")
        }
        // The class count of a probability vector is capped.
        let many = (0...MulticlassOutcomeSummary.defaultMaximumClasses).map { "\"c\($0)\":0.01" }.joined(separator: ",")
        #expect(decode(#"{"model":"triage","id":"t","ts":1700000000000,"label_pred":"c0","probabilities":{"# + many + "}}", with: decoder)
            == .failure(.wrongType(field: "probabilities", expected: "at most \(MulticlassOutcomeSummary.defaultMaximumClasses) classes")))
        let mismatch = EventRejection.modelTypeMismatch(model: "triage", type: .multiclass, field: "score")
        #expect(mismatch.description.contains("models: triage: type: multiclass") && mismatch.description.contains("'score'"))
    }

    /// A model not declared decodes as the type its fields show (the engine then holds it to
    /// the type of its first prediction); labels take every kind, their prediction's type
    /// judging them when they join.
    @Test func undeclaredModelsDecodeAsTheTypeTheirFieldsShow() throws {
        func output(_ fields: String) throws -> PredictionOutput? {
            guard case let .prediction(event) = try decode(#"{"model":"m","id":"1","ts":1700000000000,"# + fields + "}").get() else { return nil }
            return event.output
        }
        #expect(try output(#""score":0.2,"label_pred":1"#) == .binary(class: 1, score: 0.2))
        #expect(try output(#""label_pred":"urgent""#) == .multiclass(class: "urgent", probabilities: nil))
        #expect(try output(#""label_pred":3"#) == .multiclass(class: "3", probabilities: nil))
        #expect(try output(#""label_pred":1,"probabilities":{"0":0.3,"1":0.7}"#) == .multiclass(class: "1", probabilities: ["0": 0.3, "1": 0.7]))
        // Only probabilities: the most probable class is the prediction (of equal ones, the first by name).
        #expect(try output(#""probabilities":{"b":0.6,"a":0.1,"c":0.3}"#) == .multiclass(class: "b", probabilities: ["a": 0.1, "b": 0.6, "c": 0.3]))
        #expect(try output(#""probabilities":{"b":0.4,"c":0.2,"a":0.4}"#) == .multiclass(class: "a", probabilities: ["a": 0.4, "b": 0.4, "c": 0.2]))
        // An array: the probabilities of classes 0, 1, 2 (scikit-learn's `predict_proba` row).
        #expect(try output(#""label_pred":2,"probabilities":[0.1,0.2,0.7]"#) == .multiclass(class: "2", probabilities: ["0": 0.1, "1": 0.2, "2": 0.7]))
        #expect(try output(#""prediction":3.5"#) == .regression(3.5))
        #expect(decode(#"{"model":"m","id":"1","ts":1700000000000,"score":0.2,"prediction":3.5}"#)
            == .failure(.modelTypeMismatch(model: "m", type: .binary, field: "prediction")))
        #expect(decode(#"{"model":"m","id":"1","ts":1700000000000,"score":0.2,"prediction":"no"}"#)
            == .failure(.wrongType(field: "prediction", expected: "a number")))
        #expect(try decode(#"{"id":"1","ts":1700000000000,"label":2.5}"#).get() == .label(LabelEvent(id: "1", timestamp: 1_700_000_000_000, value: .value(2.5))))
        #expect(try decode(#"{"id":"1","ts":1700000000000,"label":"refer"}"#).get() == .label(LabelEvent(id: "1", timestamp: 1_700_000_000_000, value: .named("refer"))))
    }

    @Test func lastDuplicateKeyWins() throws {
        guard case let .prediction(event) = try decode(
            #"{"model":"m","model":"n","id":"1","ts":5,"features":{"a":1,"a":2}}"#
        ).get() else { Issue.record("not a prediction"); return }
        #expect(event.model == "n")
        #expect(event.features == [Feature("a", .number(2))])
        #expect(event.version == "unversioned")
    }

    /// Repeats found by the Bloom filter and scan (up to 64 names) and by the dictionary beyond.
    @Test(arguments: [40, 100])
    func duplicateFeaturesAmongManyStayUnique(count: Int) throws {
        let repeated = [7, 33, count - 1]
        let members = (0..<count).map { "\"f\($0)\":\($0)" } + repeated.map { "\"f\($0)\":\"x\($0)\"" }
        guard case let .prediction(event) = try decode(
            #"{"model":"m","id":"1","ts":5,"features":{"# + members.joined(separator: ",") + "}}"
        ).get() else { Issue.record("not a prediction"); return }
        #expect(event.features.count == count)
        for index in 0..<count {
            let value: FeatureValue = repeated.contains(index) ? .string("x\(index)") : .number(Double(index))
            #expect(event.features[index] == Feature("f\(index)", value))
        }
    }

    @Test(arguments: [
        (#"{"model":"m","ts":1}"#, EventRejection.missingField("id")),
        (#"{"model":"m","id":"1"}"#, .missingField("ts")),
        (#"{"id":"1","ts":1}"#, .missingField("model")),
        (#"{"event":"label","id":"1","ts":1}"#, .missingField("label")),
        (#"{"event":"click","id":"1","ts":1}"#, .unknownEventType("click")),
        (#"{"model":"m","id":"1","ts":"yesterday"}"#, .invalidTimestampText("yesterday", field: "ts", problem: .expected("a 4-digit year", offset: 0))),
        (#"{"model":"m","id":"1","ts":[1]}"#, .wrongType(field: "ts", expected: "an epoch number or RFC 3339 text")),
        (#"{"model":"m","id":"1","ts":1e400}"#, .wrongType(field: "ts", expected: "a finite number")),
        (#"{"model":"m","id":"1","ts":1,"score":"high"}"#, .wrongType(field: "score", expected: "a number")),
        (#"{"model":"m","id":"1","ts":1,"label_pred":2.5}"#, .wrongType(field: "label_pred", expected: "a class: 0 or 1, a string or an integer")),
        (#"{"model":7,"id":"1","ts":1}"#, .wrongType(field: "model", expected: "a string")),
        (#"{"model":"m","id":{"a":1},"ts":1}"#, .wrongType(field: "id", expected: "a string")),
        (#"{"model":"m","id":"1","ts":1,"features":[1,2]}"#, .wrongType(field: "features", expected: "an object")),
        (#"{"model":"m","id":"1","ts":1,"segment":{"g":[1]}}"#, .wrongType(field: "segment.g", expected: "a string or number")),
        (#"[1,2]"#, .notAnObject),
        (#""text""#, .notAnObject),
    ])
    func rejectsBrokenEventsWithAReason(text: String, rejection: EventRejection) {
        #expect(decode(text) == .failure(rejection))
    }

    /// Ids are joined as text, so only a string is an id: `12`, `1.2e1` and `"12"` would
    /// otherwise be one prediction or three depending on how they print.
    @Test(arguments: [
        (#"{"event":"prediction","model":"m","id":12,"ts":1}"#, "id"),
        (#"{"event":"label","id":12,"ts":1,"label":1}"#, "id"),
        (#"{"model":"m","id":true,"ts":1}"#, "id"),
        (#"{"model":"m","id":["p-1"],"ts":1}"#, "id"),
    ])
    func rejectsAnIDThatIsNotAString(text: String, field: String) {
        #expect(decode(text) == .failure(.wrongType(field: field, expected: "a string")))
        let rejection = EventRejection.wrongType(field: field, expected: "a string")
        #expect(rejection.code == "wrong_type" && rejection.description == "field 'id' should be a string")
    }

    /// An object or array as a feature value rejects the event, naming the feature, whether
    /// features come as an object or through feature paths; scalars and null still pass.
    @Test func rejectsObjectAndArrayFeatureValues() throws {
        let expected = EventRejection.wrongType(field: "features.f_obj", expected: "a number, string, boolean or null")
        #expect(decode(#"{"model":"m","id":"1","ts":1,"features":{"a":1,"f_obj":{"x":1}}}"#) == .failure(expected))
        #expect(decode(#"{"model":"m","id":"1","ts":1,"features":{"f_list":[1,2],"a":1}}"#)
            == .failure(.wrongType(field: "features.f_list", expected: "a number, string, boolean or null")))
        #expect(expected.description == "field 'features.f_obj' should be a number, string, boolean or null")
        var mapping = FieldMapping()
        mapping.featurePaths = ["input.income", "input.tags"]
        let paths = EventDecoder(mapping: mapping)
        #expect(decode(#"{"model":"m","id":"1","ts":1,"input":{"income":5,"tags":["a"]}}"#, with: paths)
            == .failure(.wrongType(field: "input.tags", expected: "a number, string, boolean or null")))
        guard case let .prediction(event) = try decode(#"{"model":"m","id":"1","ts":1,"input":{"income":5,"tags":null}}"#,
                                                       with: paths).get() else { Issue.record("not a prediction"); return }
        #expect(event.features == [Feature("input.income", .number(5)), Feature("input.tags", .missing)])
    }

    @Test func rejectsMalformedJSONWithTheOffset() {
        guard case let .failure(.invalidJSON(error)) = decode(#"{"model":"m","id":"1","ts":1,}"#) else {
            Issue.record("expected invalid JSON")
            return
        }
        #expect(error.offset == 29)
        #expect(decode(#"{"model":"m","id":"1","ts":1}}"#) == .failure(.invalidJSON(JSONError(reason: .trailingCharacters, offset: 29))))
    }

    @Test func enforcesSizeAndFeatureLimits() {
        let small = EventDecoder(limits: .init(maximumEventBytes: 100, maximumFeatures: 3))
        let long = #"{"model":"m","id":"1","ts":1,"pad":""# + String(repeating: "x", count: 100) + #""}"#
        #expect(decode(long, with: small) == .failure(.oversize(bytes: long.utf8.count, limit: 100)))
        #expect(decode(#"{"model":"m","id":"1","ts":1,"features":{"a":1,"b":2,"c":3,"d":4}}"#, with: small)
            == .failure(.tooManyFeatures(limit: 3)))
    }

    @Test func followsAFieldMappingIntoNestedSchemas() throws {
        var mapping = FieldMapping()
        mapping.eventType = "kind"
        mapping.model = "meta.model.name"
        mapping.version = "meta.model.rev"
        mapping.id = "request_id"
        mapping.timestamp = .field("meta.time")
        mapping.timestampUnit = .seconds
        mapping.featurePaths = ["input.income", "input.applicant.channel", "input.absent"]
        mapping.score = "output.p"
        mapping.predictedLabel = "output.decision"
        mapping.segmentPaths = ["region": "input.applicant.region", "gender": "who.gender"]
        let decoder = EventDecoder(mapping: mapping)
        let text = #"""
        {"kind":"prediction","request_id":"42","meta":{"time":1700000000.5,"model":{"name":"risk","rev":3}},
         "input":{"income":1200.5,"applicant":{"channel":"web","region":"north"}},
         "output":{"p":0.25,"decision":false},"who":{"gender":"male"}}
        """#
        #expect(try decode(text, with: decoder).get() == .prediction(PredictionEvent(
            model: "risk", version: "3", id: "42", timestamp: 1_700_000_000_500,
            features: [
                Feature("input.income", .number(1200.5)), Feature("input.applicant.channel", .string("web")),
                Feature("input.absent", .missing),
            ],
            score: 0.25, predictedLabel: 0,
            segment: [SegmentAttribute("region", "north"), SegmentAttribute("gender", "male")]
        )))
    }

    @Test func hostileInputNeverCrashes() {
        // Random bytes and random cuts of valid events must only ever yield a rejection.
        var generator = RandomSource(seed: 7)
        let valid = Array(#"{"event":"prediction","model":"m","id":"p","ts":1,"features":{"a":1.5,"b":"x\u00e9"},"segment":{"g":"f"}}"#.utf8)
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<Int(generator.next() % 4) {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            _ = decoder.decode(bytes)
        }
    }
}


extension EventDecoderTests {
    @Test func textThatIsNotJSONIsInvalidJSONNotAWrongKind() {
        guard case .failure(.invalidJSON) = decode("not json at all") else {
            Issue.record("expected invalid JSON")
            return
        }
        #expect(decode("null") == .failure(.notAnObject))
        #expect(decode("[1] x") == .failure(.invalidJSON(JSONError(reason: .trailingCharacters, offset: 4))))
    }

    // MARK: Event time as text and from the Kafka message

    /// Reason code and text of a rejection, or the event time.
    private func time(_ ts: String, label: Bool = false, with decoder: EventDecoder? = nil, messageTimestamp: Int64? = nil) -> String {
        let body = label ? #"{"id":"p","ts":\#(ts),"label":1}"# : #"{"model":"m","id":"p","ts":\#(ts)}"#
        switch (decoder ?? self.decoder).decode(Array(body.utf8), messageTimestamp: messageTimestamp) {
        case let .success(.prediction(event)): return label ? "a prediction" : String(event.timestamp)
        case let .success(.label(event)): return label ? String(event.timestamp) : "a label"
        case let .failure(rejection): return "\(rejection.code): \(rejection)"
        }
    }

    @Test func rfc3339TextIsAnEventTimeForPredictionsAndLabels() {
        for label in [false, true] {
            #expect(time(#""2026-03-01T12:00:00Z""#, label: label) == "1772366400000")
            #expect(time(#""2026-03-01T14:00:00.250+02:00""#, label: label) == "1772366400250")
            #expect(time(#""2026-03-01 12:00:00.999999999+00:00""#, label: label) == "1772366400999")
        }
        // Numbers keep their unit; text ignores it.
        var mapping = FieldMapping()
        mapping.timestampUnit = .seconds
        let seconds = EventDecoder(mapping: mapping)
        #expect(time("1772366400", with: seconds) == "1772366400000")
        #expect(time(#""2026-03-01T12:00:00Z""#, with: seconds) == "1772366400000")
    }

    @Test func naiveTextIsUTCUnlessTheMappingRejectsIt() {
        #expect(time(#""2026-03-01T12:00:00""#) == "1772366400000")
        #expect(time(#""2026-03-01""#, label: true) == "1772323200000")
        var mapping = FieldMapping()
        mapping.naiveTimestamps = .reject
        let strict = EventDecoder(mapping: mapping)
        #expect(time(#""2026-03-01T12:00:00""#, with: strict)
            == "naive_timestamp: field 'ts': timestamp '2026-03-01T12:00:00' has no UTC offset (add Z or ±HH:MM, or set mapping.naive_timestamps: utc)")
        #expect(time(#""2026-03-01T12:00:00Z""#, label: true, with: strict) == "1772366400000")
    }

    @Test func badTextIsRejectedWithTheFieldTheTextAndWhy() {
        #expect(time(#""2026-13-01T12:00:00Z""#)
            == "invalid_timestamp: field 'ts': timestamp '2026-13-01T12:00:00Z' is not an RFC 3339 date-time (month 13 is out of range; e.g. 2026-03-01T12:00:00Z)")
        #expect(time(#""soon""#, label: true)
            == "invalid_timestamp: field 'ts': timestamp 'soon' is not an RFC 3339 date-time (expected a 4-digit year at character 1; e.g. 2026-03-01T12:00:00Z)")
        // Text has no unit to mix up: outside 1990–2200 it is always rejected.
        #expect(time(#""0001-01-01T00:00:00Z""#)
            == "implausible_timestamp: field 'ts': timestamp '0001-01-01T00:00:00Z' is implausible (year 1, outside 1990–2200)")
        #expect(time(#""1970-01-01T00:00:00.5Z""#).hasPrefix("implausible_timestamp: "))
        #expect(time("true") == "wrong_type: field 'ts' should be an epoch number or RFC 3339 text")
        // Long text is cut in the reason.
        let long = String(repeating: "9", count: 100)
        #expect(time("\"\(long)\"").contains("'\(String(repeating: "9", count: 64))…'"))
        // Escaped text is read too.
        #expect(time(#""2026-03-01T12:00:00\u005A""#) == "1772366400000")
    }

    @Test func kafkaMessageTimestampsAreTheEventTimeWhenMapped() {
        var mapping = FieldMapping()
        mapping.timestamp = .kafkaMessage
        let kafka = EventDecoder(mapping: mapping)
        // The body's own "ts" is not read.
        #expect(time(#""not a time""#, with: kafka, messageTimestamp: 1_772_366_400_123) == "1772366400123")
        #expect(time("1", label: true, with: kafka, messageTimestamp: 1_772_366_400_000) == "1772366400000")
        #expect(time("1", with: kafka) == "missing_timestamp: the Kafka message has no timestamp (mapping.timestamp: kafka)")
        #expect(time("1", with: kafka, messageTimestamp: 0)
            == "implausible_timestamp: the Kafka message timestamp 0 is implausible (year 1970, outside 1990–2200)")
        // Without the mapping, the message timestamp is not used.
        #expect(time("5", messageTimestamp: 1_772_366_400_000) == "5")
    }
}
