import Foundation
@testable import Service
import Testing

@Suite struct ProcessSampleTests {
    @Test func parsesProcStatAfterACommandWithSpacesAndParentheses() throws {
        // pid (comm) state ppid ... utime=14 stime=15 ... starttime=22 vsize=23 rss=24 (proc(5)).
        let stat = "4242 (drift (watch) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 123456789 2048 18446744073709551615"
        let fields = try #require(ProcessSample.fieldsAfterCommand(stat))
        let sample = try #require(ProcessSample.parse(fields: fields, bootTime: 1_700_000_000, openFileDescriptors: 7,
                                                      ticksPerSecond: 100, pageSize: 4096, maximumFileDescriptors: 1024))
        #expect(sample.cpuSeconds == 3.0)
        #expect(sample.startTimeSeconds == 1_700_000_010)
        #expect(sample.virtualBytes == 123_456_789)
        #expect(sample.residentBytes == 2048 * 4096)
        #expect(sample.openFileDescriptors == 7)
        #expect(ProcessSample.parse(fields: Array(fields.prefix(10)), bootTime: 0, openFileDescriptors: 0, ticksPerSecond: 100,
                                    pageSize: 4096, maximumFileDescriptors: 0) == nil)
    }

    #if os(Linux)
    @Test func readsThisProcess() throws {
        let sample = try #require(ProcessSample.read())
        #expect(sample.residentBytes > 1_000_000)
        #expect(sample.openFileDescriptors >= 3)
        #expect(sample.cpuSeconds > 0)
        let now = Date().timeIntervalSince1970
        #expect(sample.startTimeSeconds < now && sample.startTimeSeconds > now - 86_400)
    }
    #endif
}
