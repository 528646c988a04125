import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Real programs the tests start (Prometheus, promtool, Alertmanager), installed by
/// `scripts/deps/*.sh` (by name on PATH, or by absolute path): a missing one fails the test with what to run.
enum RealComponents {
    static func executable(_ name: String) throws -> URL {
        if name.hasPrefix("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw ComponentError("\(name) is not installed: run scripts/ensure-deps.sh (scripts/deps/) as root")
            }
            return URL(fileURLWithPath: name)
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        guard let path else {
            throw ComponentError("\(name) is not installed: run scripts/ensure-deps.sh (scripts/deps/) as root")
        }
        return path
    }

    /// Runs `name` to completion; its exit status and its stdout and stderr together.
    static func run(_ name: String, _ arguments: [String], input: [UInt8]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A TCP port free on loopback now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ComponentError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ComponentError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A server process started by a test, stopped (SIGTERM, then waited for) by ``stop()``.
    final class Server: @unchecked Sendable {
        let process = Process()
        let directory: URL
        let port: Int
        private let log: URL

        init(_ name: String, arguments: (_ directory: URL, _ port: Int) -> [String]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            port = try RealComponents.freePort()
            log = directory.appendingPathComponent("server.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = try RealComponents.executable(name)
            process.arguments = arguments(directory, port)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
        }

        func start() throws { try process.run() }

        /// What the server logged (for failure messages).
        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(at: directory)
        }

        func get(_ path: String) async throws -> (status: Int, body: Data) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        }

        /// Waits until `GET path` answers 200.
        func waitUntilAnswering(_ path: String, timeout: Duration = .seconds(30)) async -> Bool {
            await ServiceTestSupport.eventually(timeout, every: .milliseconds(200)) {
                ((try? await self.get(path))?.status ?? 0) == 200
            }
        }
    }

    struct ComponentError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
