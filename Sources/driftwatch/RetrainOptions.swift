import ArgumentParser
import Foundation
import MonitorCore
import Service

/// `serve`'s retraining hand-off options: who may approve, and where approved triggers go.
struct RetrainOptions: ParsableArguments {
    @Option(help: "File holding the bearer token of POST /v1/retrain/{id}/approve|reject (or DRIFTWATCH_ADMIN_TOKEN). Without one nobody can approve.")
    var adminTokenFile: String?

    @Option(help: "Most retraining triggers waiting for approval; more are counted in driftwatch_retrain_triggers_dropped_total (default 1000).")
    var retrainMaxWaiting: Int?

    @Option(help: "POST approved and approval-free retraining triggers to this URL (e.g. Airflow's /api/v1/dags/{dag_id}/dagRuns).")
    var retrainWebhook: String?

    @Option(help: "Mustache template file of the webhook's body (values JSON-escaped: {{id}}, {{model}}, {{version}}, {{rule}}, {{triggered_at}}, ...).")
    var retrainWebhookBody: String?

    @Option(help: ArgumentHelp("A webhook header 'Name: template' (repeatable), e.g. 'Authorization: Basic …'.", valueName: "header"))
    var retrainWebhookHeader: [String] = []

    func apply(to settings: inout ServeSettings, environment: SettingEnvironment) throws {
        if let file = adminTokenFile ?? environment["ADMIN_TOKEN_FILE"] {
            settings.adminToken = try Self.token(fromFile: file)
        } else if let token = environment["ADMIN_TOKEN"] {
            settings.adminToken = token
        }
        if let maximum = retrainMaxWaiting ?? environment["RETRAIN_MAX_WAITING"].flatMap({ Int($0) }) {
            guard maximum > 0 else { throw ValidationError("--retrain-max-waiting must be positive") }
            settings.retrainLimits.maximumWaiting = maximum
        }
        if let url = retrainWebhook ?? environment["RETRAIN_WEBHOOK"] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError("--retrain-webhook '\(url)': expected an http(s) URL")
            }
            settings.retrainWebhook.url = url
        }
        if let file = retrainWebhookBody ?? environment["RETRAIN_WEBHOOK_BODY"] {
            settings.retrainWebhook.bodyTemplate = try String(contentsOfFile: file, encoding: .utf8)
        }
        for header in environment.list(retrainWebhookHeader, "RETRAIN_WEBHOOK_HEADER") ?? [] {
            guard let colon = header.firstIndex(of: ":"), !header[..<colon].isEmpty else {
                throw ValidationError("--retrain-webhook-header '\(header)': expected 'Name: template'")
            }
            settings.retrainWebhook.headerTemplates.append(
                (String(header[..<colon]), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        do { _ = try RetrainWebhookTemplates(settings: settings.retrainWebhook) } catch { throw ValidationError(error.description) }
    }

    /// A token file's content without surrounding whitespace (a Kubernetes secret mounted as a file).
    static func token(fromFile path: String) throws -> String {
        let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("the admin token file \(path) is empty") }
        return token
    }
}

/// `driftwatch retrain list|approve|reject`: the retraining hand-off through a running
/// serve's HTTP API.
struct RetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "List, approve or reject retraining triggers waiting in a running serve.",
        subcommands: [List.self, Approve.self, Reject.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "serve's HTTP address (default http://127.0.0.1:9464, or DRIFTWATCH_URL).")
        var url: String?

        @Option(help: "The admin bearer token (or DRIFTWATCH_ADMIN_TOKEN).")
        var token: String?

        @Option(help: "A file holding the admin bearer token (or DRIFTWATCH_ADMIN_TOKEN_FILE).")
        var tokenFile: String?

        var baseURL: String { url ?? SettingEnvironment(ProcessInfo.processInfo.environment)["URL"] ?? "http://127.0.0.1:9464" }

        func resolvedToken() throws -> String? {
            let environment = SettingEnvironment(ProcessInfo.processInfo.environment)
            if let token { return token }
            if let file = tokenFile ?? environment["ADMIN_TOKEN_FILE"] { return try RetrainOptions.token(fromFile: file) }
            return environment["ADMIN_TOKEN"]
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the triggers waiting for approval and the latest decided ones (JSON).")
        @OptionGroup var connection: Connection

        func run() async throws {
            try RetrainCommand.finish(try await RetrainAPIClient.list(baseURL: connection.baseURL))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a waiting trigger: an approved event on the retrain topic, and the webhook.")
        @Argument(help: "The trigger id.") var id: String
        @OptionGroup var connection: Connection

        func run() async throws { try await RetrainCommand.decide(id, .approved, connection) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a waiting trigger: a rejected event on the retrain topic.")
        @Argument(help: "The trigger id.") var id: String
        @OptionGroup var connection: Connection

        func run() async throws { try await RetrainCommand.decide(id, .rejected, connection) }
    }

    static func decide(_ id: String, _ verdict: RetrainDecision.Verdict, _ connection: Connection) async throws {
        try finish(try await RetrainAPIClient.decide(baseURL: connection.baseURL, triggerID: id, verdict: verdict,
                                                     token: try connection.resolvedToken()))
    }

    /// Prints a 2xx answer's body; any other answer fails the command with its status and body.
    static func finish(_ answer: RetrainAPIClient.Answer) throws {
        guard (200..<300).contains(answer.status) else {
            throw CommandFailure("HTTP \(answer.status): \(answer.body.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        print(answer.body)
    }
}
