import Foundation
import Logging
import Synchronization
import Testing
@testable import Service

/// `serve --log-format json`: one JSON object per line, metadata as string fields.
@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    @Test func eachLogCallIsOneJSONObjectWithItsFieldsAndMetadata() throws {
        let captured = Lines()
        var handler = JSONLogHandler(label: "driftwatch.serve") { line in captured.lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        handler[metadataKey: "group"] = "monitor"
        let logger = Logger(label: "driftwatch.serve") { _ in handler }
        logger.notice("checkpoint \"written\"\nnext", metadata: ["shard": "3", "bytes": "1024"])
        logger.debug("below the level")
        let lines = captured.lines.withLock { $0 }
        try #require(lines.count == 1)
        #expect(lines[0].hasSuffix("\n") && lines[0].dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "notice")
        #expect(object["logger"] as? String == "driftwatch.serve")
        #expect(object["message"] as? String == "checkpoint \"written\"\nnext")
        #expect(object["metadata"] as? [String: String] == ["group": "monitor", "shard": "3", "bytes": "1024"])
        let time = try #require(object["time"] as? String)
        #expect(time.hasSuffix("Z") && time.contains("T"))
    }
}
