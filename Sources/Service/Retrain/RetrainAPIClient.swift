import AsyncHTTPClient
import Foundation
import MonitorCore
import NIOCore

/// The client side of serve's `/v1/retrain` API (`driftwatch retrain list|approve|reject`).
package enum RetrainAPIClient {
    package struct Answer: Sendable, Equatable {
        package var status: Int
        package var body: String
    }

    /// `GET <base>/v1/retrain`.
    package static func list(baseURL: String) async throws -> Answer {
        try await execute(HTTPClientRequest(url: trimmed(baseURL) + "/v1/retrain"))
    }

    /// `POST <base>/v1/retrain/<id>/approve|reject` with `Authorization: Bearer <token>`.
    package static func decide(baseURL: String, triggerID: String, verdict: RetrainDecision.Verdict, token: String?) async throws -> Answer {
        let id = triggerID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? triggerID
        var request = HTTPClientRequest(url: trimmed(baseURL) + "/v1/retrain/\(id)/" + (verdict == .approved ? "approve" : "reject"))
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer " + token) }
        return try await execute(request)
    }

    private static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    private static func execute(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: body))
    }
}
