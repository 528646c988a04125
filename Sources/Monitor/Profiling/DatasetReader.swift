import MonitorCore

/// How `driftwatch profile` and `compare` read a dataset file into events.
package struct DatasetOptions: Sendable {
    /// JSON lines are decoded with this decoder's field mapping and limits.
    package var decoder = EventDecoder()
    /// CSV columns that are segment attributes rather than features.
    package var segmentColumns: Set<String> = []
    /// CSV columns that are neither features nor segments (e.g. a timestamp).
    package var ignoredColumns: Set<String> = []
    /// Keep only predictions of this model / version (labels are kept: they join by id).
    package var model: String?
    package var version: String?

    package init() {}
}

/// What reading a dataset met besides the events it delivered.
package struct DatasetReadCounters: Sendable, Equatable {
    package var predictions = 0
    package var labels = 0
    /// Predictions of other models or versions than asked for.
    package var filteredOut = 0
    /// Rows or lines that were not valid events, by reason code.
    package var rejected: [String: Int] = [:]

    package init() {}

    package var rejectedTotal: Int { rejected.values.reduce(0, +) }
}

/// A dataset file that cannot be read (unreadable, or malformed CSV).
package struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
}

/// Reads a dataset of predictions and labels, streaming: a `.csv` file as one prediction
/// per row, anything else as JSON lines decoded like the monitor's input.
///
/// CSV layout: a header row; each column is a feature except the reserved columns
/// (``reservedCSVColumns``), the segment columns and the ignored ones. A row's `label`
/// column, when not empty, is its ground truth (delivered as a label event right after
/// the prediction); rows without an `id` column get `row-<line>` as their id. Values:
/// empty → missing, decimal numbers → numbers, anything else → text; `score` must be a
/// number and `label_pred` / `label` 0, 1, `true` or `false` (else the row is rejected
/// and counted).
package enum DatasetReader {
    package static let reservedCSVColumns: [String] = ["id", "model", "version", "ts", "score", "label_pred", "label"]

    /// Calls `body` with each event of the file in order.
    @discardableResult
    package static func read(
        path: String, options: DatasetOptions, _ body: (MonitorEvent) throws -> Void
    ) throws -> DatasetReadCounters {
        var counters = DatasetReadCounters()
        let deliver = { (event: MonitorEvent) throws in
            switch event {
            case let .prediction(prediction):
                if let model = options.model, prediction.model != model {
                    counters.filteredOut += 1
                    return
                }
                if let version = options.version, prediction.version != version {
                    counters.filteredOut += 1
                    return
                }
                counters.predictions += 1
            case .label:
                counters.labels += 1
            }
            try body(event)
        }
        let reject = { (reason: String) in counters.rejected[reason, default: 0] += 1 }
        if path.lowercased().hasSuffix(".csv") {
            try readCSV(path: path, options: options, reject: reject, deliver)
        } else {
            try readJSONLines(path: path, decoder: options.decoder, reject: reject, deliver)
        }
        return counters
    }

    private static func readJSONLines(
        path: String, decoder: EventDecoder, reject: (String) -> Void, _ deliver: (MonitorEvent) throws -> Void
    ) throws {
        do {
            try decoder.requireEventTimeInFiles(path)
        } catch {
            throw DatasetError(error.description)
        }
        let reader: LineReader
        do {
            reader = try LineReader(path: path, maximumLineBytes: decoder.limits.maximumEventBytes)
        } catch {
            throw DatasetError(error.description)
        }
        try reader.forEachLine { line in
            switch line {
            case let .record(bytes, _):
                switch decoder.decode(bytes) {
                case let .success(event): try deliver(event)
                case let .failure(rejection): reject(rejection.code)
                }
            case .oversize:
                reject(EventRejection.oversize(bytes: 0, limit: 0).code)
            }
            return true
        }
    }

    private static func readCSV(
        path: String, options: DatasetOptions, reject: (String) -> Void, _ deliver: (MonitorEvent) throws -> Void
    ) throws {
        do {
            let reader = try CSVReader(path: path, maximumRecordBytes: options.decoder.limits.maximumEventBytes)
            let layout = CSVLayout(header: reader.header, options: options)
            guard layout.features.count <= options.decoder.limits.maximumFeatures else {
                throw DatasetError("\(path): \(layout.features.count) feature columns exceed the limit of \(options.decoder.limits.maximumFeatures)")
            }
            while let record = try reader.nextRecord() {
                switch layout.events(of: record.fields, line: record.line) {
                case let .success(events): for event in events { try deliver(event) }
                case let .failure(rejection): reject(rejection.code)
                }
            }
        } catch let error as CSVError {
            throw DatasetError(error.description)
        }
    }
}

/// Why a CSV row is not an event, as an ``EventRejection`` code.
struct RowRejection: Error {
    var code: String
}

/// Which CSV column plays which part, fixed by the header.
struct CSVLayout {
    var features: [(name: String, column: Int)] = []
    var segments: [(name: String, column: Int)] = []
    var reserved: [String: Int] = [:]

    init(header: [String], options: DatasetOptions) {
        for (column, name) in header.enumerated() {
            if DatasetReader.reservedCSVColumns.contains(name) {
                reserved[name] = column
            } else if options.segmentColumns.contains(name) {
                segments.append((name, column))
            } else if !options.ignoredColumns.contains(name) {
                features.append((name, column))
            }
        }
        segments.sort { $0.name < $1.name }
    }

    /// The row's prediction (and label), or the reason code it was rejected for.
    func events(of fields: [String], line: Int) -> Result<[MonitorEvent], RowRejection> {
        func field(_ name: String) -> String? { reserved[name].map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 } }
        var score: Double?
        if let text = field("score") {
            guard case let .number(value) = CSVValue(field: text) else { return .failure(RowRejection(code: "wrong_type")) }
            score = value
        }
        guard let predicted = Self.binaryClass(field("label_pred")), let label = Self.binaryClass(field("label")) else {
            return .failure(RowRejection(code: "wrong_type"))
        }
        let id = field("id") ?? "row-\(line)"
        let features = self.features.map { feature -> Feature in
            switch CSVValue(field: fields[feature.column]) {
            case .missing: Feature(feature.name, .missing)
            case let .number(number): Feature(feature.name, .number(number))
            case let .text(text): Feature(feature.name, .string(text))
            }
        }
        let segment = segments.compactMap { fields[$0.column].isEmpty ? nil : SegmentAttribute($0.name, fields[$0.column]) }
        let prediction = PredictionEvent(
            model: field("model") ?? "", version: field("version") ?? "", id: id, timestamp: 0, features: features,
            score: score, predictedLabel: predicted, segment: segment)
        var events: [MonitorEvent] = [.prediction(prediction)]
        if let value = label { events.append(.label(LabelEvent(id: id, timestamp: 0, label: value))) }
        return .success(events)
    }

    /// A present class (0/1/true/false), an absent one (`.some(nil)`), or nil when invalid.
    private static func binaryClass(_ text: String?) -> Int?? {
        switch text {
        case nil: .some(nil)
        case "0", "false", "0.0": .some(0)
        case "1", "true", "1.0": .some(1)
        default: nil
        }
    }
}
