import Kafka
import MonitorCore

/// Where each engine output goes on Kafka, under which key and with which headers.
///
/// Keys: alert events by their `fingerprint` (one alert instance's firing and
/// resolved events stay in order on one partition), retraining triggers, metric
/// events and notices by `model`. Every message carries its event id in the
/// `driftwatch-id` header (alerts and retraining triggers their event id, metric events
/// and notices a hash of their content), so consumers and the de-duplication after a
/// restore recognise a re-emitted event.
///
/// Every message is also a CloudEvent in the Kafka protocol binding's binary mode (see
/// ``CloudEventHeaders``).
package struct OutputRouting: Sendable {
    package static let idHeader = "driftwatch-id"

    package var alertsTopic: String
    package var retrainTopic: String
    package var metricsTopic: String?
    /// The CloudEvents `source` of every output: `driftwatch/<consumer group>`.
    package var source: String

    package init(alertsTopic: String, retrainTopic: String, metricsTopic: String?, group: String) {
        self.alertsTopic = alertsTopic
        self.retrainTopic = retrainTopic
        self.metricsTopic = metricsTopic
        source = CloudEventHeaders.source(group: group)
    }

    /// The topics outputs can go to.
    package var topics: [String] { [alertsTopic, retrainTopic] + (metricsTopic.map { [$0] } ?? []) }

    package struct Record: Sendable, Equatable {
        package var topic: String
        package var key: [UInt8]?
        package var value: [UInt8]
        package var headers: [KafkaHeader]
    }

    /// The Kafka record for `output`, or `nil` when its kind is not published
    /// (metrics and notices without a metrics topic).
    package func record(for output: MonitorOutput) -> Record? {
        let topic: String
        let key: String
        switch output.event {
        case let .alert(alert): (topic, key) = (alertsTopic, alert.fingerprint)
        case let .retrain(trigger): (topic, key) = (retrainTopic, trigger.model)
        case let .metric(metric):
            guard let metricsTopic else { return nil }
            (topic, key) = (metricsTopic, metric.model)
        case let .notice(notice):
            guard let metricsTopic else { return nil }
            (topic, key) = (metricsTopic, notice.model)
        }
        let (id, json) = output.rendered
        return Record(topic: topic, key: Array(key.utf8), value: Array(json.utf8), headers: [KafkaHeader(Self.idHeader, id)]
            + CloudEventHeaders.headers(type: CloudEventHeaders.type(of: output.kind), id: id, time: output.time, source: source))
    }

    /// The record of a decision on a retraining trigger: on the retrain topic, keyed by
    /// model like its trigger (same partition, after it).
    package func record(for decision: RetrainDecision) -> Record {
        Record(topic: retrainTopic, key: Array(decision.model.utf8), value: Array(decision.json.utf8),
               headers: [KafkaHeader(Self.idHeader, decision.id)]
                   + CloudEventHeaders.headers(type: CloudEventHeaders.decisionType, id: decision.id, time: decision.decidedAt, source: source))
    }
}

/// CloudEvents 1.0 attributes of an output, as the Kafka protocol binding's binary mode
/// carries them: `ce_`-prefixed headers plus `content-type`; the message value is the
/// event's data (its JSON).
package enum CloudEventHeaders {
    package static let specVersion = "1.0"
    package static let contentType = "application/json"

    /// `driftwatch/<group>`: the consumer group names the deployment that emitted it.
    package static func source(group: String) -> String { "driftwatch/" + group }

    /// `io.driftwatch.<kind>.v<schema>`: alert, retrain, metric, notice.
    package static func type(of kind: MonitorOutput.Kind) -> String {
        "io.driftwatch.\(kind.rawValue).v\(AlertEvent.schemaVersion)"
    }

    /// `io.driftwatch.retrain_decision.v2`: an approval or rejection of a retraining trigger.
    package static let decisionType = "io.driftwatch.retrain_decision.v\(AlertEvent.schemaVersion)"

    static func headers(type: String, id: String, time: Int64, source: String) -> [KafkaHeader] {
        [
            KafkaHeader("ce_specversion", specVersion),
            KafkaHeader("ce_id", id),
            KafkaHeader("ce_source", source),
            KafkaHeader("ce_type", type),
            KafkaHeader("ce_time", ISO8601Time.string(milliseconds: time)),
            KafkaHeader("content-type", contentType),
        ]
    }
}

/// A message that could not be processed, as published on the dead-letter topic:
/// the original key, value and headers, plus headers saying why and where it came from.
package enum DeadLetter {
    package static let reasonHeader = "driftwatch-reason"
    package static let descriptionHeader = "driftwatch-reason-description"
    package static let topicHeader = "driftwatch-source-topic"
    package static let partitionHeader = "driftwatch-source-partition"
    package static let offsetHeader = "driftwatch-source-offset"
    /// Present when the value was cut to `maximumValueBytes`: the original length.
    package static let originalLengthHeader = "driftwatch-original-length"
    /// Values above this are cut, so that an oversize input can never exceed the
    /// producer's `message.max.bytes` (1,000,000 by default) and stop the service.
    package static let maximumValueBytes = 900_000

    package static func record(for message: KafkaMessage, rejection: EventRejection, topic: String) -> OutputRouting.Record {
        var headers = message.headers + [
            KafkaHeader(reasonHeader, rejection.code),
            KafkaHeader(descriptionHeader, rejection.description),
            KafkaHeader(topicHeader, message.topic),
            KafkaHeader(partitionHeader, String(message.partition)),
            KafkaHeader(offsetHeader, String(message.offset)),
        ]
        var value = message.value
        if value.count > maximumValueBytes {
            headers.append(KafkaHeader(originalLengthHeader, String(value.count)))
            value.removeSubrange(maximumValueBytes...)
        }
        return OutputRouting.Record(topic: topic, key: message.key, value: value, headers: headers)
    }
}
