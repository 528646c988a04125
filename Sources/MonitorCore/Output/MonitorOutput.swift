import DriftCore

/// One event the monitor emits, typed until the edge: sinks (replay's files, serve's
/// topics) render it with ``json`` where they write it; consumers in the process read
/// its fields. Alerts and retraining triggers carry deterministic ids, metric events and
/// notices a hash of their content, so a consumer (or a restarted monitor) can drop
/// duplicates.
package struct MonitorOutput: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case alert, retrain, metric
        /// Lifecycle notices, e.g. a model version seen for the first time.
        case notice
    }

    package var event: OutputEvent

    package init(_ event: OutputEvent) {
        self.event = event
    }

    package var kind: Kind {
        switch event {
        case .alert: .alert
        case .retrain: .retrain
        case .metric: .metric
        case .notice: .notice
        }
    }

    /// The event's id: alerts' and triggers' own; for metric events and notices, which
    /// have no event identity, a hash of their JSON (so that a copy emitted again after a
    /// restart is recognised like alerts are). Renders those: see ``rendered``.
    package var id: String { rendered.id }

    /// The event's JSON and id, rendering it once: what a sink writes.
    package var rendered: (id: String, json: String) {
        let json = json
        return switch event {
        case let .alert(alert): (alert.id, json)
        case let .retrain(trigger): (trigger.id, json)
        case .metric, .notice: (StableHash.hex(json), json)
        }
    }

    /// For an alert that starts firing or a retraining trigger: its rule and event time
    /// (what run summaries tally).
    package var firing: (rule: String, at: Int64)? {
        switch event {
        case let .alert(alert) where alert.status == .firing: (alert.rule, alert.startsAt)
        case let .retrain(trigger): (trigger.rule, trigger.triggeredAt)
        case .alert, .metric, .notice: nil
        }
    }

    /// The event's time (epoch milliseconds, event time): an alert's start (firing) or end
    /// (resolved), a trigger's time, a metric's window end, a notice's time.
    package var time: Int64 {
        switch event {
        case let .alert(alert): alert.status == .firing ? alert.startsAt : alert.endsAt ?? alert.window.end
        case let .retrain(trigger): trigger.triggeredAt
        case let .metric(metric): metric.windowEnd
        case let .notice(.versionSeen(seen)): seen.firstTimestamp
        case let .notice(.ruleBlindness(blindness)): blindness.windowEnd
        case let .notice(.modelTypeInferred(inferred)): inferred.firstTimestamp
        case let .notice(.featureNotInReference(feature)): feature.firstTimestamp
        }
    }

    /// The event as one line of JSON, through its type's renderer (``OutputEvent/render(into:)``).
    package var json: String {
        var writer = JSONWriter()
        event.render(into: &writer)
        return writer.text
    }
}

/// What the monitor emits, each case with exactly its data.
package enum OutputEvent: Sendable, Equatable {
    case alert(AlertEvent)
    case retrain(RetrainTrigger)
    case metric(MetricEvent)
    case notice(Notice)
}

/// One metric of one evaluated window (`type: metric`). Built only when a sink wants
/// metric events (``MonitorConfiguration/metricEvents``).
package struct MetricEvent: Sendable, Equatable {
    package var evaluation: EvaluationKind
    package var model: String
    package var version: String
    package var windowStart: Int64
    package var windowEnd: Int64
    package var subject: MetricSubject
    package var metric: MetricName
    package var value: Double?
    package var samples: Int
}

/// What kind of evaluation produced a metric.
package enum EvaluationKind: String, Sendable, Equatable {
    /// A drift window closed: inputs, outputs, data quality, selection fairness.
    case drift
    /// A performance window gathered enough labels: accuracy & co, detectors, label fairness.
    case performance
}

/// Lifecycle notices (on the metrics output).
package enum Notice: Sendable, Equatable {
    /// A model version seen for the first time (`version_seen`).
    case versionSeen(VersionSeen)
    /// An alert instance not judged for `blind_notice_after` evaluations in a row
    /// (`rule_not_evaluated`), or judged again after that (`rule_evaluated_again`).
    case ruleBlindness(RuleBlindness)
    /// A model not declared in `models` whose first prediction was not a binary classifier's:
    /// monitored as the type it showed (`model_type_inferred`).
    case modelTypeInferred(ModelTypeInferred)
    /// A feature a version's predictions name that its reference does not have: not
    /// monitored for drift (`feature_not_in_reference`; see ``UnreferencedFeatures``).
    case featureNotInReference(FeatureNotInReference)

    /// The model the notice is about.
    package var model: String {
        switch self {
        case let .versionSeen(seen): seen.model
        case let .ruleBlindness(blindness): blindness.model
        case let .modelTypeInferred(inferred): inferred.model
        case let .featureNotInReference(feature): feature.model
        }
    }

    package struct FeatureNotInReference: Sendable, Equatable {
        package var model: String
        package var version: String
        package var feature: String
        /// The event time of the first prediction that named it.
        package var firstTimestamp: Int64
    }

    package struct ModelTypeInferred: Sendable, Equatable {
        package var model: String
        /// The version of its first prediction.
        package var version: String
        package var type: ModelType
        /// The event time of its first prediction.
        package var firstTimestamp: Int64
        /// Rules that select the model but have no metric or subject for its type: they skip it.
        package var skippedRules: [String]

        /// How to declare it, which also makes a prediction of another type a rejection from the start.
        package var declaration: String { "models: {\(model): {type: \(type)}}" }
    }

    package struct VersionSeen: Sendable, Equatable {
        package var model: String
        package var version: String
        /// The event time of its first prediction.
        package var firstTimestamp: Int64
        /// Versions of the same model seen before it.
        package var previousVersions: Int
    }

    package struct RuleBlindness: Sendable, Equatable {
        package enum Change: Sendable, Equatable {
            /// Not judged, for the last evaluation's reason.
            case notEvaluated(SkipReason)
            case evaluatedAgain
        }

        package var change: Change
        package var rule: String
        package var model: String
        package var version: String
        package var subject: MetricSubject
        package var skippedEvaluations: Int
        package var skippedSince: Int64
        package var windowEnd: Int64
        /// The rule's `min_samples` (shown with a `too_few_samples` reason).
        package var minSamples: Int
    }
}
