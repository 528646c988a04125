import HeapModule

/// Writes a realistic, deterministic prediction log for a credit-risk-like model:
/// prediction events in event-time order with ground-truth labels interleaved at the
/// time they become known (delayed, and for only part of the predictions), and the
/// scenario's changes injected at known points. The same configuration and seed give
/// the same bytes on every platform.
package struct StreamSimulator: Sequence, IteratorProtocol {
    package struct Configuration: Sendable, Equatable {
        package var events = 100_000
        package var seed: UInt64 = 42
        package var scenario = Scenario.mixed
        /// Event time of the first prediction (epoch ms): 2023-11-14T22:13:20Z.
        package var startTimestamp: Int64 = 1_700_000_000_000
        /// Event-time spacing of predictions.
        package var intervalMilliseconds: Int64 = 100
        /// Share of predictions whose outcome is ever reported.
        package var labelledFraction = 0.95
        /// Mean delay (exponential, plus one minute) before an outcome is reported.
        package var meanLabelDelayMilliseconds = 1_800_000.0
        /// Predictions are spread round-robin over this many models.
        package var models = 1
        /// From this fraction of the stream on, version `v2` replaces `v1`.
        package var versionChangeFraction: Double?

        package init() {}

        package var modelNames: [String] {
            (0..<models).map { $0 == 0 ? "credit-risk" : "credit-risk-\($0 + 1)" }
        }
    }

    /// One line of the log.
    package struct Line: Sendable, Equatable {
        package enum Kind: Sendable { case prediction, label }
        package var kind: Kind
        package var timestamp: Int64
        package var json: String
        /// The prediction's index in the stream (a label has its prediction's): its model is `models[index % models.count]`.
        package var index: Int
    }

    private let configuration: Configuration
    private let modelNames: [String]
    private var random: RandomSource
    private var nextIndex = 0
    /// Outcomes not yet reported, by (time, prediction index) so ties break stably.
    private var pendingLabels = Heap<PendingLabel>()

    package init(_ configuration: Configuration) {
        self.configuration = configuration
        modelNames = configuration.modelNames
        random = RandomSource(seed: configuration.seed)
    }

    package mutating func next() -> Line? {
        let nextPredictionTime = nextIndex < configuration.events ? timestamp(ofPrediction: nextIndex) : Int64.max
        if let label = pendingLabels.min, label.line.timestamp <= nextPredictionTime {
            pendingLabels.removeMin()
            return label.line
        }
        guard nextIndex < configuration.events else { return nil }
        defer { nextIndex += 1 }
        return prediction(index: nextIndex)
    }

    private func timestamp(ofPrediction index: Int) -> Int64 {
        configuration.startTimestamp + Int64(index) * configuration.intervalMilliseconds
    }

    private mutating func prediction(index: Int) -> Line {
        let fraction = Double(index) / Double(configuration.events)
        let applicant = CreditRiskPopulation.draw(&random, scenario: configuration.scenario, fraction: fraction)
        let time = timestamp(ofPrediction: index)
        let id = "p-\(configuration.seed)-\(index)"
        let version = configuration.versionChangeFraction.map { fraction >= $0 } == true ? "v2" : "v1"

        var json = #"{"event":"prediction","model":""# + modelNames[index % modelNames.count]
        json += #"","version":""# + version + #"","id":""# + id + #"","ts":"# + String(time) + #","features":{"#
        var first = true
        for (name, value) in applicant.numeric {
            json += (first ? "\"" : ",\"") + name + "\":" + (value.map(Self.number) ?? "null")
            first = false
        }
        for (name, value) in applicant.categorical {
            json += ",\"" + name + "\":\"" + value + "\""
        }
        json += #"},"score":"# + Self.number(applicant.score) + #","label_pred":"# + String(applicant.predictedLabel)
        json += #","segment":{"#
        json += applicant.segment.map { "\"\($0.name)\":\"\($0.value)\"" }.joined(separator: ",") + "}}"

        if random.bernoulli(configuration.labelledFraction) {
            let delay = Int64(60_000 + random.exponential(mean: configuration.meanLabelDelayMilliseconds))
            let labelTime = time + delay
            let labelJSON = #"{"event":"label","id":""# + id + #"","ts":"# + String(labelTime) + #","label":"#
                + String(applicant.outcome) + "}"
            pendingLabels.insert(PendingLabel(line: Line(kind: .label, timestamp: labelTime, json: labelJSON, index: index)))
        }
        return Line(kind: .prediction, timestamp: time, json: json, index: index)
    }

    /// Four decimals are plenty for logged features and keep the log compact; values
    /// too large for that print in full.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        let text = abs(rounded) < 1e15 ? String(rounded) : String(value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// What the stream contains and what a monitor should find in it.
    package var manifest: SimulationManifest {
        SimulationManifest(configuration: configuration)
    }
}

/// A label line waiting for its time, ordered by (time, prediction index) so ties break stably.
private struct PendingLabel: Comparable {
    var line: StreamSimulator.Line

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.line.timestamp, lhs.line.index) < (rhs.line.timestamp, rhs.line.index)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        (lhs.line.timestamp, lhs.line.index) == (rhs.line.timestamp, rhs.line.index)
    }
}

/// The ground truth of a simulated stream: each injected change with the event and
/// event time where it starts, and the features that never change (the controls).
package struct SimulationManifest: Codable, Sendable, Equatable {
    package struct Change: Codable, Sendable, Equatable {
        package var kind: ChangeKind
        package var startFraction: Double
        package var startIndex: Int
        package var startTimestamp: Int64
        package var expected: String
    }

    package var seed: UInt64
    package var events: Int
    package var startTimestamp: Int64
    package var intervalMilliseconds: Int64
    package var labelledFraction: Double
    package var models: [String]
    package var versionChangeIndex: Int?
    package var changes: [Change]
    /// Features no change touches: a monitor must raise no alert on them.
    package var controlFeatures: [String]

    init(configuration: StreamSimulator.Configuration) {
        seed = configuration.seed
        events = configuration.events
        startTimestamp = configuration.startTimestamp
        intervalMilliseconds = configuration.intervalMilliseconds
        labelledFraction = configuration.labelledFraction
        models = configuration.modelNames
        versionChangeIndex = configuration.versionChangeFraction.map { Self.firstIndex(atFraction: $0, events: configuration.events) }
        changes = configuration.scenario.changes.map { change in
            let index = Self.firstIndex(atFraction: change.startFraction, events: configuration.events)
            return Change(
                kind: change.kind, startFraction: change.startFraction, startIndex: index,
                startTimestamp: configuration.startTimestamp + Int64(index) * configuration.intervalMilliseconds,
                expected: change.kind.expectedFinding
            )
        }
        let touched: [ChangeKind: String] = [
            .incomeShift: "f_income", .rateVariance: "f_interest_rate", .ageMissing: "f_age",
            .channelNewCategory: "c_channel", .purposeMix: "c_purpose",
        ]
        let changed = Set(configuration.scenario.changes.compactMap { touched[$0.kind] })
        controlFeatures = ["f_income", "f_age", "f_debt_ratio", "f_credit_lines", "f_utilisation", "f_tenure_months",
                           "f_late_payments", "f_loan_amount", "f_interest_rate", "f_txn_noise",
                           "c_channel", "c_purpose", "c_region_code"].filter { !changed.contains($0) }
    }

    /// The first prediction index whose fraction of the stream reaches `fraction`.
    static func firstIndex(atFraction fraction: Double, events: Int) -> Int {
        var index = Int((fraction * Double(events)).rounded(.up))
        while index > 0, Double(index - 1) / Double(events) >= fraction { index -= 1 }
        while Double(index) / Double(events) < fraction { index += 1 }
        return index
    }
}
