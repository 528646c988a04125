import Foundation
@testable import Monitor
@testable import MonitorCore
@testable import Service
import Testing

@Suite struct SchemaRegistryClientTests {
    @Test func answersBecomeSchemasOrReasons() {
        let avro = SchemaRegistryClient.schema(from: Data(#"{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"}"#.utf8))
        guard case let .success(.avro(decoder)) = avro, case .record("R", _) = decoder.schema.nodes[decoder.schema.root] else {
            Issue.record("no Avro schema: \(avro)")
            return
        }
        guard case .success(.json) = SchemaRegistryClient.schema(from: Data(#"{"schema":"{}","schemaType":"JSON"}"#.utf8)) else {
            Issue.record("not JSON")
            return
        }
        #expect(SchemaRegistryClient.schema(from: Data(#"{"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"}"#.utf8)).failureValue
            == .unsupported("schema type PROTOBUF is not decoded (Avro and JSON are)"))
        #expect(SchemaRegistryClient.schema(from: Data(#"{"schema":"\"nothing\""}"#.utf8)).failureValue
            == .unsupported("invalid Avro schema: unknown type 'nothing' (named types must be declared before use)"))
        #expect(SchemaRegistryClient.schema(from: Data("<html>".utf8)).failureValue == .unsupported("the registry's answer has no 'schema'"))
    }

    @Test func authorizationHeaders() {
        #expect(SchemaRegistrySettings.Authorization.basic(userInfo: "user:pa:ss").header == "Basic dXNlcjpwYTpzcw==")
        #expect(SchemaRegistrySettings.Authorization.bearer(token: "t0k").header == "Bearer t0k")
        #expect(throws: SettingsError.self) { try SchemaRegistrySettings.validated(url: "registry:8081") }
        #expect(SchemaRegistrySettings(url: "http://registry:8081/").url == "http://registry:8081")
    }
}
