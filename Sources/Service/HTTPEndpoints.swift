import Foundation
import Hummingbird
import MonitorCore

/// The service's HTTP endpoints (Hummingbird 2):
/// - `GET /metrics`: Prometheus text format;
/// - `GET /healthz`: 200 while the process runs;
/// - `GET /readyz`: 200 once the consumer has its assignment and the broker answers, 503 otherwise;
/// - `GET /v1/status`: JSON ``ServiceStatus``;
/// - `GET /v1/alerts/{fingerprint}`: the alert's latest event as published (the
///   `generatorURL` of the alerts sent to Alertmanager), 404 if unknown;
/// - `GET /v1/retrain`: retraining triggers waiting for approval, then the latest decided ones;
/// - `POST /v1/retrain/{id}/approve`, `POST /v1/retrain/{id}/reject` (bearer token): the
///   decision as published (200); 401 without the token, 403 when serve has none, 404 for an
///   unknown trigger, 409 (with the decision taken) when it was already decided, 503 while
///   the retrain topic is being read at start or when the decision could not be published.
enum HTTPEndpoints {
    static func router(state: ServiceState, metrics: ServiceMetrics, alertEvents: AlertEventLog,
                       retrain: RetrainDesk) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/healthz") { _, _ -> Response in
            text("ok\n", status: .ok)
        }
        router.get("/readyz") { _, _ -> Response in
            state.isReady ? text("ready\n", status: .ok) : text("not ready\n", status: .serviceUnavailable)
        }
        router.get("/v1/status") { _, _ -> Response in
            json(state.status, status: .ok)
        }
        router.get("/v1/alerts/:fingerprint") { _, context -> Response in
            guard let fingerprint = context.parameters.get("fingerprint"), let json = alertEvents.latest(fingerprint: fingerprint) else {
                return text("no such alert\n", status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.get("/v1/retrain") { _, _ -> Response in
            json(RetrainListing(retrain.ledger.entries), status: .ok)
        }
        for verdict in RetrainDecision.Verdict.allCases {
            let action = verdict == .approved ? "approve" : "reject"
            router.post("/v1/retrain/:id/\(action)") { request, context -> Response in
                let id = context.parameters.get("id") ?? ""
                let answer = await retrain.decide(triggerID: id, verdict: verdict, authorization: request.headers[.authorization])
                return response(to: answer, id: id)
            }
        }
        return router
    }

    private static func response(to answer: RetrainDesk.Answer, id: String) -> Response {
        switch answer {
        case let .decided(decision):
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: decision.json)))
        case .unauthorized:
            Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: "a bearer token is required (Authorization: Bearer <admin token>)\n")))
        case .approvalsDisabled:
            text("approvals are disabled: serve has no admin token (--admin-token-file)\n", status: .forbidden)
        case .catchingUp:
            text("the retrain topic is still being read; try again shortly\n", status: .serviceUnavailable)
        case .unknown:
            text("no retraining trigger \(id) waits for a decision\n", status: .notFound)
        case let .alreadyDecided(decision):
            Response(status: .conflict, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: decision.json)))
        case let .unpublished(error):
            text("the decision could not be published (\(error)); the trigger still waits\n", status: .serviceUnavailable)
        }
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let body = (try? JSONEncoder.keyOrdered().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `GET /v1/retrain`: `{"triggers": [...]}`, waiting ones first (oldest first), then decided
/// ones (latest first); each the trigger's fields and its `status` (`waiting`, `approved`,
/// `rejected`) with the decision's time.
struct RetrainListing: Encodable {
    enum Status: String, Encodable {
        case waiting, approved, rejected
    }

    struct Item: Encodable {
        var trigger: PublishedTrigger
        var status: Status
        var decidedAt: String?
        var decidedAtMilliseconds: Int64?

        enum CodingKeys: String, CodingKey {
            case status, decidedAt
            case decidedAtMilliseconds = "decided_at_ms"
        }

        func encode(to encoder: any Encoder) throws {
            try trigger.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encodeIfPresent(decidedAt, forKey: .decidedAt)
            try container.encodeIfPresent(decidedAtMilliseconds, forKey: .decidedAtMilliseconds)
        }
    }

    var triggers: [Item]

    init(_ entries: [RetrainLedger.Entry]) {
        triggers = entries.map { entry in
            switch entry.phase {
            case .waiting: Item(trigger: entry.trigger, status: .waiting)
            case let .decided(decision):
                Item(trigger: entry.trigger, status: decision.verdict == .approved ? .approved : .rejected,
                     decidedAt: ISO8601Time.string(milliseconds: decision.decidedAt), decidedAtMilliseconds: decision.decidedAt)
            }
        }
    }
}
