import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct JSONWriterTests {
    @Test func writesMembersInOrderWithEscapes() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("type", "alert")
        writer.member("schema", 1)
        writer.member("value", 0.25)
        writer.member("whole", 3.0)
        writer.member("nan", Double.nan)
        writer.member("missing", nil as String?)
        writer.member("text", "a\"b\\c\nd\u{1}é😀")
        writer.member("labels", sortedMap: ["z": "1", "a": "2"])
        writer.key("list")
        writer.beginArray()
        writer.value(1)
        writer.value(true)
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        #expect(writer.text == #"{"type":"alert","schema":1,"value":0.25,"whole":3,"nan":null,"missing":null,"text":"a\"b\\c\nd\u0001é😀","labels":{"a":"2","z":"1"},"list":[1,true,{}]}"#)
        // And it is JSON that a standard parser reads back.
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [String: Any]
        #expect(parsed?["text"] as? String == "a\"b\\c\nd\u{1}é😀")
    }

    @Test func numbersRoundTrip() {
        for value in [0.1, 1e-300, 123456789.123, -2.5, 1e20, 5e-324] {
            #expect(Double(JSONWriter.number(value)) == value)
        }
    }
}
