import MonitorCore

/// Feeds JSON-lines files through a ``MonitorEngine`` in event-time order.
///
/// Each file is read in order. With several files (e.g. predictions and labels kept
/// apart) their events are merged by timestamp, ties going to the file named first, so
/// the result does not depend on how the events were split across files. Lines that
/// are not valid events go to the dead-letter sink with their original bytes and the
/// reason, and the run goes on.
package enum Replay {
    /// A message that could not be processed, with where it came from and why.
    package struct DeadLetter: Sendable {
        package var source: String
        package var line: Int
        package var rejection: EventRejection
        /// The original bytes (for an oversize line: its first bytes only).
        package var bytes: [UInt8]
        /// The message's full length.
        package var length: Int

        /// One JSON line: reason, source position, and the payload as text when it is
        /// valid UTF-8, else base64.
        package var json: String {
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("type", "dead_letter")
            writer.member("reason", rejection.code)
            writer.member("detail", rejection.description)
            writer.member("source", source)
            writer.member("line", line)
            writer.member("length", length)
            writer.member("truncated", bytes.count < length)
            if let text = String(validating: bytes, as: UTF8.self) {
                writer.member("payload", text)
            } else {
                writer.member("payload_base64", Base64.encode(bytes))
            }
            writer.endObject()
            return writer.text
        }
    }

    /// Runs every input through `engine`, then finishes it. `deliver` receives outputs
    /// as they are produced (so memory stays bounded), `deadLetter` each rejected line.
    package static func run(
        inputs: [String], engine: MonitorEngine, maximumLineBytes: Int = 1 << 20,
        deliver: ([MonitorOutput]) throws -> Void, deadLetter: (DeadLetter) throws -> Void
    ) throws {
        try engine.decoder.requireEventTimeInFiles(inputs.joined(separator: ", "))
        var heads: [(event: MonitorEvent, timestamp: Int64)?] = []
        let readers = try inputs.map { try LineReader(path: $0, maximumLineBytes: maximumLineBytes) }

        /// The next valid event of input `index`, dead-lettering what comes before it.
        /// Lines are decoded where the reader holds them; only rejected ones are copied.
        func advance(_ index: Int) throws -> (event: MonitorEvent, timestamp: Int64)? {
            while let decoded = try readers[index].withNextLine({ line -> MonitorEvent? in
                switch line {
                case let .record(bytes, lineNumber):
                    switch engine.decode(bytes) {
                    case let .success(event):
                        return event
                    case let .failure(rejection):
                        engine.reject(rejection)
                        try deadLetter(DeadLetter(source: inputs[index], line: lineNumber, rejection: rejection, bytes: Array(bytes), length: bytes.count))
                    }
                case let .oversize(length, prefix, lineNumber):
                    try rejectOversize(index, length: length, prefix: prefix, lineNumber: lineNumber)
                }
                return nil
            }) {
                if let event = decoded { return (event, event.timestamp) }
            }
            return nil
        }

        func rejectOversize(_ index: Int, length: Int, prefix: [UInt8], lineNumber: Int) throws {
            let rejection = EventRejection.oversize(bytes: length, limit: maximumLineBytes)
            engine.reject(rejection)
            try deadLetter(DeadLetter(source: inputs[index], line: lineNumber, rejection: rejection, bytes: prefix, length: length))
        }

        for index in inputs.indices { heads.append(try advance(index)) }
        while let next = earliestHead(heads) {
            engine.process(heads[next].take()!.event)  // moved out, not copied
            try deliver(engine.drainOutputs())
            heads[next] = try advance(next)
        }
        engine.finish()
        try deliver(engine.drainOutputs())
    }

    /// The input whose next event comes first; on equal timestamps the input named first
    /// (a linear scan: there are few inputs, and it allocates nothing per event).
    static func earliestHead(_ heads: [(event: MonitorEvent, timestamp: Int64)?]) -> Int? {
        var earliest: Int?
        for index in heads.indices {
            guard let head = heads[index] else { continue }
            if let current = earliest, heads[current]!.timestamp <= head.timestamp { continue }
            earliest = index
        }
        return earliest
    }
}

extension MonitorEvent {
    /// The event time (epoch milliseconds) inputs are merged by.
    package var timestamp: Int64 {
        switch self {
        case let .prediction(prediction): prediction.timestamp
        case let .label(label): label.timestamp
        }
    }
}
