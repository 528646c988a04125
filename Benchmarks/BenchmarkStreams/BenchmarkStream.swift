import Foundation
import Simulation

/// The engine benchmarks' streams, as JSON lines in event-time order.
public enum BenchmarkStream: String, Sendable, CaseIterable {
    /// The simulator's credit-risk stream: 1,000,000 predictions 100 ms apart, 95 % labelled.
    case dense
    /// ``SparseHistory``: 14 days at ~36,000 predictions a day, 85 % labelled.
    case sparse
    /// ``WideHistory``: 14 days at ~36,000 predictions a day with 30 features, RFC 3339 times and UUID ids, 80 % labelled.
    case wide

    public func lines() -> AnySequence<String> {
        switch self {
        case .dense:
            var configuration = StreamSimulator.Configuration()
            configuration.events = 1_000_000
            configuration.seed = 1
            return AnySequence(StreamSimulator(configuration).lazy.map(\.json))
        case .sparse:
            return AnySequence(SparseHistory())
        case .wide:
            return AnySequence(WideHistory())
        }
    }

    /// Writes the stream to `path` as JSON lines, a megabyte at a time.
    public func write(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? file.close() }
        var buffer = Data()
        for line in lines() {
            buffer.append(contentsOf: line.utf8)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try file.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(contentsOf: buffer)
    }
}
