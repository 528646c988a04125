import Foundation
import Hummingbird

/// The service's HTTP endpoints (Hummingbird 2):
/// - `GET /metrics`: Prometheus text format;
/// - `GET /healthz`: 200 while the process runs;
/// - `GET /readyz`: 200 once the consumer has its assignment and the broker answers, 503 otherwise;
/// - `GET /v1/status`: JSON ``ServiceStatus``;
/// - `GET /v1/alerts/{fingerprint}`: the alert's latest event as published (the
///   `generatorURL` of the alerts sent to Alertmanager), 404 if unknown.
enum HTTPEndpoints {
    static func router(state: ServiceState, metrics: ServiceMetrics, alertEvents: AlertEventLog) -> Router<BasicRequestContext> {
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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = (try? encoder.encode(state.status)) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/v1/alerts/:fingerprint") { _, context -> Response in
            guard let fingerprint = context.parameters.get("fingerprint"), let json = alertEvents.latest(fingerprint: fingerprint) else {
                return text("no such alert\n", status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return router
    }

    private static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
