import DriftCore

// Outputs not yet drained, as the engine checkpoint keeps them: typed, one tag per case.

extension BinaryWriter {
    mutating func write(_ event: OutputEvent) {
        switch event {
        case let .alert(alert):
            write(UInt8(0))
            write(alert)
        case let .retrain(trigger):
            write(UInt8(1))
            write(trigger)
        case let .metric(metric):
            write(UInt8(2))
            write(metric)
        case let .notice(notice):
            write(UInt8(3))
            write(notice)
        }
    }

    mutating func write(_ alert: AlertEvent) {
        for text in [alert.id, alert.fingerprint, alert.status.rawValue, alert.rule, alert.severity.rawValue, alert.model, alert.version] {
            write(text)
        }
        write(alert.subject)
        write(alert.metric.rawValue)
        writeOptional(alert.value) { $0.write($1) }
        write(alert.threshold)
        write(alert.window.start)
        write(alert.window.end)
        writeCounter(alert.window.count)
        write(alert.reference.profileID)
        writeCounter(alert.reference.count)
        writeCount(alert.evidence.count)
        for item in alert.evidence {
            write(item.name)
            switch item.value {
            case let .number(value):
                write(UInt8(0))
                write(value)
            case let .count(count):
                write(UInt8(1))
                writeCounter(count)
            case let .group(selectionRate, predictions):
                write(UInt8(2))
                write(selectionRate)
                writeCounter(predictions)
            }
        }
        write(sortedMap: alert.labels)
        write(sortedMap: alert.annotations)
        write(alert.startsAt)
        writeOptional(alert.endsAt)
        write(alert.rulesDigest)
        writeOptional(alert.resolution) { $0.write($1.rawValue) }
    }

    mutating func write(_ threshold: ThresholdResult) {
        switch threshold {
        case let .bound(comparator, value):
            write(UInt8(0))
            write(comparator.rawValue)
            write(value)
        case let .band(lower, upper):
            write(UInt8(1))
            write(lower)
            write(upper)
        case let .unavailable(reason):
            write(UInt8(2))
            write(reason)
        }
    }

    mutating func write(_ trigger: RetrainTrigger) {
        for text in [trigger.id, trigger.model, trigger.version, trigger.rule] { write(text) }
        write(strings: trigger.alertIDs)
        write(strings: trigger.rules)
        write(trigger.windowStart)
        write(trigger.windowEnd)
        write(trigger.requiresApproval)
        write(trigger.triggeredAt)
        write(sortedMap: trigger.labels)
        write(sortedMap: trigger.annotations)
        write(trigger.rulesDigest)
    }

    mutating func write(_ metric: MetricEvent) {
        write(metric.evaluation.rawValue)
        write(metric.model)
        write(metric.version)
        write(metric.windowStart)
        write(metric.windowEnd)
        write(metric.subject)
        write(metric.metric.rawValue)
        writeOptional(metric.value) { $0.write($1) }
        writeCounter(metric.samples)
    }

    mutating func write(_ notice: Notice) {
        switch notice {
        case let .versionSeen(seen):
            write(UInt8(0))
            write(seen.model)
            write(seen.version)
            write(seen.firstTimestamp)
            writeCounter(seen.previousVersions)
        case let .modelTypeInferred(inferred):
            write(UInt8(3))
            write(inferred.model)
            write(inferred.version)
            write(inferred.type.rawValue)
            write(inferred.firstTimestamp)
            write(strings: inferred.skippedRules)
        case let .featureNotInReference(feature):
            write(UInt8(4))
            write(feature.model)
            write(feature.version)
            write(feature.feature)
            write(feature.firstTimestamp)
        case let .ruleBlindness(blindness):
            switch blindness.change {
            case .evaluatedAgain: write(UInt8(1))
            case let .notEvaluated(reason):
                write(UInt8(2))
                write(reason)
            }
            write(blindness.rule)
            write(blindness.model)
            write(blindness.version)
            write(blindness.subject)
            writeCounter(blindness.skippedEvaluations)
            write(blindness.skippedSince)
            write(blindness.windowEnd)
            writeCounter(blindness.minSamples)
        }
    }

    mutating func write(_ reason: SkipReason) {
        switch reason {
        case let .tooFewSamples(samples):
            write(UInt8(0))
            writeCounter(samples)
        case .noValue: write(UInt8(1))
        case .noReference: write(UInt8(2))
        case let .missingAttributes(names):
            write(UInt8(3))
            write(strings: names)
        }
    }

    mutating func write(sortedMap map: [String: String]) {
        writeCount(map.count)
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            write(key)
            write(value)
        }
    }
}

extension BinaryReader {
    /// An output event of an engine checkpoint of `format` (alerts carry their resolution from format 5 on).
    mutating func readOutputEvent(format: UInt32) throws -> OutputEvent {
        switch try readByte() {
        case 0: .alert(try readAlertEvent(format: format))
        case 1: .retrain(try readRetrainTrigger())
        case 2: .metric(try readMetricEvent())
        case 3: .notice(try readNotice())
        case let tag: throw SerializationError.invalidValue("unknown output tag \(tag)")
        }
    }

    mutating func readAlertEvent(format: UInt32) throws -> AlertEvent {
        let id = try readString()
        let fingerprint = try readString()
        let status = try readRawValue(AlertEvent.Status.self, "alert status")
        let rule = try readString()
        let severity = try readRawValue(Severity.self, "severity")
        let model = try readString()
        let version = try readString()
        let subject = try readMetricSubject()
        let metric = try readRawValue(MetricName.self, "metric")
        let value = try readOptional { try $0.readDouble() }
        let threshold = try readThresholdResult()
        let window = AlertEvent.Window(start: try readInt64(), end: try readInt64(), count: try readCounter())
        let reference = AlertEvent.Reference(profileID: try readString(), count: try readCounter())
        var evidence: [Evidence] = []
        for _ in 0..<(try readCount(maximum: remaining)) {
            let name = try readString()
            let value: Evidence.Value = switch try readByte() {
            case 0: .number(try readDouble())
            case 1: .count(try readCounter())
            case 2: .group(selectionRate: try readDouble(), predictions: try readCounter())
            case let tag: throw SerializationError.invalidValue("unknown evidence tag \(tag)")
            }
            evidence.append(Evidence(name, value))
        }
        let labels = try readSortedMap()
        let annotations = try readSortedMap()
        let startsAt = try readInt64()
        let endsAt = try readOptionalInt64()
        let rulesDigest = try readString()
        let resolution: AlertEvent.Resolution? = if format >= 5 {
            try readOptional { try $0.readRawValue(AlertEvent.Resolution.self, "alert resolution") }
        } else {
            nil
        }
        return AlertEvent(
            id: id, fingerprint: fingerprint, status: status, rule: rule, severity: severity, model: model, version: version,
            subject: subject, metric: metric, value: value, threshold: threshold, window: window, reference: reference,
            evidence: evidence, labels: labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt, rulesDigest: rulesDigest,
            resolution: resolution)
    }

    mutating func readThresholdResult() throws -> ThresholdResult {
        switch try readByte() {
        case 0: .bound(try readRawValue(Comparator.self, "comparator"), try readDouble())
        case 1: .band(lower: try readDouble(), upper: try readDouble())
        case 2: .unavailable(try readString())
        case let tag: throw SerializationError.invalidValue("unknown threshold tag \(tag)")
        }
    }

    mutating func readRetrainTrigger() throws -> RetrainTrigger {
        RetrainTrigger(
            id: try readString(), model: try readString(), version: try readString(), rule: try readString(),
            alertIDs: try readStrings(), rules: try readStrings(), windowStart: try readInt64(), windowEnd: try readInt64(),
            requiresApproval: try readBool(), triggeredAt: try readInt64(), labels: try readSortedMap(),
            annotations: try readSortedMap(), rulesDigest: try readString())
    }

    mutating func readMetricEvent() throws -> MetricEvent {
        MetricEvent(
            evaluation: try readRawValue(EvaluationKind.self, "evaluation kind"), model: try readString(), version: try readString(),
            windowStart: try readInt64(), windowEnd: try readInt64(), subject: try readMetricSubject(),
            metric: try readRawValue(MetricName.self, "metric"), value: try readOptional { try $0.readDouble() },
            samples: try readCounter())
    }

    mutating func readNotice() throws -> Notice {
        let change: Notice.RuleBlindness.Change
        switch try readByte() {
        case 0:
            return .versionSeen(Notice.VersionSeen(
                model: try readString(), version: try readString(), firstTimestamp: try readInt64(), previousVersions: try readCounter()))
        case 1: change = .evaluatedAgain
        case 2: change = .notEvaluated(try readSkipReason())
        case 3:
            return .modelTypeInferred(Notice.ModelTypeInferred(
                model: try readString(), version: try readString(), type: try readRawValue(ModelType.self, "model type"),
                firstTimestamp: try readInt64(), skippedRules: try readStrings()))
        case 4:
            return .featureNotInReference(Notice.FeatureNotInReference(
                model: try readString(), version: try readString(), feature: try readString(), firstTimestamp: try readInt64()))
        case let tag: throw SerializationError.invalidValue("unknown notice tag \(tag)")
        }
        return .ruleBlindness(Notice.RuleBlindness(
            change: change, rule: try readString(), model: try readString(), version: try readString(), subject: try readMetricSubject(),
            skippedEvaluations: try readCounter(), skippedSince: try readInt64(), windowEnd: try readInt64(), minSamples: try readCounter()))
    }

    mutating func readSkipReason() throws -> SkipReason {
        switch try readByte() {
        case 0: .tooFewSamples(try readCounter())
        case 1: .noValue
        case 2: .noReference
        case 3: .missingAttributes(try readStrings())
        case let tag: throw SerializationError.invalidValue("unknown skip reason tag \(tag)")
        }
    }

    mutating func readSortedMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for _ in 0..<(try readCount(maximum: remaining)) {
            let key = try readString()
            guard map.updateValue(try readString(), forKey: key) == nil else { throw SerializationError.invalidValue("duplicate key \(key)") }
        }
        return map
    }

    mutating func readRawValue<Value: RawRepresentable>(_: Value.Type, _ what: String) throws -> Value where Value.RawValue == String {
        let text = try readString()
        guard let value = Value(rawValue: text) else { throw SerializationError.invalidValue("unknown \(what) \(text)") }
        return value
    }
}
