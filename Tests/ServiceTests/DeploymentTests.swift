import Foundation
import Testing
import Yams

/// `deploy/`'s Dockerfile and Kubernetes example, checked against what exists (there is
/// no Docker engine or cluster here): every serve flag and `DRIFTWATCH_` variable they
/// use is one `driftwatch serve --help` lists, probes hit real endpoints on the served
/// port, the Service and ServiceMonitor select the Deployment's pods and port, and the
/// Dockerfile builds the package's executable and copies paths of this repository.
@Suite struct DeploymentTests {
    typealias Support = ServiceTestSupport

    /// `driftwatch serve --help`: the long options it lists.
    static func serveOptions() throws -> Set<String> {
        let process = Process()
        process.executableURL = try #require(Support.driftwatchExecutable, "swift test builds the driftwatch executable next to the tests")
        process.arguments = ["serve", "--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let options = text.split(whereSeparator: { " ,\n<".contains($0) }).filter { $0.hasPrefix("--") }.map(String.init)
        return Set(options)
    }

    static func manifests() throws -> [String: [String: Any]] {
        let text = try String(contentsOfFile: Support.repositoryRoot + "/deploy/kubernetes/driftwatch.yaml", encoding: .utf8)
        var byKind: [String: [String: Any]] = [:]
        for document in try Yams.load_all(yaml: text) {
            let object = try #require(document as? [String: Any])
            byKind[try #require(object["kind"] as? String)] = object
        }
        return byKind
    }

    @Test func kubernetesExampleUsesRealOptionsEndpointsAndPorts() throws {
        let options = try Self.serveOptions()
        #expect(options.contains("--admin-token-file") && options.contains("--retrain-webhook"))
        let manifests = try Self.manifests()
        #expect(Set(manifests.keys) == ["Deployment", "Service", "ServiceMonitor"])

        let deployment = try #require(manifests["Deployment"])
        let spec = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        let podLabels = try #require((spec["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let container = try #require(((spec["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first)
        let arguments = try #require(container["args"] as? [String])
        #expect(arguments.first == "serve")
        for argument in arguments.dropFirst() {
            let flag = String(argument.split(separator: "=").first ?? "")
            #expect(options.contains(flag), "\(flag) is not an option of driftwatch serve")
        }
        for variable in try #require(container["env"] as? [[String: Any]]).compactMap({ $0["name"] as? String }) {
            #expect(variable.hasPrefix("DRIFTWATCH_"))
            let flag = "--" + variable.dropFirst("DRIFTWATCH_".count).lowercased().replacingOccurrences(of: "_", with: "-")
            #expect(options.contains(flag), "\(variable): serve has no \(flag)")
        }
        let port = try #require((container["ports"] as? [[String: Any]])?.first)
        let http = arguments.first { $0.hasPrefix("--http=") }
        #expect(http == "--http=0.0.0.0:\(port["containerPort"] as? Int ?? 0)")
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any])
            #expect(get["path"] as? String == path)
            #expect(get["port"] as? String == port["name"] as? String)
        }
        // The mounts are where the arguments look.
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]]).compactMap { $0["mountPath"] as? String }
        #expect(arguments.contains("--rules=" + (mounts.first { $0.hasSuffix("rules") } ?? "?")))
        #expect(mounts.contains { arguments.contains("--admin-token-file=\($0)/token") })

        let service = try #require(manifests["Service"]?["spec"] as? [String: Any])
        #expect(service["selector"] as? [String: String] == podLabels)
        let servicePort = try #require((service["ports"] as? [[String: Any]])?.first)
        #expect(servicePort["targetPort"] as? String == port["name"] as? String)

        let monitor = try #require(manifests["ServiceMonitor"]?["spec"] as? [String: Any])
        let serviceLabels = (manifests["Service"]?["metadata"] as? [String: Any])?["labels"] as? [String: String]
        #expect((monitor["selector"] as? [String: Any])?["matchLabels"] as? [String: String] == serviceLabels)
        let endpoint = try #require((monitor["endpoints"] as? [[String: Any]])?.first)
        #expect(endpoint["port"] as? String == servicePort["name"] as? String)
        #expect(endpoint["path"] as? String == "/metrics")
    }

    @Test func dockerfileBuildsTheExecutableAndCopiesPathsThatExist() throws {
        let root = Support.repositoryRoot
        let lines = try String(contentsOfFile: root + "/deploy/Dockerfile", encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.hasPrefix("FROM swift:6.") == true)
        #expect(lines.contains { $0.contains("librdkafka1") }, "the runtime stage installs librdkafka")
        let package = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        #expect(package.contains(#".executable(name: "driftwatch""#))
        #expect(lines.contains { $0.contains("--product driftwatch") })
        for line in lines where line.hasPrefix("COPY ") && !line.contains("--from=") {
            let source = String(line.split(separator: " ")[1])
            #expect(FileManager.default.fileExists(atPath: root + "/" + source), "COPY \(source): no such path in the repository")
        }
        #expect(lines.contains("EXPOSE 9464"))
        #expect(lines.contains(#"ENTRYPOINT ["/usr/local/bin/driftwatch"]"#))
        #expect(lines.contains { $0.hasPrefix("CMD [\"serve\"") && $0.contains("0.0.0.0:9464") })
    }
}
