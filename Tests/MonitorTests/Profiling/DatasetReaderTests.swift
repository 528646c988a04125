import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct DatasetReaderTests {
    /// JSON lines have no Kafka message timestamps: `timestamp: kafka` is refused before a
    /// line is read (rather than every line rejected); CSV rows carry no event time at all.
    @Test func kafkaMessageTimestampsAreRefusedForJSONLines() throws {
        let path = NSTemporaryDirectory() + "\(UUID().uuidString)-events.jsonl"
        try #"{"model":"m","id":"a","ts":1772366400000}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var mapping = FieldMapping()
        mapping.timestamp = .kafkaMessage
        var options = DatasetOptions()
        options.decoder = EventDecoder(mapping: mapping)
        var events = 0
        let error = #expect(throws: DatasetError.self) { try DatasetReader.read(path: path, options: options) { _ in events += 1 } }
        #expect(error?.description.hasPrefix("\(path): 'timestamp: kafka' takes the Kafka message timestamp") == true)
        #expect(events == 0)
        // The same line with the field mapped is read.
        #expect(try DatasetReader.read(path: path, options: DatasetOptions()) { _ in events += 1 }.predictions == 1)
    }
}
