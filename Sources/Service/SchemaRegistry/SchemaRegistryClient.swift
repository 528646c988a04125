import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import MonitorCore
import NIOCore
import OrderedCollections
import Prometheus

/// How `serve` reaches a Confluent-compatible schema registry (`--schema-registry`).
package struct SchemaRegistrySettings: Sendable {
    package enum Authorization: Sendable, Equatable {
        /// `user:password`, as Confluent clients' `basic.auth.user.info`.
        case basic(userInfo: String)
        case bearer(token: String)

        var header: String {
            switch self {
            case let .basic(userInfo): "Basic " + Data(userInfo.utf8).base64EncodedString()
            case let .bearer(token): "Bearer " + token
            }
        }
    }

    /// Base URL (`http://host:8081`), without the API path.
    package var url: String
    package var authorization: Authorization?
    /// Schemas kept; beyond, the oldest is forgotten (and fetched again if it comes back), counted.
    package var maximumSchemas = 1000
    /// Attempts per schema id, with exponential back-off from `initialBackoff` between them.
    package var attempts = 3
    package var initialBackoff: Duration = .milliseconds(200)
    package var requestTimeout: Duration = .seconds(10)
    /// After an id's attempts all failed, its messages are dead-lettered without asking
    /// again for this long, so an unreachable registry does not hold up every batch.
    package var unreachableRetryInterval: Duration = .seconds(30)

    package init(url: String, authorization: Authorization? = nil) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.authorization = authorization
    }

    /// `--schema-registry`: an http(s) URL with a host.
    package static func validated(url text: String) throws(SettingsError) -> String {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw SettingsError("schema registry URL '\(text)': expected http(s)://host:port")
        }
        return text
    }
}

/// Fetches the schemas of framed messages by id (`GET /schemas/ids/{id}`, the Confluent
/// Schema Registry API that Karapace and Apicurio's compatibility layer also serve) and
/// keeps them: a schema id never changes its schema, so each is fetched once.
///
/// The pipeline asks for the ids of a whole batch before decoding it (``table(for:)``):
/// only a batch with a new id waits, once, for the registry; decoding never does. Answers
/// kept: a schema (Avro parsed, JSON), "not found" and "unsupported" (Protobuf, invalid
/// schema). An unreachable registry (after `attempts`) is not kept: the id's messages are
/// dead-lettered as `schema_registry_unreachable` and the id asked again after
/// `unreachableRetryInterval`. Bounded: `maximumSchemas` ids, oldest forgotten first.
final class SchemaRegistryClient: Sendable {
    private struct State {
        var known: OrderedDictionary<UInt32, Result<WireSchema, SchemaLookupFailure>> = [:]
        /// Ids whose fetch failed: the failure, and when to ask again.
        var failing: [UInt32: (failure: SchemaLookupFailure, retryAt: ContinuousClock.Instant)] = [:]
    }

    let settings: SchemaRegistrySettings
    private let state = Protected(State())
    private let metrics: Metrics
    private let logger: Logger

    init(settings: SchemaRegistrySettings, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.settings = settings
        self.logger = logger
        metrics = Metrics(registry: registry)
    }

    /// The schemas of the framed messages in `batch`, fetching those not known yet.
    func table(for batch: [KafkaMessage]) async -> SchemaTable {
        var ids: [UInt32] = []
        for message in batch {
            if let id = SchemaRegistryFraming.framedSchemaID(message.value), !ids.contains(id) { ids.append(id) }
        }
        let now = ContinuousClock.now
        let wanted = state.withLock { state in
            ids.filter { id in state.known[id] == nil && (state.failing[id].map { now >= $0.retryAt } ?? true) }
        }
        for id in wanted {
            let answer = await fetch(id)
            state.withLock { state in
                switch answer {
                case let .failure(failure) where failure.isTransient:
                    state.failing[id] = (failure, .now + settings.unreachableRetryInterval)
                default:
                    state.failing[id] = nil
                    if state.known.count >= settings.maximumSchemas {
                        state.known.removeFirst()
                        metrics.evicted.increment()
                    }
                    state.known[id] = answer
                }
            }
        }
        return state.withLock { state in
            var schemas: [UInt32: Result<WireSchema, SchemaLookupFailure>] = [:]
            for id in ids { schemas[id] = state.known[id] ?? state.failing[id].map { .failure($0.failure) } }
            metrics.cached.set(to: Double(state.known.count))
            return SchemaTable(schemas: schemas, missing: .unreachable("not fetched"))
        }
    }

    /// One id, with retries on network errors and 5xx answers.
    func fetch(_ id: UInt32) async -> Result<WireSchema, SchemaLookupFailure> {
        var backoff = settings.initialBackoff
        var failure = SchemaLookupFailure.unreachable("no attempt")
        for attempt in 1...max(1, settings.attempts) {
            var request = HTTPClientRequest(url: "\(settings.url)/schemas/ids/\(id)")
            request.headers.add(name: "Accept", value: "application/vnd.schemaregistry.v1+json, application/json")
            if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization.header) }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(settings.requestTimeout.seconds * 1000)))
                let body = try await response.body.collect(upTo: 4 << 20)
                metrics.requests[response.status.code < 300 ? 0 : 1].increment()
                switch response.status.code {
                case 200..<300: return Self.schema(from: Data(buffer: body))
                case 404: return .failure(.notFound)
                default:
                    failure = .unreachable("HTTP \(response.status.code): \(String(buffer: body).prefix(200))")
                    // Other 4xx (authentication, bad request) will not change by retrying now.
                    if (400..<500).contains(response.status.code) { return .failure(failure) }
                }
            } catch {
                metrics.requests[1].increment()
                failure = .unreachable("\(error)")
            }
            logger.warning("schema registry request failed", metadata: ["id": "\(id)", "attempt": "\(attempt)", "reason": "\(failure)"])
            guard attempt < settings.attempts, (try? await Task.sleep(for: backoff)) != nil else { break }
            backoff *= 2
        }
        return .failure(failure)
    }

    /// A registry answer `{"schema": "...", "schemaType": "AVRO" | "JSON" | "PROTOBUF"}`
    /// (no `schemaType`: Avro).
    static func schema(from body: Data) -> Result<WireSchema, SchemaLookupFailure> {
        struct Answer: Decodable {
            var schema: String
            var schemaType: String?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
            return .failure(.unsupported("the registry's answer has no 'schema'"))
        }
        switch answer.schemaType ?? "AVRO" {
        case "AVRO":
            do {
                return .success(.avro(AvroDecoder(schema: try AvroSchema(json: answer.schema))))
            } catch {
                return .failure(.unsupported("invalid Avro schema: \(error)"))
            }
        case "JSON": return .success(.json)
        case let other: return .failure(.unsupported("schema type \(other) is not decoded (Avro and JSON are)"))
        }
    }

    /// `driftwatch_schema_registry_*` on `/metrics`.
    private struct Metrics: Sendable {
        static let requestsFamily = PrometheusFamily("driftwatch_schema_registry_requests_total", "Requests to the schema registry, by result (ok, or error: network errors and non-2xx answers).")
        static let cachedFamily = PrometheusFamily("driftwatch_schema_registry_schemas_cached", "Schema ids whose answer is kept (schemas, not-found and unsupported).")
        static let evictedFamily = PrometheusFamily("driftwatch_schema_registry_schemas_evicted_total", "Schema ids forgotten because the cache held its maximum (fetched again when seen).")

        /// ok, error.
        let requests: [Counter]
        let cached: Gauge
        let evicted: Counter

        init(registry: PrometheusCollectorRegistry) {
            requests = ["ok", "error"].map { registry.counter(Self.requestsFamily, [("result", $0)]) }
            cached = registry.gauge(Self.cachedFamily)
            evicted = registry.counter(Self.evictedFamily)
        }
    }
}

extension SchemaLookupFailure {
    /// Worth asking again later: the registry did not answer, or not usefully.
    var isTransient: Bool {
        if case .unreachable = self { true } else { false }
    }
}
